// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { chatHeaders, sendChat, serverReason, type ChatRequest } from './request.ts';

test("serverReason: the server's own message, one line, sanitised, at most 200 characters", () => {
  assert.equal(serverReason('{"error":{"message":"request (2128 tokens) exceeds the available context size (1024 tokens)","type":"x"}}'), 'request (2128 tokens) exceeds the available context size (1024 tokens)');
  assert.equal(serverReason('{"detail":"Not Found"}'), 'Not Found');
  assert.equal(serverReason('{"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096"}'), 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096');
  assert.equal(serverReason('<html>\n<h1>502 Bad\tGateway</h1>\n</html>'), '<html> <h1>502 Bad Gateway</h1> </html>');
  assert.equal(serverReason('{"message":"red \\u001b[31malert\\u0007"}'), 'red alert');
  const long = serverReason(JSON.stringify({ error: { message: 'x'.repeat(5000) } }));
  assert.equal(long.length, 200);
  // Cut at the read cap in the middle of the JSON: the message is still found.
  assert.equal(serverReason('{"error":{"message":"too long \\"quoted\\" and cut her'), 'too long "quoted" and cut her');
});

async function serve(handler: http.RequestListener): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

const chatReq = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  path: '/v1/chat/completions',
  headers: chatHeaders(undefined),
  body: '{}',
  stream: true,
  requestTimeoutMs: 5000,
  stallTimeoutMs: 5000,
  now: () => performance.now(),
  collectGaps: false,
  ...over,
});

const STREAM = 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';

test('a request reset before any response byte is sent once more, on a fresh connection, and marked', async () => {
  const perSocket = new WeakMap<object, number>();
  const s = await serve((req, res) => {
    req.resume();
    req.on('end', () => {
      const n = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, n);
      if (n > 2) return void req.socket.destroy(); // llama-server: a third request on a connection gets nothing
      res.writeHead(200, { 'content-type': 'text/event-stream', 'keep-alive': 'timeout=5, max=100' });
      res.end(STREAM);
    });
  });
  const pool = new Pool(s.origin, { connections: 2 });
  const fresh = new Pool(s.origin, { connections: 2, pipelining: 0 });
  try {
    const recs = [];
    for (let i = 0; i < 8; i++) recs.push(await sendChat(pool, chatReq({ retryDispatcher: fresh })));
    assert.ok(recs.every((r) => r.ok), JSON.stringify(recs.map((r) => r.errorDetail)));
    assert.ok(recs.filter((r) => r.retried).length >= 2, 'the dropped connections were retried');
  } finally {
    await Promise.all([pool.destroy(), fresh.destroy()]);
    await s.close();
  }
});

test('a reset after the response began is a failure, not retried', async () => {
  const s = await serve((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const pool = new Pool(s.origin, { connections: 1 });
  try {
    const r = await sendChat(pool, chatReq());
    assert.equal(r.ok, false);
    assert.equal(r.errorClass, 'reset');
    assert.equal(r.retried, undefined);
    assert.equal(r.errorDetail, 'reset: the connection closed in the middle of the response');
  } finally {
    await pool.destroy();
    await s.close();
  }
});

test('an HTTP error carries the server reason; an endless error body is not waited for', async () => {
  const s = await serve((req, res) => {
    req.resume();
    res.on('error', () => {});
    res.writeHead(400, { 'content-type': 'application/json' });
    res.write('{"error":{"message":"request (2128 tokens) exceeds the available context size (1024 tokens)"');
    const pump = () => {
      while (!res.destroyed && res.write(' '.repeat(4096)));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  const pool = new Pool(s.origin, { connections: 1 });
  try {
    const t0 = performance.now();
    const r = await sendChat(pool, chatReq({ requestTimeoutMs: 20_000 }));
    assert.ok(performance.now() - t0 < 2000, 'did not wait for the request timeout');
    assert.equal(r.errorClass, 'http_400');
    assert.equal(r.errorDetail, 'http_400: request (2128 tokens) exceeds the available context size (1024 tokens)');
  } finally {
    await pool.destroy();
    await s.close();
  }
});
