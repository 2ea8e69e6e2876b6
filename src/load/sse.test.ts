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

test('a line that never ends is refused at the cap instead of growing memory', async () => {
  const { SseLimitError } = await import('./sse.ts');
  const p = new SseParser(1000);
  const out: string[] = [];
  p.push('data: ok\n\n', out);
  assert.throws(() => {
    for (let i = 0; i < 100; i++) p.push('data: ' + 'x'.repeat(100), out);
  }, (e: Error) => e instanceof SseLimitError && /an SSE line passed 1000 characters without a line break/.test(e.message));
  assert.deepEqual(out, ['ok']);
});

test('an event whose data lines never end with a blank line is refused at the cap', async () => {
  const p = new SseParser(1000);
  const out: string[] = [];
  assert.throws(() => {
    for (let i = 0; i < 100; i++) p.push('data: ' + 'y'.repeat(50) + '\n', out);
  }, /an SSE event's data passed 1000 characters without the blank line/);
  // Under the cap nothing changes: many lines joined as before.
  const q = new SseParser(1000);
  const out2: string[] = [];
  q.push('data: a\ndata: b\n\n', out2);
  assert.deepEqual(out2, ['a\nb']);
});
