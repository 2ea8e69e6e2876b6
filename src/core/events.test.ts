import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_TYPES, isEventType, type EventBody, type EventType } from './events.ts';

// The event-type list in events.ts is a Record<EventType, true>, so tsc itself fails when the list
// and the EventBody union drift: a type in the union and not in the list is "Property '…' is
// missing", one in the list and not in the union is "Object literal may only specify known
// properties". The lines below keep that guard honest: should EventType ever widen to `string`
// (or the Record stop being exhaustive), the @ts-expect-error directives go unused and tsc fails.
export function compileTimeOnly(full: Record<EventType, true>, lacksLog: Omit<Record<EventType, true>, 'log'>): void {
  // @ts-expect-error a list without 'log' is not every event type
  const missing: Record<EventType, true> = lacksLog;
  // @ts-expect-error a list with a type the union lacks is refused
  const extra: Record<EventType, true> = { ...full, 'no.such.event': true };
  // A body the union does not know is refused too.
  // @ts-expect-error 'no.such.event' is not an EventBody type
  const body: EventBody = { type: 'no.such.event' };
  void [missing, extra, body];
}

test('the event-type list: no duplicates, every entry an event type, nothing else', () => {
  assert.equal(new Set(EVENT_TYPES).size, EVENT_TYPES.length);
  assert.ok(EVENT_TYPES.length >= 22);
  for (const t of EVENT_TYPES) assert.ok(isEventType(t), t);
  // Not fooled by what every object has.
  for (const t of ['nope', '', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) assert.equal(isEventType(t), false, t);
});
