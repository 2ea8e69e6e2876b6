import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionClock, createVirtualClock } from './clock.ts';

function fakeReal() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('session time runs at the set rate and changes rate without jumping', () => {
  const real = fakeReal();
  const clock = createSessionClock(real.now);
  real.advance(100);
  assert.equal(clock.now(), 100);
  clock.setRate(60);
  real.advance(1000);
  assert.equal(clock.now(), 100 + 60_000);
  clock.setRate(1);
  real.advance(5);
  assert.equal(clock.now(), 60_105);
  assert.equal(clock.wall(), 1105);
});

test('a sleep that wakes late does not stretch session time', async () => {
  let t = 0;
  const clock = createSessionClock(() => t);
  clock.setRate(1000);
  const p = clock.sleep(60_000); // 60 ms real
  t = 500; // the machine was busy: the timer fires 440 ms late
  assert.equal(clock.now(), 60_000, 'clamped at the pending wake-up');
  await p;
  assert.equal(clock.now(), 60_000, 'the lateness is dropped');
  t = 510;
  assert.equal(clock.now(), 70_000);
});

test('a hold stops session time while real work runs; a sleep due meanwhile keeps its remaining time', async () => {
  let t = 0;
  const clock = createSessionClock(() => t);
  clock.setRate(1000);
  let slept = false;
  const sleeping = clock.sleep(10_000).then(() => (slept = true)); // wakes at 10 s session time
  t = 2; // 2 s of session time
  let finish!: () => void;
  const held = clock.hold(new Promise<void>((r) => (finish = r)));
  t = 1002; // a second of real work: 1,000 s of session time if it were not held
  await new Promise((r) => setTimeout(r, 30)); // the sleep's timer fires during the hold
  assert.equal(clock.now(), 2000, 'time stands still while held');
  assert.equal(slept, false, 'a sleep due during the hold waits for it');
  finish();
  await held;
  assert.equal(clock.now(), 2000, 'time resumes from where it was held');
  t = 1010; // 8 ms real = the 8 s of sleep still to come
  await sleeping;
  assert.equal(clock.now(), 10_000);
});

test('the virtual clock jumps from wake-up to wake-up in order', async () => {
  const clock = createVirtualClock();
  const seen: [string, number][] = [];
  await Promise.all([
    clock.sleep(300).then(() => seen.push(['b', clock.now()])),
    clock.sleep(100).then(() => seen.push(['a', clock.now()])),
    (async () => {
      await clock.sleep(150);
      seen.push(['c', clock.now()]);
      await clock.sleep(200);
      seen.push(['d', clock.now()]);
    })(),
  ]);
  assert.deepEqual(seen, [['a', 100], ['c', 150], ['b', 300], ['d', 350]]);
});

test('an aborted sleep rejects with the abort reason', async () => {
  const clock = createSessionClock();
  const ac = new AbortController();
  const p = clock.sleep(10_000, ac.signal);
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
});
