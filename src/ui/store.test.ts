import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiveStore } from './store.ts';
import { sampleEvents } from './fixtures.ts';
import { reduceAll } from '../core/session-state.ts';

const events = sampleEvents();

test('push queues events until flush, then reduces them through the reducer', () => {
  const store = createLiveStore({ flushHz: 8 });
  store.getState().push(events[0]);
  store.getState().push(events[1]);
  assert.equal(store.getState().session.meta, null, 'not applied before the batch flushes');
  store.getState().flush();
  assert.equal(store.getState().session.meta?.model, 'meta/llama-3.1-8b-instruct');
  assert.equal(store.getState().session.stage, 'preflight');
  assert.equal(store.getState().session.eventCount, 2);
  store.getState().dispose();
});

test('a whole log pushed at once equals reduceAll, and notifies subscribers once per batch', () => {
  const store = createLiveStore();
  let notified = 0;
  store.subscribe(() => notified++);
  store.getState().pushMany(events);
  store.getState().flush();
  assert.deepEqual(store.getState().session, reduceAll(events));
  assert.equal(notified, 1);
  store.getState().dispose();
});

test('the timer flushes a batch on its own at ~8 Hz', async () => {
  const store = createLiveStore({ flushHz: 8 });
  store.getState().push(events[0]);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(store.getState().session.meta, null, 'still batching after 60 ms');
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(store.getState().session.meta, 'applied within ~125 ms');
  store.getState().dispose();
});

test('flushHz 0 applies synchronously; dispose flushes what is queued', () => {
  const sync = createLiveStore({ flushHz: 0 });
  sync.getState().push(events[0]);
  assert.ok(sync.getState().session.meta);
  const store = createLiveStore();
  store.getState().push(events[0]);
  store.getState().dispose();
  assert.ok(store.getState().session.meta, 'dispose applied the queue');
  store.getState().push(events[1]);
  assert.equal(store.getState().session.stage, 'preflight', 'after dispose pushes apply at once');
});
