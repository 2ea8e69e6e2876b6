// nimble-test: serial — runs real loader processes against the simulator.
// Load from loader processes (the bundled loader a pod runs, started here): the same sweep finds the
// same breaking point as the in-process engine; a loader killed mid-level marks the level, the sweep
// stops with a clear error, and no loader process is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimNim } from '../../src/sim/nim/server.ts';
import { fastProfile, waitFor } from '../../src/sim/nim/testing.ts';
import { alive } from '../e2e/helpers.ts';
import { runSweep, type SweepOptions } from '../../src/load/sweep-runner.ts';
import { processLoaders } from '../../src/load/remote/processes.ts';
import { createSessionClock } from '../../src/core/clock.ts';
import type { EventBody } from '../../src/core/events.ts';
import type { LevelResult } from '../../src/core/sweep-types.ts';
import { execFileSync } from 'node:child_process';

const MODEL = 'meta/llama-3.1-8b-instruct';

function opts(url: string, over: Partial<SweepOptions> = {}): SweepOptions {
  return {
    baseUrl: url,
    model: MODEL,
    shapes: [{ id: 'support', label: 't', promptTokens: 32, outputTokens: 64, focus: 'TTFT' }],
    maxConcurrency: 64,
    gpuCount: 1,
    gpuHourlyUsd: 2,
    priceTable: 'test',
    timing: 'quick',
    validity: { maxLagMs: 1000 },
    ...over,
  };
}

test('3 loader processes: the queue rule breaks above max_num_seqs = 6 and the bisect lands on 6, as with local load', async () => {
  const sim = await startSimNim({ profile: fastProfile({ maxNumSeqs: 6 }) });
  try {
    const events: EventBody[] = [];
    const out = await runSweep(opts(sim.url, { engine: processLoaders(3) }), (e) => void events.push(e), createSessionClock(), new AbortController().signal);
    const { levels, breakingPoint: bp } = out.shapes[0];
    assert.deepEqual(levels.map((l) => l.concurrency), [1, 2, 4, 8, 6, 7]);
    const at = (c: number) => levels.find((l) => l.concurrency === c)!;
    assert.deepEqual(at(8).brokeBy, ['queue']);
    assert.equal(at(6).verdict, 'pass');
    assert.equal(at(6).server.waitingMax, 0);
    assert.deepEqual(bp, { shape: 'support', lastPassing: 6, firstFailing: 7, rule: 'queue', resolution: 1, limitedBy: 'queueing', status: 'found', inconclusive: 0 });
    // The merged levels hold all users and count every request once.
    for (const l of levels.filter((x) => x.verdict === 'pass')) {
      // Quick timing's 1 s windows put Little's law at its edge for local load too; every other check holds.
      assert.deepEqual(l.invalidReasons.filter((r) => !/Little/.test(r)), [], `${l.concurrency}`);
      assert.ok(Math.abs(l.meanOutputTokens - 64) < 0.5);
      assert.equal(l.ttft.n, l.completed);
    }
    assert.ok(events.some((e) => e.type === 'log' && /3 local loader processes/.test(e.line)));
  } finally {
    await sim.close();
  }
});

test('a loader killed mid-level: the level is recorded INVALID with the reason, the sweep stops with a clear error, nothing is left running', async () => {
  // Long requests at a level of 8 users over 2 loaders: kill one loader once the level is measuring.
  const sim = await startSimNim({ deterministic: { ttftMs: 50, itlMs: 20 } });
  const pids: number[] = [];
  try {
    const events: EventBody[] = [];
    const sink = (e: EventBody) => {
      events.push(e);
      if (e.type === 'level.progress' && e.progress.concurrency === 4 && e.progress.phase === 'measuring' && pids.length === 0) {
        // Find the loader processes by their command line, as an operator would.
        for (const pid of loaderPids()) pids.push(pid);
        process.kill(pids[0], 'SIGKILL');
      }
    };
    await assert.rejects(
      runSweep(opts(sim.url, { engine: processLoaders(2), maxConcurrency: 8, shapes: [{ id: 'support', label: 't', promptTokens: 16, outputTokens: 40, focus: 'TTFT' }] }), sink, createSessionClock(), new AbortController().signal),
      /load generator failed at support @4: loader process \d .* was lost/,
    );
    const finished = events.filter((e): e is Extract<EventBody, { type: 'level.finished' }> => e.type === 'level.finished').map((e) => e.level as LevelResult);
    const four = finished.find((l) => l.concurrency === 4)!;
    assert.ok(four, 'the level running when the loader died is recorded');
    assert.equal(four.valid, false);
    assert.ok(four.invalidReasons.some((r) => /in-flight|held only/.test(r)), four.invalidReasons.join('; '));
    assert.ok(events.some((e) => e.type === 'log' && /users are missing from this level/.test(e.line)));
    assert.ok(pids.length >= 2);
    await waitFor(() => pids.every((pid) => !alive(pid)), 'the loader processes to end', 5000).catch(() => {});
    for (const pid of pids) assert.equal(alive(pid), false, `loader ${pid} still running`);
  } finally {
    await sim.close();
  }
});

/** Loader processes that are children of this test process. */
function loaderPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,ppid=,args=', '-e'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === process.pid && f.some((a) => a.endsWith('loader.mjs')))
    .map((f) => Number(f[0]));
}
