// One chat completion (streamed or not) against an OpenAI-compatible server, timed with a
// monotonic clock. Used by the load worker and by the smoke test. Never throws: every outcome is
// a RequestRecord with an error class. The API key travels only in the Authorization header.
import type { Dispatcher } from 'undici';
import { SseLimitError, SseParser } from './sse.ts';
import { oneLine } from '../util/sanitize.ts';
import { classifyError, describeFailure, serverReason, type ErrorClass } from './request-errors.ts';

export { classifyError, serverReason, REASON_MAX, type ErrorClass } from './request-errors.ts';

/** Bytes of an error body read for its reason; the rest is not waited for. */
const ERROR_BODY_MAX = 8 * 1024;
/** A non-streamed answer larger than this is refused (a chat completion is a few KB). */
const TEXT_BODY_MAX = 8 * 1024 * 1024;

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
  /** Error body of a 4xx (first 8 KB), to tell "unsupported field" from other 400s. */
  body400?: string;
  /**
   * Set when the connection was reset before any response byte and the request was sent again
   * (once): counted and shown, never hidden. `start` stays the first attempt's.
   */
  retried?: boolean;
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
  /**
   * Where the one retry after a reset before any response byte goes: a dispatcher without
   * keep-alive, so it cannot land on another connection the server has silently dropped.
   * Default: the same dispatcher.
   */
  retryDispatcher?: Dispatcher;
  /**
   * Most content chunks accepted in one answer (a server streaming without end must not grow the
   * per-request gap list for the whole request timeout). Default: no cap.
   */
  maxChunks?: number;
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


const ABORTED = Object.assign(new Error('request aborted'), { name: 'AbortError' });
const TIMED_OUT = new RequestTimeout('request timeout');

/**
 * Sends one request through undici's raw `dispatch` (no Readable body, no promise per chunk):
 * the response bytes go straight into the incremental SSE parser. Resolves once, never rejects.
 */
export function sendChat(dispatcher: Dispatcher, req: ChatRequest): Promise<RequestRecord> {
  return new Promise<RequestRecord>((resolve) => new ChatCall(dispatcher, req, resolve).start());
}

/** The three kinds of body a response can have. */
const enum Mode {
  Pending,
  ErrorBody,
  Text,
  Stream,
}

/**
 * One request's life as an undici dispatch handler (the callback API undici's own `request` is
 * built on): onConnect → onHeaders → onData* → onComplete, or onError at any point.
 */
