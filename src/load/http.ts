// Every small GET nimble makes (health, models, metrics) goes through boundedGet: the body is read
// up to a byte cap and the whole exchange (headers + body) within a deadline, so a server that
// sends an endless or dripping body cannot grow memory or hold a run (issue 10: res.body.text()
// once reached 13–23 GB). Errors name the limit that was hit. The caller's signal is obeyed at
// once, mid-body included.
import { request } from 'undici';
import { abortError } from '../core/clock.ts';

/** Byte caps per kind of read (generous for real servers; a vLLM /metrics is ~100–500 KB). */
export const READ_LIMITS = {
  health: 64 * 1024,
  models: 1024 * 1024,
  metrics: 8 * 1024 * 1024,
} as const;

export class ReadLimitError extends Error {
  override name = 'ReadLimitError';
  constructor(
    message: string,
    readonly limit: 'bytes' | 'time',
  ) {
    super(message);
  }
}

export interface BoundedResponse {
  status: number;
  contentType: string;
  location: string | null;
  text: string;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * GET url; resolves with status and the body as text. Rejects with a ReadLimitError when the body
 * passes maxBytes or the exchange passes timeoutMs, with an AbortError when `signal` aborts, and
 * with undici's error otherwise. Redirects are not followed (the status and Location are returned).
 */
export async function boundedGet(
  url: string,
  opts: { headers?: Record<string, string>; signal?: AbortSignal; maxBytes: number; timeoutMs: number },
): Promise<BoundedResponse> {
  const outer = opts.signal;
  if (outer?.aborted) throw abortError(outer);
  const ac = new AbortController();
  const what = `GET ${new URL(url).pathname}`;
  let deadlineHit = false;
  const timer = setTimeout(() => {
    deadlineHit = true;
    ac.abort(new ReadLimitError(`${what} took over ${opts.timeoutMs} ms (the limit for this read)`, 'time'));
  }, opts.timeoutMs);
  const onOuter = () => ac.abort(abortError(outer!));
  outer?.addEventListener('abort', onOuter, { once: true });
  try {
    const send = () => request(url, { method: 'GET', headers: opts.headers, signal: ac.signal, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs });
    let res;
    try {
      res = await send();
    } catch (e) {
      // A kept-alive connection the server had already dropped (llama-server does after two
      // answers): no response byte came, so a GET is safely sent once more.
      if (!isResetBeforeResponse(e) || ac.signal.aborted) throw e;
      res = await send();
    }
    const header = (k: string) => {
      const v = res.headers[k];
      return Array.isArray(v) ? v[0] : (v ?? null);
    };
    const declared = Number(header('content-length'));
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      res.body.destroy();
      throw new ReadLimitError(`${what} answered with a ${formatBytes(declared)} body, over the ${formatBytes(opts.maxBytes)} limit for this read`, 'bytes');
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > opts.maxBytes) {
        res.body.destroy();
        throw new ReadLimitError(`${what} sent more than ${formatBytes(opts.maxBytes)} (the limit for this read)`, 'bytes');
      }
      chunks.push(chunk);
    }
    return { status: res.statusCode, contentType: header('content-type') ?? '', location: header('location'), text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (e) {
    if (outer?.aborted) throw abortError(outer);
    if (e instanceof ReadLimitError) throw e;
    if (deadlineHit) throw new ReadLimitError(`${what} took over ${opts.timeoutMs} ms (the limit for this read)`, 'time');
    throw e;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

function isResetBeforeResponse(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } } | null;
  const code = err?.code ?? err?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}
