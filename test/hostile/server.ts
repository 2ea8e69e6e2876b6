// A hostile OpenAI-compatible server (real HTTP on 127.0.0.1) for the fault matrix of issue 10:
// each mode misbehaves in one way, everything else is a small well-behaved server (health on
// /v1/health/ready and /health, /v1/models, streamed /v1/chat/completions with usage, no metrics
// unless the mode is about metrics). Exported for test/hostile/*.test.ts; runnable on its own:
//   node --import tsx test/hostile/server.ts MODE [PORT]
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export const HOSTILE_MODES = {
  ok: 'well-behaved baseline',
  'endless-health': 'health endpoints answer 200 with a body that never ends',
  'endless-models': '/v1/models answers 200 with a JSON body that never ends',
  'endless-metrics': '/metrics and /v1/metrics stream a body that never ends',
  'huge-metrics': '/metrics declares a 64 MiB body (Content-Length) and sends it',
  'endless-error-body': 'chat completions answer 500 with an error body that never ends',
  'endless-sse-line': 'the chat stream sends one data line that never ends',
  'ten-mb-line': 'the chat stream sends one 10 MB data line, then a normal stream',
  'endless-event': 'the chat stream sends data lines forever without the blank line ending the event',
  'garbage-sse': 'the chat stream sends binary garbage and non-JSON data lines',
  'reset-mid-stream': 'the chat stream is reset after two tokens',
  'never-answer': 'accepts TCP connections and never answers anything',
  'never-answer-chat': 'health and models answer; chat completions never send a header',
  drip: 'every answer drips one byte a second',
  'storm-500': 'after a good smoke test, every chat completion answers 500',
  'storm-429': 'after a good smoke test, every chat completion answers 429 with Retry-After',
  'storm-503': 'after a good smoke test, every chat completion answers 503',
  redirect: 'every endpoint answers 302 to another port',
  'wrong-content-type': 'chat completions answer 200 text/html',
  'endless-stream-after-smoke': 'after a good smoke test, chat streams send tokens forever without finishing',
  'drip-after-smoke': 'after a good smoke test, chat streams drip one byte a second',
  'esc-model-id': 'the only model id carries terminal escape sequences and control characters',
  'keepalive-close-2': 'like llama-server: advertises keep-alive max=100 but drops a connection at its third request, unanswered',
  'long-error-reason': 'chat completions answer 400 with a very long reason (context size exceeded)',
  'metrics-garbage': '/metrics answers 200 with non-Prometheus text and control characters',
  'no-stream-options': 'chat completions refuse stream_options with 400 (strict schema), otherwise serve',
} as const;

export type HostileMode = keyof typeof HOSTILE_MODES;

export interface HostileServer {
  url: string;
  mode: HostileMode;
  /** Chat completion requests seen so far. */
  chats(): number;
  /** The user prompts received (the first 2,000). */
  prompts(): string[];
  close(): Promise<void>;
}

export const HOSTILE_MODEL = 'hostile-model';
const ESC_MODEL = '\u001b]0;pwned\u0007\u001b[31mred\u001b[0m\u0000model\r\n';

