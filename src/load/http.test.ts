// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { boundedGet, ReadLimitError } from './http.ts';

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function endless(res: http.ServerResponse): void {
  res.on('error', () => {});
  res.writeHead(200, { 'content-type': 'text/plain' });
  const pump = () => {
    while (!res.destroyed && res.write('x'.repeat(16384)));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

test('a body is returned whole when under the cap', async () => {
  const s = await serve((_q, res) => res.end('hello'));
  try {
    const r = await boundedGet(`${s.url}/h`, { maxBytes: 10, timeoutMs: 2000 });
    assert.deepEqual([r.status, r.text], [200, 'hello']);
  } finally {
    await s.close();
  }
});

test('an endless body stops at the byte cap with an error naming it', async () => {
  const s = await serve((_q, res) => endless(res));
  try {
    const before = process.memoryUsage().rss;
    await assert.rejects(boundedGet(`${s.url}/v1/models`, { maxBytes: 1024 * 1024, timeoutMs: 10_000 }), (e: Error) => {
      assert.ok(e instanceof ReadLimitError && e.limit === 'bytes');
      assert.equal(e.message, 'GET /v1/models sent more than 1 MiB (the limit for this read)');
      return true;
    });
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'memory stayed bounded');
  } finally {
    await s.close();
  }
});

test('a declared Content-Length over the cap is refused before reading', async () => {
  const s = await serve((_q, res) => {
    res.on('error', () => {});
    res.writeHead(200, { 'content-length': 50 * 1024 * 1024 });
    res.write('x'.repeat(1000)); // and then nothing: only the header can have decided
  });
  try {
    await assert.rejects(boundedGet(`${s.url}/metrics`, { maxBytes: 8 * 1024 * 1024, timeoutMs: 5000 }), /GET \/metrics answered with a 50 MiB body, over the 8 MiB limit/);
  } finally {
    await s.close();
  }
});

test('a dripping body stops at the deadline, which counts the whole read', async () => {
  const s = await serve((_q, res) => {
    res.on('error', () => {});
    res.writeHead(200);
    const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write('.')), 100);
    res.on('close', () => clearInterval(t));
  });
  try {
    const t0 = performance.now();
    await assert.rejects(boundedGet(`${s.url}/health`, { maxBytes: 1024, timeoutMs: 500 }), (e: Error) => e instanceof ReadLimitError && e.limit === 'time' && /took over 500 ms/.test(e.message));
    // Bytes kept coming every 100 ms, so a per-read idle timeout would never fire; the deadline did.
    assert.ok(performance.now() - t0 < 3000);
  } finally {
    await s.close();
  }
});

test('an abort is obeyed mid-body at once', async () => {
  let dots = 0;
  const s = await serve((_q, res) => {
    res.on('error', () => {});
    res.writeHead(200);
    res.write('start');
    const t = setInterval(() => (res.destroyed ? clearInterval(t) : (dots++, res.write('.'))), 50);
    res.on('close', () => clearInterval(t));
  });
  try {
    const ac = new AbortController();
    const p = boundedGet(`${s.url}/v1/models`, { maxBytes: 1 << 20, timeoutMs: 30_000, signal: ac.signal });
    // Mid-body: the abort cuts a read in progress.
    for (const end = Date.now() + 5000; dots < 2 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    ac.abort();
    await assert.rejects(p, (e: Error) => e.name === 'AbortError');
    assert.ok(performance.now() - t0 < 200, `abort took ${performance.now() - t0} ms`);
  } finally {
    await s.close();
  }
});

test('a GET on a kept-alive connection the server dropped unanswered is sent once more', async () => {
  const seen = new WeakMap<object, number>();
  const s = await serve((req, res) => {
    const n = (seen.get(req.socket) ?? 0) + 1;
    seen.set(req.socket, n);
    if (n > 2) return void req.socket.destroy(); // llama-server's third request on a connection
    res.setHeader('keep-alive', 'timeout=5, max=100');
    res.end('ok');
  });
  try {
    for (let i = 0; i < 5; i++) assert.equal((await boundedGet(`${s.url}/health`, { maxBytes: 100, timeoutMs: 2000 })).text, 'ok');
  } finally {
    await s.close();
  }
});
