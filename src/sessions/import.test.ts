import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import { compareSessions } from '../core/compare.ts';
import { detectFormat, ImportError } from '../core/import-results.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession } from '../core/session-summary.ts';
import { fixtureEvents } from './fixtures.ts';
import { importResultFiles } from './import.ts';
import { listSessions, readSession, saveSession } from './store.ts';
import { exportSession } from './export.ts';

const FX = new URL('./fixtures/', import.meta.url).pathname;
const base = { priceTable: DEFAULT_PRICE_TABLE, nimbleVersion: '0.1.0', now: new Date('2026-11-24T08:00:00Z') };

test('vllm bench serve results (one file per concurrency) become one session of levels', () => {
  const r = importResultFiles([join(FX, 'vllm-bench-serve-c16.json'), join(FX, 'vllm-bench-serve-c4.json')], { ...base, gpuShape: 'VM.GPU.A10.1', gpuCount: 1 });
  assert.equal(r.format, 'vllm');
  const s = r.summary;
  assert.equal(s.meta.mode, 'import');
  assert.equal(s.meta.model, 'meta/llama-3.1-8b-instruct');
  assert.deepEqual(s.levels.map((l) => l.concurrency), [4, 16]);
  const [c4, c16] = s.levels;
  assert.equal(c4.ttft.p50, 120);
  assert.ok(Math.abs(c4.ttft.p95 - 216) < 1e-9);
  assert.equal(c4.ttft.mean, 126);
  assert.equal(c4.windowMs, 42_500);
  assert.equal(c4.outputTokPerS, 480);
  assert.equal(c4.meanPromptTokens, 256);
  assert.ok(Number.isNaN(c4.goodput), 'no --goodput: unknown, not 0');
  assert.ok(Number.isNaN(c4.ttft.min), 'min not in the file');
  assert.equal(c4.server.engine, 'unknown');
  assert.equal(c16.failed, 2);
  assert.equal(c16.successRate, 158 / 160);
  assert.equal(c16.verdict, 'break'); // p95 2340 ms > 2 s
  assert.deepEqual(c16.brokeBy, ['ttft']);
  assert.equal(s.breakingPoints.support?.lastPassing, 4);
  assert.equal(s.breakingPoints.support?.firstFailing, 16);
  assert.equal(s.stages.deploy.durationMs, null, 'no deploy in an import');
  assert.equal(s.cost.totalUsd, 0);
  assert.ok(r.notes.some((n) => /shape not given/.test(n)));
});

test('vllm defaults: missing percentiles and concurrency stay unknown, no breaking point invented', () => {
  const r = importResultFiles([join(FX, 'vllm-bench-serve-defaults.json')], base);
  const [l] = r.summary.levels;
  assert.ok(Number.isNaN(l.ttft.p95));
  assert.equal(l.ttft.p99, 720);
  assert.equal(l.valid, false);
  assert.match(l.invalidReasons[0], /no --max-concurrency/);
  assert.equal(l.concurrency, 8, 'peak observed, flagged invalid');
  assert.deepEqual(r.summary.breakingPoints, {});
  assert.ok(r.notes.some((n) => /p95, p90 not in the file/.test(n)));
  assert.equal(r.summary.meta.gpuShape, 'unknown');
});

test('GuideLLM benchmarks: one level per benchmark, strategies mapped', () => {
  const r = importResultFiles([join(FX, 'guidellm-benchmarks.json')], { ...base, shape: 'support' });
  assert.equal(r.format, 'guidellm');
  const s = r.summary;
  assert.equal(s.meta.model, 'meta/llama-3.1-8b-instruct');
  assert.equal(s.meta.startedAt, new Date(1795000005 * 1000).toISOString());
  assert.deepEqual(s.levels.map((l) => l.concurrency), [1, 8, 13, 32]);
  const sync = s.levels[0];
  assert.equal(sync.ttft.p50, 95);
  assert.ok(Math.abs(sync.ttft.p95 - 171) < 1e-9);
  assert.ok(Math.abs(sync.e2el.p50 - (95 + 127 * 20)) < 1e-6, 'request_latency seconds → ms');
  assert.equal(sync.completed, 100);
  assert.equal(sync.windowMs, 60_000);
  const rate = s.levels.find((l) => l.concurrency === 13)!;
  assert.equal(rate.valid, false, 'rate-based strategy is not a fixed-concurrency level');
  const c32 = s.levels[3];
  assert.equal(c32.failed, 1);
  assert.equal(c32.verdict, 'break');
  assert.equal(s.breakingPoints.support?.lastPassing, 8);
  assert.equal(s.breakingPoints.support?.firstFailing, 32);
});

