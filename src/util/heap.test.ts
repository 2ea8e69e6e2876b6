import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { startPeriodicGc } from './heap.ts';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

// One file, one process: the flag set in the second test stays in this process only.
test('without --expose-gc there is no periodic collection (V8 collects on its own)', () => {
  assert.equal(startPeriodicGc(10), null);
});

test('with --expose-gc (as bin/nimble.js sets it) garbage is collected each period and the pause measured', async () => {
  setFlagsFromString('--expose-gc');
  let keep: unknown[] = [];
  for (let i = 0; i < 200_000; i++) keep.push({ i, s: `garbage ${i}` });
  const withGarbage = getHeapStatistics().used_heap_size;
  keep = [];
  const gc = startPeriodicGc(10);
  assert.ok(gc, 'a periodic GC once gc is exposed');
  await until(() => gc.count >= 2);
  gc.stop();
  const after = getHeapStatistics().used_heap_size;
  assert.ok(after < withGarbage - 5 * 1048576, `heap ${withGarbage} → ${after} bytes: the garbage was collected`);
  assert.ok(gc.maxPauseMs > 0 && gc.maxPauseMs < 5000, `pause ${gc.maxPauseMs} ms`);
  const n = gc.count;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(gc.count, n, 'stop() ends the collections');
  assert.equal(keep.length, 0);
});
