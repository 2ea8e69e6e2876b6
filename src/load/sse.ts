// Incremental Server-Sent Events parser: feed bytes as they arrive (chunk boundaries anywhere,
// even inside a UTF-8 character or between \r and \n); get each event's data payload.
// Only `data` fields matter for OpenAI-style streams; `event`, `id`, `retry` and comments are skipped.
// Hot path of the load worker (one call per network read): lines are found with indexOf, not a
// regular expression, and a single-line event's payload is handed out without a join.

/** Default cap on one line and on one event's data (characters): an endless line cannot grow memory. */
export const SSE_MAX_LINE = 1024 * 1024;

function limitText(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} Mi characters` : `${n} characters`;
}

export class SseLimitError extends Error {
  override name = 'SseLimitError';
}

export class SseParser {
  private buf = '';
  /** Characters of data in the event being read. */
  private dataLen = 0;
  constructor(private readonly maxLine = SSE_MAX_LINE) {}
  /** Data lines of the event being read: none, one (a string), or several (an array). */
  private data: string | string[] | null = null;
  private readonly decoder = new TextDecoder('utf-8');

  /**
   * Appends the data payloads of every event completed by this chunk to `out`. Throws an
   * SseLimitError when a line (or one event's data) passes the cap: the stream is unusable.
   */
  push(chunk: Uint8Array | string, out: string[]): void {
    const s = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const buf = this.buf.length ? this.buf + s : s;
    const n = buf.length;
    let start = 0;
    let lf = buf.indexOf('\n');
    let cr = buf.indexOf('\r');
    for (;;) {
      if (lf !== -1 && lf < start) lf = buf.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = buf.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A trailing \r may be the first half of \r\n split across chunks: wait for the next chunk.
        if (cr === n - 1) break;
        end = cr;
        next = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else break;
      this.line(buf, start, end, out);
      start = next;
    }
    this.buf = start === 0 ? buf : start >= n ? '' : buf.slice(start);
    if (this.buf.length > this.maxLine) {
      this.buf = '';
      throw new SseLimitError(`an SSE line passed ${limitText(this.maxLine)} without a line break (the limit for one line)`);
    }
  }

  /** End of stream: a last event without its blank line is still delivered (lenient). */
  end(out: string[]): void {
    let rest = this.buf + this.decoder.decode();
    this.buf = '';
    if (rest.endsWith('\r')) rest = rest.slice(0, -1);
    if (rest.length) this.line(rest, 0, rest.length, out);
    this.flush(out);
  }

  private flush(out: string[]): void {
    const d = this.data;
    if (d === null) return;
    out.push(typeof d === 'string' ? d : d.join('\n'));
    this.data = null;
    this.dataLen = 0;
  }

  private line(buf: string, start: number, end: number, out: string[]): void {
    if (start === end) {
      this.flush(out);
      return;
    }
    const c0 = buf.charCodeAt(start);
    if (c0 === 58 /* : comment */) return;
    let value: string;
    // "data: " (the usual form) without a search for the colon.
    if (c0 === 100 && end - start >= 5 && buf.startsWith('data:', start)) {
      value = buf.slice(buf.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, end);
    } else {
      const line = buf.slice(start, end);
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      if (field !== 'data') return;
      value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
    }
    const d = this.data;
    this.dataLen += value.length;
    if (this.dataLen > this.maxLine) {
      this.data = null;
      this.dataLen = 0;
      throw new SseLimitError(`an SSE event's data passed ${limitText(this.maxLine)} without the blank line ending it (the limit for one event)`);
    }
    if (d === null) this.data = value;
    else if (typeof d === 'string') this.data = [d, value];
    else d.push(value);
  }
}
