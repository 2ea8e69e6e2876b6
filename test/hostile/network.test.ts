// nimble-test: serial — 29 real `nimble sweep --target` runs, six at a time (~1 min in all).
// The fault matrix of issue 10, network half: the real binary against each mode of the hostile
// server, each case under a time bound and a peak-RSS bound, asserting a clear message naming what
// went wrong, the exit code, a readable session (or none at all where nimble stops before
// starting one) and no process left behind.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE_MODEL, startHostileServer, type HostileMode } from './server.ts';

import { RSS_LIMIT_MB, runMeasured, type Outcome } from './measure.ts';

interface Case {
  name: string;
  mode: HostileMode;
  /** Leave --model out: nimble reads it from /v1/models. */
  noModel?: boolean;
  /** Time bound for the whole run (it is killed at twice this). */
  maxMs: number;
  code: number;
  /** What the user must be told. */
  message: RegExp;
  /** Replaces the default --request-timeout 5. */
  requestTimeoutS?: number;
  /** Ctrl-C when the event log matches this. */
  sigintOn?: RegExp;
  check?: (o: Outcome & { sigintAfterMs: number | null }) => void;
}

const levels = (o: Outcome) => (o.session?.levels ?? []) as Array<Record<string, any>>;
const smokeFailed = (name: string) => (o: Outcome) => {
  assert.equal(o.session?.status, 'failed');
  assert.equal(o.session?.smoke.find((c: { name: string }) => c.name === name)?.ok, false);
  assert.equal(levels(o).length, 0, 'no sweep after a failed smoke test');
};
const noMetrics = (o: Outcome) => {
  assert.equal(o.session?.status, 'completed');
  const m = o.session?.smoke.find((c: { name: string }) => c.name === 'metrics');
  assert.equal(m.ok && m.warn, true, 'metrics are optional: a warning, not a failure');
  assert.equal(o.events.find((e) => e.type === 'sweep.started')?.serverMetrics.available, false);
  assert.ok(levels(o).length > 0 && levels(o).every((l) => l.completed > 0 && l.failed === 0));
};
/** A sweep against a server failing every request: the level shows why and never passes. */
const everyRequestFails = (cls: RegExp) => (o: Outcome) => {
  const first = levels(o)[0];
  assert.ok(first, 'level 1 was measured');
  assert.equal(first.completed, 0);
  assert.ok(Object.keys(first.errorsByClass).every((k) => cls.test(k)), JSON.stringify(first.errorsByClass));
  assert.ok(levels(o).every((l) => l.verdict !== 'pass'), 'zero completed requests never pass');
  assert.equal(o.session?.breakingPoints.support.lastPassing, 0);
};

