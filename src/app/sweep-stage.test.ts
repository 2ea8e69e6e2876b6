// The test stages both `nimble run` and `nimble sweep` go through: a smoke test that ran no check
// is a failed one (the drift `nimble sweep` had: every() over nothing passed), and a stop during
// the smoke test is a stop, not a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionClock } from '../core/clock.ts';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import type { SmokeCheck } from '../core/events.ts';
import { createEventBus } from './event-bus.ts';
import type { LoadService } from './cycle.ts';
import { createStopper, endOf, runTestStages, StopRequest, type TestStageOptions } from './sweep-stage.ts';

const OPTS: TestStageOptions = { baseUrl: 'http://127.0.0.1:9', model: 'm', shapes: ['support'], maxConcurrency: 4, gpuShape: 'VM.GPU.A10.1', gpuCount: 1, priceTable: DEFAULT_PRICE_TABLE, sweepTiming: 'quick' };

function loadWith(smoke: (signal: AbortSignal) => Promise<SmokeCheck[]>) {
  let sweeps = 0;
  const load: LoadService = {
    waitForReady: async () => undefined,
    runSmokeTest: (_u, _m, _k, _s, signal) => smoke(signal),
    runSweep: async () => void sweeps++,
  };
  return { load, sweeps: () => sweeps };
}

test('a smoke test that ran no check fails, and the sweep never starts', async () => {
  const bus = createEventBus(createSessionClock());
  const { load, sweeps } = loadWith(async () => []);
  const r = await runTestStages(OPTS, { bus, load }, createStopper(new AbortController().signal));
  assert.equal(r.status, 'failed');
  assert.match(r.reason ?? '', /smoke test failed \(no checks ran\): the sweep was skipped/);
  assert.equal(sweeps(), 0);
});

test('a failed check names itself, and the sweep never starts', async () => {
  const bus = createEventBus(createSessionClock());
  const { load, sweeps } = loadWith(async () => [{ name: 'chat', ok: false, detail: 'HTTP 500', ms: 3 } as SmokeCheck]);
  const r = await runTestStages(OPTS, { bus, load }, createStopper(new AbortController().signal));
  assert.match(r.reason ?? '', /smoke test failed \(chat: HTTP 500\)/);
  assert.equal(sweeps(), 0);
});

test('a stop during the smoke test is a stop with its reason, not a failed smoke test', async () => {
  const bus = createEventBus(createSessionClock());
  const user = new AbortController();
  const stopper = createStopper(user.signal);
  const { load, sweeps } = loadWith(async (signal) => {
    stopper.stop(new StopRequest('budget', 'cost reached the budget $1.00'));
    assert.equal(signal.aborted, true);
    return [{ name: 'chat', ok: false, detail: 'aborted', ms: 1 } as SmokeCheck];
  });
  const err = await runTestStages(OPTS, { bus, load }, stopper).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof StopRequest);
  assert.deepEqual(endOf(err, stopper), { status: 'aborted', reason: 'cost reached the budget $1.00' });
  assert.equal(sweeps(), 0);
});
