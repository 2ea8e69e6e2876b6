// Small HTTP/SSE client helpers for the simulator's own tests and benchmarks (node:http, so chunk
// arrival times are taken as the bytes land). Not a load generator.
import http from 'node:http';
import type { NimProfile } from './profiles.ts';
import { getProfile } from './profiles.ts';

export interface SseEvent {
  /** performance.now() when the chunk holding this event arrived. */
  t: number;
  data: string;
}

export interface StreamResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  start: number;
  events: SseEvent[];
  /** Raw body when the response was not an event stream. */
  body: string;
  /** Set when the connection failed or was reset. */
  error?: Error;
}

export interface PostOptions {
  /** Resolve once this many events arrived (the request stays open; call abort()). */
  untilEvents?: number;
  /** Give up waiting after this many ms (resolves with what arrived, error 'timeout'). */
  timeoutMs?: number;
}

/** POST a JSON body and collect SSE events (or the body). Returns the result and an abort function. */
export function post(url: string, path: string, body: unknown, o: PostOptions = {}): { done: Promise<StreamResult>; abort: () => void } {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  let req!: http.ClientRequest;
  const done = new Promise<StreamResult>((resolve) => {
    const r: StreamResult = { status: 0, headers: {}, start: performance.now(), events: [], body: '' };
    let buf = '';
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (err) r.error = err;
      resolve(r);
    };
    const timer = o.timeoutMs ? setTimeout(() => finish(new Error('timeout')), o.timeoutMs) : null;
    req = http.request(url + path, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, agent: false });
    req.on('response', (res) => {
      r.status = res.statusCode ?? 0;
      r.headers = res.headers;
      const sse = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const t = performance.now();
        if (!sse) {
          r.body += chunk;
          return;
        }
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (line.startsWith('data: ')) r.events.push({ t, data: line.slice(6) });
        }
        if (o.untilEvents && r.events.length >= o.untilEvents) finish();
      });
      res.on('end', () => finish());
      res.on('error', (e) => finish(e));
      res.on('aborted', () => finish(new Error('aborted')));
    });
    req.on('error', (e) => finish(e));
    req.end(payload);
  });
  return { done, abort: () => req.destroy() };
}

export async function getText(url: string): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** Parse Prometheus text into `name{labels}` → value, plus by bare name (first series). */
export function parseProm(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    const key = line.slice(0, sp);
    const v = Number(line.slice(sp + 1));
    m.set(key, v);
    const bare = key.replace(/\{.*$/, '');
    if (!m.has(bare)) m.set(bare, v);
  }
  return m;
}

export async function scrape(url: string): Promise<Map<string, number>> {
  return parseProm((await getText(url + '/v1/metrics')).body);
}

/** Poll `check` every 5 ms until it returns true; throws after timeoutMs with `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The default profile made ~10× faster, so tests finish quickly with the same shape of behaviour. */
export function fastProfile(over: Partial<NimProfile> = {}): NimProfile {
  return { ...getProfile(), prefillOverheadMs: 1, prefillMsPerToken: 0.01, decodeBaseMs: 2, decodePerSeqMs: 0.05, ...over };
}

/** A profile so slow that requests stay in flight while a test looks at the server. */
export function slowProfile(over: Partial<NimProfile> = {}): NimProfile {
  return { ...getProfile(), prefillOverheadMs: 1, prefillMsPerToken: 0.01, decodeBaseMs: 200, decodePerSeqMs: 0, ...over };
}

/** Virtual clock + timers for driving an engine without waiting (pass `now` and `timers`). */
export class VirtualTime {
  t = 0;
  private seq = 0;
  private pending: Array<{ at: number; seq: number; fn: () => void }> = [];
  readonly now = (): number => this.t;
  readonly timers = {
    set: (fn: () => void, ms: number): unknown => {
      const e = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
      this.pending.push(e);
      return e;
    },
    clear: (h: unknown): void => {
      this.pending = this.pending.filter((e) => e !== h);
    },
  };
  /** Run every timer due up to now + ms, in time order, moving the clock to each. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: (typeof this.pending)[number] | undefined;
      for (const e of this.pending) if (e.at <= end && (!next || e.at < next.at || (e.at === next.at && e.seq < next.seq))) next = e;
      if (!next) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
}