test('an imported session saves, lists, compares with a nimble session and exports', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = importResultFiles([join(FX, 'guidellm-benchmarks.json')], { ...base, shape: 'support', gpuShape: 'VM.GPU.A10.1', gpuCount: 1 });
  saveSession(dir, r.summary, r.events, { env: {} });
  const back = readSession(dir, r.summary.id);
  assert.ok(Number.isNaN(back.summary.levels[0].goodput), 'unknown survives the JSON round trip as unknown');
  assert.equal(listSessions(dir).rows[0].mode, 'import');
  const nimble = summarizeSession(reduceAll(fixtureEvents({ id: 'sim-1' })), DEFAULT_PRICE_TABLE);
  const c = compareSessions([nimble, back.summary]);
  assert.ok(c.differences.some((d) => d.label === 'Mode'));
  const ttft = c.curves.find((x) => x.shape === 'support' && x.metric === 'ttftP95')!;
  assert.deepEqual(ttft.series[1].points.map((p) => p.concurrency), [1, 8, 32], 'the invalid rate-based level is not plotted');
  const csv = exportSession(back.summary, back.events, 'csv');
  const lines = csv.trim().split('\n');
  assert.equal(lines.length, 5);
  assert.match(lines[0], /^shape,concurrency,window_s/);
  assert.match(lines[1], /^support,1,60,100,0,1,95,/);
  assert.ok(lines[1].includes(',,'), 'unknown goodput is an empty cell');
  const md = exportSession(back.summary, back.events, 'md');
  assert.match(md, /\(imported\)/);
  assert.match(md, /Breaking point:\*\* 8 users \(8 pass, 32 break/);
  assert.match(md, /invalid: GuideLLM constant strategy is rate-based/);
});

test('foreign JSON is refused with a reason', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'x.json'), '{"hello": 1}');
  assert.throws(() => importResultFiles([join(dir, 'x.json')], base), /not a GuideLLM benchmarks file nor a vllm/);
  writeFileSync(join(dir, 'y.json'), 'garbage');
  assert.throws(() => importResultFiles([join(dir, 'y.json')], base), /not JSON/);
  assert.equal(detectFormat(JSON.parse(readFileSync(join(FX, 'vllm-bench-serve-c4.json'), 'utf8'))), 'vllm');
});

test('markdown export of a nimble session names the price table and the tiers', () => {
  const s = summarizeSession(reduceAll(fixtureEvents({ profile: 'fast' })), DEFAULT_PRICE_TABLE);
  const md = exportSession(s, [], 'md');
  assert.match(md, /\(SIMULATED\)/);
  assert.match(md, /price table oci-list-2026-01/);
  assert.match(md, /\| deploy \| 8m43s \| Fast \| 12m00s ✓ \|/);
  assert.match(md, /Breaking point:\*\* 16 users \(16 pass, 32 break/);
  const json = JSON.parse(exportSession(s, fixtureEvents(), 'json'));
  assert.equal(json.summary.id, s.id);
  assert.ok(json.events.length > 10);
});

test('imports validate their numbers: negative, zero and absurd values are refused with the field named; nothing is saved', () => {
  const good = JSON.parse(readFileSync(join(FX, 'vllm-bench-serve-c4.json'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'nimble-import-bad-'));
  try {
    for (const [patch, message] of [
      [{ completed: -5 }, /level 1 \(concurrency 4\): completed requests is -5, must be a whole number from 0 to/],
      [{ completed: 0, failed: 0 }, /completed \+ failed requests is 0, must be at least 1/],
      [{ duration: 0 }, /duration \(ms\) is 0, must be above 0/],
      [{ mean_ttft_ms: 1e308 }, /TTFT mean \(ms\) is 1e\+308, must be above 0 and at most 100000000/],
      [{ median_ttft_ms: -1 }, /TTFT p50 \(ms\) is -1/],
      [{ output_throughput: 1e308 }, /output tokens\/s is 1e\+308/],
      [{ max_concurrency: -4 }, /concurrency is -4, must be a whole number from 1/],
    ] as const) {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ ...good, ...patch }));
      assert.throws(() => importResultFiles([file], base), (err: Error) => err instanceof ImportError && message.test(err.message), JSON.stringify(patch));
    }
    // The file as it came still imports.
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(good));
    assert.equal(importResultFiles([join(dir, 'ok.json')], base).summary.levels.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
