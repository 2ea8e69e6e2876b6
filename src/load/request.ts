// One chat completion (streamed or not) against an OpenAI-compatible server, timed with a
// monotonic clock. Used by the load worker and by the smoke test. Never throws: every outcome is
// a RequestRecord with an error class. The API key travels only in the Authorization header.
import type { Dispatcher } from 'undici';
import { SseParser } from './sse.ts';

export type ErrorClass =
  | `http_${number}`
  | 'timeout' // whole-request limit reached
  | 'stall' // no bytes for the stall limit inside a stream
  | 'reset' // connection closed or reset under us
  | 'refused'
  | 'malformed' // a chunk that is not the JSON the protocol promises
  | 'truncated' // stream ended without [DONE] or a finish_reason
  | 'stream_error' // the server sent an error object inside the stream
  | 'empty' // finished without any content
  | 'aborted' // we cancelled it (level ended): discarded, never counted
  | 'other';

export interface RequestRecord {
  ok: boolean;
  status: number | null;
  errorClass: ErrorClass | null;
  /** Short, key-free description of a failure. */
  errorDetail?: string;
  start: number;
  /** Arrival of the first chunk with non-empty content (a role-only chunk is not a token). */
  firstToken: number | null;
  end: number;
  contentChunks: number;
  outputTokens: number;
  promptTokens: number | null;
  tokenSource: 'usage' | 'chunks';
  /** Gaps between consecutive content chunks, ms (filled only when `collectGaps`). */
  gaps: number[] | null;
  /** Error body of a 4xx (first 300 chars), to tell "unsupported field" from other 400s. */
  body400?: string;
}

export interface ChatRequest {
  /** Needed with an Agent; a Pool knows its origin. */
  origin?: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
  signal?: AbortSignal;
  requestTimeoutMs: number;
  stallTimeoutMs: number;
  now: () => number;
  collectGaps: boolean;
  /** Called at the first content token (the worker tracks who is still waiting for one). */
  onFirstToken?: (t: number) => void;
}

export function chatHeaders(apiKey: string | undefined): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream, application/json' };
  if (apiKey) h.authorization = `Bearer ${apiKey}`;
  return h;
}

class RequestTimeout extends Error {
  override name = 'RequestTimeout';
}

export function classifyError(err: unknown, timedOut: boolean): ErrorClass {
  if (timedOut) return 'timeout';
  const e = err as { code?: string; name?: string; cause?: { code?: string } } | null;
  const code = e?.code ?? e?.cause?.code;
  if (code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') return 'stall';
  if (e?.name === 'AbortError' || code === 'UND_ERR_ABORTED' || e?.name === 'RequestAbortedError') return 'aborted';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') return 'reset';
  return 'other';
}

export async function sendChat(dispatcher: Dispatcher, req: ChatRequest): Promise<RequestRecord> {
  const rec: RequestRecord = {
    ok: false,
    status: null,
    errorClass: null,
    start: 0,
    firstToken: null,
    end: 0,
    contentChunks: 0,
    outputTokens: 0,
    promptTokens: null,
    tokenSource: 'chunks',
    gaps: req.collectGaps ? [] : null,
  };
  const ac = new AbortController();
  let timedOut = false;
  const onOuterAbort = () => ac.abort(req.signal?.reason);
  if (req.signal) {
    if (req.signal.aborted) ac.abort(req.signal.reason);
    else req.signal.addEventListener('abort', onOuterAbort, { once: true });
  }
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new RequestTimeout('request timeout'));
  }, req.requestTimeoutMs);
  rec.start = req.now();
  try {
    const res = await dispatcher.request({
      origin: req.origin,
      path: req.path,
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: ac.signal,
      headersTimeout: req.stallTimeoutMs,
      bodyTimeout: req.stallTimeoutMs,
    });
    rec.status = res.statusCode;
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await readText(res.body, 300);
      rec.end = req.now();
      rec.errorClass = `http_${res.statusCode}`;
      rec.errorDetail = `HTTP ${res.statusCode}`;
      if (res.statusCode >= 400 && res.statusCode < 500) rec.body400 = text;
      return rec;
    }
    if (!req.stream) {
      const text = await readText(res.body, 10_000_000);
      rec.end = req.now();
      parseNonStreaming(text, rec);
      return rec;
    }
    await readStream(res.body, rec, req, () => timedOut);
    return rec;
  } catch (err) {
    rec.end = req.now();
    rec.ok = false;
    rec.errorClass = classifyError(err, timedOut);
    rec.errorDetail = rec.errorClass;
    return rec;
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onOuterAbort);
  }
}

