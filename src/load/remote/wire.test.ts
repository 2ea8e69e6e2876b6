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

test('wire: samples travel as whole microseconds; gaps as an exact histogram', () => {
  const s = { ttft: [1.23456, 0.0004], tpot: [], e2el: [99.9999], itl: [20.0005, 19.9996, 20.0004, 25, 0] };
  const wire = encodeSamples(s);
  assert.deepEqual(wire.itlHist, [0, 1, 20000, 2, 1, 1, 4999, 1]);
  const back = decodeSamples(wire);
  assert.deepEqual(back, { ttft: [1.235, 0], tpot: [], e2el: [100], itl: [0, 20, 20, 20.001, 25] });
  // 100k gaps around 20 ms take a few hundred numbers, not 100k.
  const many = Array.from({ length: 100_000 }, (_, i) => 20 + ((i * 7919) % 300) / 1000);
  const w = encodeSamples({ ttft: [], tpot: [], e2el: [], itl: many });
  assert.ok(w.itlHist.length <= 600, `${w.itlHist.length}`);
  assert.deepEqual(decodeSamples(w).itl, many.map((x) => Math.round(x * 1000) / 1000).sort((a, b) => a - b));
});
