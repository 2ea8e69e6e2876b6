// How a failed request is classed and said: the error classes, the server's own reason from an
// error body, and failures in words that name the limit hit (issue 9: errors carry the reason).
import { oneLine } from '../util/sanitize.ts';

/** Longest server reason kept in an error (characters). */
export const REASON_MAX = 200;

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

/**
 * The server's own reason from an error body: OpenAI's {"error":{"message"}}, {"message"},
 * FastAPI's {"detail"}, TGI's {"error":"…"}, or the text itself — one line, sanitised, bounded.
 */
export function serverReason(text: string): string {
  let msg: unknown = text;
  try {
    const j = JSON.parse(text);
    msg = j?.error?.message ?? (typeof j?.error === 'string' ? j.error : undefined) ?? j?.message ?? j?.detail ?? text;
    if (typeof msg !== 'string') msg = JSON.stringify(msg);
  } catch {
    // Not JSON, or cut at the read cap: the message field if one is there, else the text.
    const m = /"(?:message|detail|error)"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(text);
    if (m) {
      try {
        msg = JSON.parse(`"${m[1].replace(/\\$/, '')}"`);
      } catch {
        msg = m[1];
      }
    }
  }
  return oneLine(String(msg), REASON_MAX);
}

/** A failure in words, naming the limit that was hit. */
export function describeFailure(cls: ErrorClass, err: Error, c: { began: boolean; retried: boolean; requestTimeoutMs: number; stallTimeoutMs: number }): string {
  switch (cls) {
    case 'timeout':
      return `timeout: the request took over ${c.requestTimeoutMs} ms (the limit for one request)`;
    case 'stall':
      return `stall: no byte for ${c.stallTimeoutMs} ms ${c.began ? 'inside the response' : 'waiting for the response to begin'} (the stall limit)`;
    case 'reset':
      return c.began ? 'reset: the connection closed in the middle of the response' : `reset: the connection closed before any response byte${c.retried ? ', again after one retry' : ''}`;
    case 'refused':
      return 'refused: nothing listens at the target';
    case 'other':
      return `other: ${oneLine(err?.message ?? String(err), REASON_MAX)}`;
    default:
      return cls;
  }
}
