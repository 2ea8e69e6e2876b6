import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from './sse.ts';

const STREAM =
  'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n' +
  ': keep-alive comment\n\n' +
  'data: {"choices":[{"delta":{"content":"héllo ✓"}}]}\r\n\r\n' +
  'event: message\nid: 3\ndata: line one\ndata: line two\n\n' +
  'data:{"choices":[{"delta":{"content":" world"}}]}\r\rdata: [DONE]\n\n';
const EXPECTED = [
  '{"choices":[{"delta":{"role":"assistant"}}]}',
  '{"choices":[{"delta":{"content":"héllo ✓"}}]}',
  'line one\nline two',
  '{"choices":[{"delta":{"content":" world"}}]}',
  '[DONE]',
];

function parseIn(pieces: Uint8Array[]): string[] {
  const p = new SseParser();
  const out: string[] = [];
  for (const piece of pieces) p.push(piece, out);
  p.end(out);
  return out;
}

test('whole stream in one chunk', () => {
  assert.deepEqual(parseIn([Buffer.from(STREAM)]), EXPECTED);
});

test('split at every byte position (inside UTF-8 characters and between \\r and \\n)', () => {
  const bytes = Buffer.from(STREAM);
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(parseIn([bytes.subarray(0, i), bytes.subarray(i)]), EXPECTED, `split at ${i}`);
  }
});

test('one byte at a time', () => {
  const bytes = Buffer.from(STREAM);
  const pieces = [...bytes].map((b) => Uint8Array.of(b));
  assert.deepEqual(parseIn(pieces), EXPECTED);
});

test('a last event without its blank line is still delivered at end of stream', () => {
  assert.deepEqual(parseIn([Buffer.from('data: a\n\ndata: b')]), ['a', 'b']);
});