class ChatCall implements Dispatcher.DispatchHandler {
  private readonly rec: RequestRecord;
  private abortFn: ((err?: Error) => void) | null = null;
  private abortReason: Error | null = null;
  private timedOut = false;
  private aborting = false;
  private contentType = '';
  /** Events parsed in this stream (to tell "not an event stream" from a cut one). */
  private eventsSeen = 0;
  private settled = false;
  private timer: NodeJS.Timeout | null = null;
  private mode = Mode.Pending;
  // Error and non-streaming bodies.
  private text = '';
  private textLimit = 0;
  private decoder: InstanceType<typeof globalThis.TextDecoder> | null = null;
  // Streams.
  private parser: SseParser | null = null;
  private readonly events: string[] = [];
  private done = false; // [DONE] seen
  private finished = false; // a finish_reason seen
  private lastContent = 0;
  /**
   * The last fully parsed content chunk of this stream cut around its content string: a later
   * chunk that is exactly prefix + plain text + suffix is the same JSON with other content, so it
   * needs no JSON.parse (same structure, no finish_reason, usage or error — checked when learnt).
   */
  private tplPrefix: string | null = null;
  private tplSuffix = '';

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly req: ChatRequest,
    private readonly resolve: (r: RequestRecord) => void,
  ) {
    this.rec = {
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
  }

  private readonly onOuterAbort = () => this.abort(ABORTED);

  start(): void {
    const req = this.req;
    if (req.signal) {
      if (req.signal.aborted) {
        this.rec.start = req.now();
        return this.fail(req.now(), 'aborted', 'aborted');
      }
      req.signal.addEventListener('abort', this.onOuterAbort, { once: true });
    }
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.abort(TIMED_OUT);
    }, req.requestTimeoutMs);
    this.rec.start = req.now();
    this.send();
  }

  private send(): void {
    const req = this.req;
    try {
      (this.rec.retried ? (req.retryDispatcher ?? this.dispatcher) : this.dispatcher).dispatch(
        {
          origin: req.origin,
          path: req.path,
          method: 'POST',
          headers: req.headers,
          body: req.body,
          headersTimeout: req.stallTimeoutMs,
          bodyTimeout: req.stallTimeoutMs,
        },
        this,
      );
    } catch (err) {
      this.onError(err as Error);
    }
  }

  private abort(reason: Error): void {
    if (this.settled) return;
    this.aborting = true;
    if (this.abortFn) this.abortFn(reason);
    else this.abortReason = reason; // not connected yet: onConnect aborts at once
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.req.signal?.removeEventListener('abort', this.onOuterAbort);
    this.resolve(this.rec);
  }

  private fail(t: number, cls: ErrorClass, detail: string): void {
    if (this.settled) return;
    const rec = this.rec;
    rec.end = t;
    rec.ok = false;
    rec.errorClass = cls;
    rec.errorDetail = detail;
    this.settle();
  }

  // --- undici handler callbacks -------------------------------------------------------------

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.abortReason) abort(this.abortReason);
  }

  onHeaders(statusCode: number, headers: Buffer[] | string[] | null, _resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx informational: the real answer follows
    this.rec.status = statusCode;
    if (headers) {
      for (let i = 0; i + 1 < headers.length; i += 2) {
        if (String(headers[i]).toLowerCase() === 'content-type') this.contentType = String(headers[i + 1]);
      }
    }
    if (statusCode >= 300) {
      this.mode = Mode.ErrorBody;
      this.textLimit = ERROR_BODY_MAX;
      this.decoder = new TextDecoder('utf-8');
    } else if (!this.req.stream) {
      this.mode = Mode.Text;
      this.textLimit = TEXT_BODY_MAX;
      this.decoder = new TextDecoder('utf-8');
    } else {
      this.mode = Mode.Stream;
      this.parser = new SseParser();
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return true;
    if (this.mode === Mode.Stream) {
      const t = this.req.now();
      try {
        this.parser!.push(chunk, this.events);
      } catch (e) {
        if (!(e instanceof SseLimitError)) throw e;
        this.events.length = 0;
        this.fail(t, 'malformed', e.message);
        this.abortFn?.(ABORTED);
        return true;
      }
      if (this.events.length && !this.handle(t)) this.abortFn?.(ABORTED);
    } else {
      this.text += this.decoder!.decode(chunk, { stream: true });
      if (this.text.length >= this.textLimit) {
        // Enough of an error body for its reason; a larger answer is refused. Either way the
        // rest is not waited for (an endless body must not hold the request to its timeout).
        if (this.mode === Mode.ErrorBody) this.onComplete(null);
        else this.fail(this.req.now(), 'malformed', `response body passed ${this.textLimit} characters`);
        this.abortFn?.(ABORTED);
      }
    }
    return true;
  }

  onComplete(_trailers: string[] | null): void {
    if (this.settled) return;
    const rec = this.rec;
    const t = this.req.now();
    if (this.mode === Mode.Stream) {
      try {
        this.parser!.end(this.events);
      } catch (e) {
        if (!(e instanceof SseLimitError)) throw e;
        this.events.length = 0;
        return this.fail(t, 'malformed', e.message);
      }
      if (this.events.length && !this.handle(t)) return;
      rec.end = t;
      if (rec.tokenSource !== 'usage') rec.outputTokens = rec.contentChunks;
      if (!this.done && !this.finished) {
        rec.errorClass = this.eventsSeen === 0 ? 'malformed' : 'truncated';
        rec.errorDetail =
          this.eventsSeen === 0
            ? `answered ${rec.status} without any SSE event${this.contentType ? ` (content-type ${oneLine(this.contentType, 60)})` : ''}: not an OpenAI event stream`
            : 'stream ended without [DONE] or finish_reason';
      } else if (rec.firstToken === null) {
        rec.errorClass = 'empty';
        rec.errorDetail = 'stream finished without any content';
      } else rec.ok = true;
      return this.settle();
    }
    if (this.text.length < this.textLimit) this.text += this.decoder?.decode() ?? '';
    const text = this.text.slice(0, this.textLimit);
    rec.end = t;
    if (this.mode === Mode.ErrorBody) {
      const status = rec.status ?? 0;
      rec.errorClass = `http_${status}`;
      const reason = serverReason(text);
      rec.errorDetail = reason ? `http_${status}: ${reason}` : `http_${status}`;
      if (status >= 400 && status < 500) rec.body400 = text;
    } else parseNonStreaming(text, rec);
    this.settle();
  }

  onError(err: Error): void {
    if (this.settled) return;
    // The outer timeout aborts through here too.
    const cls = classifyError(err, this.timedOut);
    // Reset before any response byte (a keep-alive connection the server had already closed, as
    // llama-server does after 2 responses): the server never answered, so sending again is safe.
    // Once only, and the record says so.
    if (cls === 'reset' && this.rec.status === null && !this.rec.retried && !this.aborting) {
      this.rec.retried = true;
      this.abortFn = null;
      this.send();
      return;
    }
    this.fail(this.req.now(), cls, describeFailure(cls, err, { began: this.rec.status !== null, retried: !!this.rec.retried, requestTimeoutMs: this.req.requestTimeoutMs, stallTimeoutMs: this.req.stallTimeoutMs }));
  }

  // --- stream events ------------------------------------------------------------------------

  /** Handles the parsed events; false after a failure (the request is settled). */
  private handle(t: number): boolean {
    const events = this.events;
    const rec = this.rec;
    this.eventsSeen += events.length;
    for (let i = 0; i < events.length; i++) {
      const data = events[i];
      // Fast path: the same JSON as the learnt content chunk, with other plain content.
      const pre = this.tplPrefix;
      if (pre !== null && data.length > pre.length + this.tplSuffix.length && data.startsWith(pre) && data.endsWith(this.tplSuffix)) {
        const end = data.length - this.tplSuffix.length;
        if (plainJsonText(data, pre.length, end)) {
          if (!this.content(t)) return false;
          continue;
        }
      }
      if (data === '[DONE]') {
        this.done = true;
        continue;
      }
      let j: any;
      try {
        j = JSON.parse(data);
      } catch {
        events.length = 0;
        this.fail(t, 'malformed', `stream chunk is not JSON: ${JSON.stringify(data.slice(0, 60))}`);
        return false;
      }
      if (j === null || typeof j !== 'object') {
        events.length = 0;
        this.fail(t, 'malformed', 'stream chunk is not a JSON object');
        return false;
      }
      if (j.error) {
        events.length = 0;
        this.fail(t, 'stream_error', `server error in stream: ${String(j.error?.message ?? j.error).slice(0, 120)}`);
        return false;
      }
      const choice = j.choices?.[0];
      const content = choice?.delta?.content ?? choice?.text;
      if (typeof content === 'string' && content.length > 0) {
        if (!this.content(t)) return false;
        if (!choice.finish_reason && !j.usage) this.learn(data, choice.delta?.content === content ? 'content' : 'text', content);
      }
      if (choice?.finish_reason) this.finished = true;
      if (j.usage) applyUsage(j.usage, rec);
    }
    events.length = 0;
    return true;
  }

  /** Counts one content chunk; false past the chunk cap (the request is then settled). */
  private content(t: number): boolean {
    const rec = this.rec;
    if (rec.contentChunks >= (this.req.maxChunks ?? Infinity)) {
      this.events.length = 0;
      this.fail(t, 'malformed', `the server sent more than ${this.req.maxChunks} content chunks, far more than the max_tokens asked (the limit for one answer)`);
      return false;
    }
    if (rec.firstToken === null) {
      rec.firstToken = t;
      this.req.onFirstToken?.(t);
    } else if (rec.gaps) rec.gaps.push(t - this.lastContent);
    this.lastContent = t;
    rec.contentChunks++;
    return true;
  }

  /**
   * Learns the template from a parsed content chunk when the content string sits in the raw text
   * exactly once as `"key":"content"` with no escapes. A JSON string cannot hold an unescaped
   * quote, so that one occurrence is the value just read; any other plain text in its place gives
   * the same document with that text as the content.
   */
  private learn(data: string, key: 'content' | 'text', content: string): void {
    if (!plainJsonText(content, 0, content.length)) return;
    const needle = `"${key}":"${content}"`;
    const at = data.indexOf(needle);
    if (at < 0 || data.indexOf(needle, at + 1) >= 0) return;
    this.tplPrefix = data.slice(0, at + key.length + 4);
    this.tplSuffix = data.slice(at + needle.length - 1);
  }
}


/** s[from, to) has no quote, backslash or control character: valid JSON string text as is. */
function plainJsonText(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92) return false;
  }
  return true;
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
