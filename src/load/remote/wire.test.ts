import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSamples, encodeSamples, lineReader, mapHost } from './wire.ts';

test('wire: lines split across chunks are reassembled; garbage is an error, once', () => {
  const got: unknown[] = [];
  const errors: string[] = [];
  const feed = lineReader((m) => got.push(m), (e) => errors.push(e));
  feed(Buffer.from('{"a":1}\n{"b"'));
  feed(Buffer.from(':2}\n\n'));
  assert.deepEqual(got, [{ a: 1 }, { b: 2 }]);
  feed(Buffer.from('nope\n{"c":3}\n'));
  assert.equal(errors.length, 1);
  assert.equal(got.length, 2);
  assert.equal(mapHost('http://nim.ns.svc:8000', 'nim.ns.svc=127.0.0.1'), 'http://127.0.0.1:8000');
  assert.equal(mapHost('http://other:8000/x', 'nim.ns.svc=127.0.0.1'), 'http://other:8000/x');
});

test('wire: samples travel as whole microseconds', () => {
  const s = { ttft: [1.23456, 0.0004], tpot: [], e2el: [99.9999], itl: [20.0005] };
  const back = decodeSamples(encodeSamples(s));
  assert.deepEqual(back, { ttft: [1.235, 0], tpot: [], e2el: [100], itl: [20.001] });
});