const sendJson = (res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

/** Writes `chunk` again and again, respecting backpressure, until the socket closes. */
function endless(res: http.ServerResponse, chunk: string): void {
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

/** Writes `text` one byte a second (then ends), until the socket closes. */
function drip(res: http.ServerResponse, text: string, timers: Set<NodeJS.Timeout>): void {
  let i = 0;
  const t = setInterval(() => {
    if (res.destroyed || i >= text.length) {
      clearInterval(t);
      timers.delete(t);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(text[i++]);
  }, 1000);
  timers.add(t);
}

function chunk(content: string, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'h', object: 'chat.completion.chunk', model: HOSTILE_MODEL, choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
}

/** A correct stream: `n` tokens 2 ms apart, finish_reason, usage, [DONE]. */
function goodStream(res: http.ServerResponse, n: number, promptTokens: number, timers: Set<NodeJS.Timeout>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let i = 0;
  const t = setInterval(() => {
    if (res.destroyed) {
      clearInterval(t);
      timers.delete(t);
      return;
    }
    if (i < n) {
      res.write(chunk(` tok${i}`, i === n - 1 ? 'length' : null));
      i++;
      return;
    }
    clearInterval(t);
    timers.delete(t);
    const usage = { prompt_tokens: promptTokens, completion_tokens: n, total_tokens: promptTokens + n };
    res.end(`data: ${JSON.stringify({ id: 'h', object: 'chat.completion.chunk', model: HOSTILE_MODEL, choices: [], usage })}\n\ndata: [DONE]\n\n`);
  }, 2);
  timers.add(t);
}

export async function startHostileServer(mode: HostileMode, port = 0): Promise<HostileServer> {
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();
  let chats = 0;
  const prompts: string[] = [];

  if (mode === 'never-answer') {
    const srv = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => {});
      sock.on('close', () => sockets.delete(sock));
      sock.resume(); // read and ignore
    });
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    return {
      url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
      mode,
      chats: () => 0,
      prompts: () => [],
      close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), srv.close(() => r()))),
    };
  }

  // keepalive-close-2: requests per connection.
  const perSocket = new WeakMap<net.Socket, number>();
  const server = http.createServer((req, res) => {
    res.on('error', () => {});
    const path = (req.url ?? '/').split('?')[0];
    const sock = req.socket;
    const nth = (perSocket.get(sock) ?? 0) + 1;
    perSocket.set(sock, nth);
    if (mode === 'keepalive-close-2') {
      if (nth > 2) {
        // What llama-server does to a client that believed max=100: the third request gets nothing.
        sock.destroy();
        return;
      }
      res.setHeader('keep-alive', 'timeout=5, max=100');
    }
    if (mode === 'drip') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return drip(res, JSON.stringify({ object: 'list', data: [{ id: HOSTILE_MODEL }] }), timers);
    }
    if (mode === 'redirect') {
      res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere', 'content-length': 0 });
      return res.end();
    }
    if (path === '/v1/health/ready' || path === '/health') {
      if (mode === 'endless-health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return endless(res, '{"status":"ok","padding":"' + 'x'.repeat(8192));
      }
      return sendJson(res, 200, { status: 'ok' });
    }
    if (path === '/v1/models') {
      if (mode === 'endless-models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"object":"list","data":[');
        return endless(res, `{"id":"${HOSTILE_MODEL}","object":"model"},`.repeat(100));
      }
      const id = mode === 'esc-model-id' ? ESC_MODEL : HOSTILE_MODEL;
      return sendJson(res, 200, { object: 'list', data: [{ id, object: 'model', owned_by: 'hostile' }] });
    }
    if (path === '/metrics' || path === '/v1/metrics') {
      if (mode === 'endless-metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        return endless(res, 'vllm:num_requests_running{model_name="m"} 1\n'.repeat(200));
      }
      if (mode === 'huge-metrics') {
        const size = 64 * 1024 * 1024;
        const line = 'vllm:num_requests_waiting{model_name="m"} 0\n';
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': size });
        let sent = 0;
        const block = line.repeat(Math.floor(65536 / line.length));
        const pump = () => {
          while (!res.destroyed && sent < size) {
            const piece = block.slice(0, Math.min(block.length, size - sent));
            sent += piece.length;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end();
        };
        return pump();
      }
      if (mode === 'metrics-garbage') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('\u001b[2J\u0000garbage {{{ not prometheus\nvllm:num_requests_running{model_name="m" 1\n\u0007');
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('no metrics here');
    }
    if (path === '/v1/chat/completions' && req.method === 'POST') {
      const parts: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size < 1 << 20) parts.push(c);
      });
      req.on('end', () => chat(req, res, Buffer.concat(parts).toString('utf8')));
      return;
    }
    sendJson(res, 404, { error: { message: `not found: ${path}` } });
  });

  function chat(_req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const n = ++chats;
    let body: { max_tokens?: number; messages?: Array<{ content?: string }>; stream_options?: unknown };
    try {
      body = JSON.parse(raw);
    } catch {
      return sendJson(res, 400, { error: { message: 'body is not JSON' } });
    }
    const maxTokens = Math.max(1, Math.min(64, body.max_tokens ?? 16));
    if (prompts.length < 2000) prompts.push(body.messages?.[0]?.content ?? '');
    const promptTokens = (body.messages?.[0]?.content ?? '').split(/\s+/).length + 5;
    const afterSmoke = n > 1; // the smoke test's one chat completion comes first
    if (mode === 'no-stream-options' && body.stream_options !== undefined) {
      return sendJson(res, 400, { object: 'error', message: '[{"type":"extra_forbidden","loc":["body","stream_options"],"msg":"Extra inputs are not permitted"}]' });
    }
    switch (mode) {
      case 'endless-error-body':
        res.writeHead(500, { 'content-type': 'application/json' });
        res.write('{"error":{"message":"internal error ');
        return endless(res, 'and more '.repeat(1000));
      case 'endless-sse-line':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"delta":{"content":"');
        return endless(res, 'x'.repeat(65536));
      case 'ten-mb-line':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: {"choices":[{"delta":{"content":"${'y'.repeat(10 * 1024 * 1024)}"}}]}\n\n`);
        res.end(chunk('ok', 'stop') + 'data: [DONE]\n\n');
        return;
      case 'endless-event':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return endless(res, 'data: {"choices":[{"delta":{"content":"z"}}]}\n'.repeat(500));
      case 'garbage-sse':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x0a]));
        return void res.end('data: <<<not json>>>\n\ndata: [DONE]\n\n');
      case 'reset-mid-stream':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(chunk('one') + chunk(' two'));
        return void setTimeout(() => res.socket?.destroy(), 20);
      case 'never-answer-chat':
        return; // headers never come
      case 'wrong-content-type':
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<html><body>Welcome to nginx!</body></html>');
      case 'long-error-reason':
        return sendJson(res, 400, { error: { message: `request (2128 tokens) exceeds the available context size (1024 tokens), try increasing it ${'\u001b[31m'}${'and so on '.repeat(2000)}`, type: 'exceed_context_size_error' } });
      default:
    }
    if (afterSmoke) {
      switch (mode) {
        case 'storm-500':
          return sendJson(res, 500, { error: { message: 'storm: internal server error' } });
        case 'storm-429':
          return sendJson(res, 429, { error: { message: 'storm: too many requests' } }, { 'retry-after': '1' });
        case 'storm-503':
          return sendJson(res, 503, { error: { message: 'storm: service unavailable' } });
        case 'endless-stream-after-smoke': {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          const t = setInterval(() => {
            if (res.destroyed) return void (clearInterval(t), timers.delete(t));
            res.write(chunk(' more'));
          }, 1);
          timers.add(t);
          return;
        }
        case 'drip-after-smoke':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          return drip(res, chunk('slow') + chunk('er', 'stop') + 'data: [DONE]\n\n', timers);
        default:
      }
    }
    goodStream(res, maxTokens, promptTokens, timers);
  }

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    mode,
    chats: () => chats,
    prompts: () => prompts,
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearInterval(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mode = process.argv[2] as HostileMode;
  if (!(mode in HOSTILE_MODES)) {
    process.stderr.write(`modes:\n${Object.entries(HOSTILE_MODES).map(([k, v]) => `  ${k.padEnd(28)} ${v}`).join('\n')}\n`);
    process.exit(2);
  }
  const s = await startHostileServer(mode, Number(process.argv[3] ?? 0));
  process.stdout.write(`hostile server (${mode}) listening on ${s.url}\n`);
}