const CASES: Case[] = [
  { name: 'baseline', mode: 'ok', maxMs: 20_000, code: 0, message: /"savedTo"/, check: noMetrics },
  { name: 'endless health body', mode: 'endless-health', maxMs: 10_000, code: 1, message: /GET \/v1\/health\/ready sent more than 64 KiB \(the limit for this read\)/, check: smokeFailed('ready') },
  { name: 'endless models body', mode: 'endless-models', maxMs: 10_000, code: 1, message: /GET \/v1\/models sent more than 1 MiB \(the limit for this read\)/, check: smokeFailed('models') },
  {
    name: 'endless models body, model read from it',
    mode: 'endless-models',
    noModel: true,
    maxMs: 10_000,
    code: 1,
    message: /could not read .*GET \/v1\/models sent more than 1 MiB/,
    check: (o) => assert.deepEqual(o.dirEntries, [], 'nothing saved before a session starts'),
  },
  { name: 'endless metrics body', mode: 'endless-metrics', maxMs: 25_000, code: 0, message: /GET \/(v1\/)?metrics sent more than 8 MiB \(the limit for this read\)/, check: noMetrics },
  { name: 'huge /metrics', mode: 'huge-metrics', maxMs: 20_000, code: 0, message: /answered with a 64 MiB body, over the 8 MiB limit/, check: noMetrics },
  { name: 'endless error body', mode: 'endless-error-body', maxMs: 10_000, code: 1, message: /http_500: \{?"?.*internal error/, check: smokeFailed('chat') },
  { name: 'endless SSE line', mode: 'endless-sse-line', maxMs: 10_000, code: 1, message: /an SSE line passed 1 Mi characters without a line break/, check: smokeFailed('chat') },
  { name: '10 MB SSE line', mode: 'ten-mb-line', maxMs: 10_000, code: 1, message: /an SSE line passed 1 Mi characters/, check: smokeFailed('chat') },
  { name: 'endless SSE event', mode: 'endless-event', maxMs: 10_000, code: 1, message: /an SSE event's data passed 1 Mi characters/, check: smokeFailed('chat') },
  { name: 'garbage SSE', mode: 'garbage-sse', maxMs: 10_000, code: 1, message: /stream chunk is not JSON/, check: smokeFailed('chat') },
  { name: 'reset mid-stream', mode: 'reset-mid-stream', maxMs: 10_000, code: 1, message: /reset: the connection closed in the middle of the response/, check: smokeFailed('chat') },
  { name: 'never-answering socket', mode: 'never-answer', maxMs: 15_000, code: 1, message: /GET \/v1\/health\/ready took over 5000 ms \(the limit for this read\)/, check: smokeFailed('ready') },
  { name: 'chat never answers', mode: 'never-answer-chat', maxMs: 30_000, code: 1, message: /stall: no byte for 15000 ms waiting for the response to begin/, check: smokeFailed('chat') },
  { name: 'drip, 1 byte/s', mode: 'drip', maxMs: 15_000, code: 1, message: /took over 5000 ms \(the limit for this read\)/, check: smokeFailed('ready') },
  { name: '500 storm', mode: 'storm-500', maxMs: 40_000, code: 0, message: /http_500: storm: internal server error/, check: everyRequestFails(/^http_500$/) },
  { name: '429 storm', mode: 'storm-429', maxMs: 40_000, code: 0, message: /http_429: storm: too many requests/, check: everyRequestFails(/^http_429$/) },
  { name: '503 storm', mode: 'storm-503', maxMs: 40_000, code: 0, message: /http_503: storm: service unavailable/, check: everyRequestFails(/^http_503$/) },
  { name: 'redirect', mode: 'redirect', maxMs: 10_000, code: 1, message: /302 → http:\/\/127\.0\.0\.1:9\/elsewhere not followed/, check: smokeFailed('ready') },
  { name: 'wrong content type', mode: 'wrong-content-type', maxMs: 10_000, code: 1, message: /without any SSE event \(content-type text\/html\): not an OpenAI event stream/, check: smokeFailed('chat') },
  {
    name: 'endless stream after a good smoke test',
    mode: 'endless-stream-after-smoke',
    maxMs: 40_000,
    code: 0,
    message: /the server sent more than 96 content chunks, far more than the max_tokens asked \(the limit for one answer\)/,
    check: everyRequestFails(/^malformed$/),
  },
  { name: 'drip after a good smoke test', mode: 'drip-after-smoke', maxMs: 40_000, code: 0, message: /timeout: the request took over 5000 ms/, check: everyRequestFails(/^timeout$/) },
  {
    name: 'escape sequences in the model id',
    mode: 'esc-model-id',
    noModel: true,
    maxMs: 10_000,
    code: 1,
    message: /lists only model ids with control characters/,
    check: (o) => assert.deepEqual(o.dirEntries, []),
  },
  {
    name: 'keep-alive dropped after 2 answers (llama-server)',
    mode: 'keepalive-close-2',
    maxMs: 25_000,
    code: 0,
    message: /sent again after the connection was reset before any response byte \(counted, not failures\)/,
    check: (o) => {
      assert.equal(o.session?.status, 'completed');
      assert.ok(levels(o).every((l) => l.failed === 0), `no failures recorded: ${JSON.stringify(levels(o).map((l) => l.errorsByClass))}`);
      assert.ok(levels(o).reduce((a, l) => a + (l.retried ?? 0), 0) > 0, 'retries are counted');
      assert.ok(levels(o).every((l) => l.verdict === 'pass'));
    },
  },
  {
    name: 'long error reason',
    mode: 'long-error-reason',
    maxMs: 10_000,
    code: 1,
    message: /http_400: request \(2128 tokens\) exceeds the available context size \(1024 tokens\)/,
    check: (o) => {
      smokeFailed('chat')(o);
      const detail: string = o.session?.smoke.find((c: { name: string }) => c.name === 'chat').detail;
      const reason = detail.slice(detail.indexOf('http_400: ') + 'http_400: '.length);
      assert.ok(reason.length <= 200, `reason bounded: ${reason.length} characters`);
    },
  },
  {
    name: 'stream_options refused',
    mode: 'no-stream-options',
    maxMs: 20_000,
    code: 0,
    message: /the server refuses stream_options\.include_usage \(asked again without it\)/,
    check: (o) => {
      noMetrics(o);
      assert.match(o.text, /server rejected stream_options\.include_usage/);
    },
  },
  { name: 'garbage metrics', mode: 'metrics-garbage', maxMs: 20_000, code: 0, message: /no engine's queue or KV cache metrics recognised/, check: noMetrics },
  {
    name: 'Ctrl-C during a dripping stream',
    mode: 'drip-after-smoke',
    requestTimeoutS: 120,
    maxMs: 15_000,
    sigintOn: /"level.started"/,
    code: 130,
    message: /"savedTo"/,
    check: (o) => {
      assert.equal(o.session?.status, 'aborted');
      // Requests may run 120 s here: ending within seconds is the abort cutting them mid-body.
      assert.ok(o.sigintAfterMs !== null && o.sigintAfterMs < 5_000, `stopped promptly mid-stream: ${Math.round(o.sigintAfterMs ?? -1)} ms after Ctrl-C`);
    },
  },
  {
    name: 'Ctrl-C during a dripping health body',
    mode: 'drip',
    maxMs: 15_000,
    sigintOn: /"stage":"smoke"/,
    code: 130,
    message: /"savedTo"/,
    check: (o) => {
      assert.equal(o.session?.status, 'aborted');
      // The health read's own limit is 5 s: stopping well before it is obeying the abort mid-body.
      assert.ok(o.sigintAfterMs !== null && o.sigintAfterMs < 3_000, `stopped promptly mid-body: ${Math.round(o.sigintAfterMs ?? -1)} ms after Ctrl-C`);
    },
  },
];

describe('hostile server: nimble sweep --target', { concurrency: 6 }, () => {
  for (const c of CASES) {
    test(`${c.name} (${c.mode})`, async () => {
      const server = await startHostileServer(c.mode);
      const dir = mkdtempSync(join(tmpdir(), 'nimble-hostile-'));
      try {
        const args = ['sweep', '--target', server.url, '--json', '--max-concurrency', '2', '--output-tokens', '8', '--sweep-timing', 'quick', '--request-timeout', String(c.requestTimeoutS ?? 5), '--sessions-dir', dir];
        if (!c.noModel) args.push('--model', HOSTILE_MODEL);
        const o = await runMeasured(args, dir, { killMs: c.maxMs * 2, sigintOn: c.sigintOn });
        assert.equal(o.signal, null, `killed at the outer bound (${c.maxMs * 2} ms)`);
        assert.equal(o.code, c.code, o.stderr || o.text.slice(0, 2000));
        assert.ok(o.wallMs <= c.maxMs, `took ${Math.round(o.wallMs)} ms, bound ${c.maxMs} ms`);
        assert.ok(o.peakRssMb <= RSS_LIMIT_MB, `peak RSS ${o.peakRssMb.toFixed(0)} MB over ${RSS_LIMIT_MB} MB`);
        assert.ok(o.peakRssMb > 0, 'RSS was measured');
        assert.match(o.text, c.message);
        // Nothing from the server reaches the terminal raw.
        assert.doesNotMatch(o.stdout + o.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'control characters in the output');
        if (o.code !== 1 || o.session) assert.ok(o.session, 'a readable session');
        c.check?.(o);
      } finally {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
