// The deploy question (nimble run on a cluster, in the TUI): asked after preflight with the cost
// estimate, before anything is created; no creates nothing, yes goes on to deploy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster, PreflightCheck } from '../core/cluster.ts';
import { createSessionClock } from '../core/clock.ts';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import type { NimbleEvent } from '../core/events.ts';
import { testDeploySpec } from '../core/testing.ts';
import { fixtureEvents } from '../sessions/fixtures.ts';
import { createEventBus } from './event-bus.ts';
import { runCycle, type CycleOptions, type LoadService } from './cycle.ts';

function setup(answer: boolean | 'never') {
  const calls: string[] = [];
  const cluster = {
    preflight: async () => [{ id: 'kubectl', label: 'kubectl', status: 'pass', detail: 'v1.36' }] as PreflightCheck[],
    deploy: async () => {
      calls.push('deploy');
      throw new Error('stop here: the test only checks that deploy was reached');
    },
    cleanup: async () => {
      calls.push('cleanup');
      return { ok: true, leftovers: [] };
    },
    leftovers: async () => [],
  } as unknown as Cluster;
  const bus = createEventBus(createSessionClock());
  const events: NimbleEvent[] = [];
  bus.subscribe((e) => events.push(e));
  let asked: PreflightCheck | null = null;
  let seenBefore: NimbleEvent[] = [];
  const meta = (fixtureEvents()[0] as { meta: CycleOptions['meta'] }).meta;
  const opts: CycleOptions = {
    meta: { ...meta, mode: 'cluster' },
    spec: testDeploySpec(),
    timeScale: 1,
    shapes: ['support'],
    maxConcurrency: 4,
    sweepTiming: 'quick',
    cleanup: { keepCache: false, removeSecrets: true, removeNamespace: true },
    priceTable: DEFAULT_PRICE_TABLE,
    healthTimeoutMs: 1000,
    confirmDeploy: (estimate, signal) => {
      asked = estimate;
      seenBefore = [...events];
      // 'never': nobody answers; only the signal (Ctrl-C) ends the question.
      if (answer === 'never') return new Promise((resolve) => signal?.addEventListener('abort', () => resolve(false)));
      return Promise.resolve(answer);
    },
  };
  const user = new AbortController();
  return { run: () => runCycle(opts, { cluster, bus, load: {} as LoadService }, user.signal), user, calls, events, asked: () => asked, seenBefore: () => seenBefore };
}

test('no: the session ends aborted after preflight, nothing deployed or cleaned up', async () => {
  const s = setup(false);
  const status = await s.run();
  assert.equal(status, 'aborted');
  assert.deepEqual(s.calls, []);
  assert.equal(s.asked()?.id, 'cost-estimate');
  assert.match(s.asked()!.detail, /about \$[\d.]+ for a \d+-minute/);
  // Asked with the preflight checks and the estimate already shown.
  assert.ok(s.seenBefore().some((e) => e.type === 'preflight.check' && e.check.id === 'kubectl'));
  assert.ok(s.seenBefore().some((e) => e.type === 'preflight.check' && e.check.id === 'cost-estimate'));
  const ended = s.events.find((e) => e.type === 'session.ended');
  assert.ok(ended && ended.type === 'session.ended');
  assert.match(ended.reason ?? '', /not confirmed: nothing was created/);
  assert.ok(!s.events.some((e) => e.type === 'stage.started' && e.stage === 'deploy'));
});

test('yes: the cycle goes on to deploy (and cleans up what it started)', async () => {
  const s = setup(true);
  await s.run();
  assert.deepEqual(s.calls, ['deploy', 'cleanup']);
});

test('Ctrl-C while asked: the question ends, the session is stopped by the user, nothing created', async () => {
  const s = setup('never');
  const run = s.run();
  while (!s.asked()) await new Promise((r) => setTimeout(r, 5));
  s.user.abort('stopped by the user (Ctrl-C)');
  assert.equal(await run, 'aborted');
  assert.deepEqual(s.calls, []);
  const ended = s.events.find((e) => e.type === 'session.ended');
  assert.ok(ended && ended.type === 'session.ended');
  assert.match(ended.reason ?? '', /Ctrl-C/);
});