async function readText(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  let s = '';
  for await (const chunk of body) {
    if (s.length < limit) s += Buffer.from(chunk as Uint8Array).toString('utf8');
  }
  return s.slice(0, limit);
}

function parseNonStreaming(text: string, rec: RequestRecord): void {
  let j: any;
  try {
    j = JSON.parse(text);
  } catch {
    rec.errorClass = 'malformed';
    rec.errorDetail = 'response body is not JSON';
    return;
  }
  const content = j?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') {
    rec.errorClass = j?.error ? 'stream_error' : 'malformed';
    rec.errorDetail = 'response has no choices[0].message.content';
    return;
  }
  rec.firstToken = rec.end; // no streaming: the first token arrives with the whole answer
  rec.contentChunks = 1;
  applyUsage(j.usage, rec);
  if (rec.tokenSource !== 'usage') rec.outputTokens = content.length ? 1 : 0;
  rec.ok = true;
}

function applyUsage(u: any, rec: RequestRecord): void {
  if (u && typeof u.completion_tokens === 'number') {
    rec.outputTokens = u.completion_tokens;
    rec.tokenSource = 'usage';
  }
  if (u && typeof u.prompt_tokens === 'number') rec.promptTokens = u.prompt_tokens;
}

function readStream(body: Dispatcher.ResponseData['body'], rec: RequestRecord, req: ChatRequest, timedOut: () => boolean): Promise<void> {
  return new Promise<void>((resolve) => {
    const parser = new SseParser();
    const events: string[] = [];
    let done = false; // [DONE] seen
    let finished = false; // a finish_reason seen
    let lastContent = 0;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      resolve();
    };
    const fail = (cls: ErrorClass, detail: string) => {
      if (settled) return;
      rec.end = req.now();
      rec.ok = false;
      rec.errorClass = cls;
      rec.errorDetail = detail;
      body.destroy();
      settle();
    };
    const handle = (t: number): boolean => {
      for (let i = 0; i < events.length; i++) {
        const data = events[i];
        if (data === '[DONE]') {
          done = true;
          continue;
        }
        let j: any;
        try {
          j = JSON.parse(data);
        } catch {
          fail('malformed', `stream chunk is not JSON: ${JSON.stringify(data.slice(0, 60))}`);
          return false;
        }
        if (j === null || typeof j !== 'object') {
          fail('malformed', 'stream chunk is not a JSON object');
          return false;
        }
        if (j.error) {
          fail('stream_error', `server error in stream: ${String(j.error?.message ?? j.error).slice(0, 120)}`);
          return false;
        }
        const choice = j.choices?.[0];
        const content = choice?.delta?.content ?? choice?.text;
        if (typeof content === 'string' && content.length > 0) {
          if (rec.firstToken === null) {
            rec.firstToken = t;
            req.onFirstToken?.(t);
          } else if (rec.gaps) rec.gaps.push(t - lastContent);
          lastContent = t;
          rec.contentChunks++;
        }
        if (choice?.finish_reason) finished = true;
        if (j.usage) applyUsage(j.usage, rec);
      }
      events.length = 0;
      return true;
    };
    body.on('data', (chunk: Buffer) => {
      const t = req.now();
      parser.push(chunk, events);
      if (events.length) handle(t);
    });
    body.on('end', () => {
      if (settled) return;
      const t = req.now();
      parser.end(events);
      if (events.length && !handle(t)) return;
      rec.end = t;
      if (rec.tokenSource !== 'usage') rec.outputTokens = rec.contentChunks;
      if (!done && !finished) {
        rec.errorClass = 'truncated';
        rec.errorDetail = 'stream ended without [DONE] or finish_reason';
      } else if (rec.firstToken === null) {
        rec.errorClass = 'empty';
        rec.errorDetail = 'stream finished without any content';
      } else rec.ok = true;
      settle();
    });
    body.on('error', (err) => {
      if (settled) return;
      rec.end = req.now();
      rec.ok = false;
      // The outer timeout aborts the body too; sendChat's catch cannot see it here.
      rec.errorClass = classifyError(err, timedOut());
      rec.errorDetail = rec.errorClass;
      settle();
    });
  });
}
