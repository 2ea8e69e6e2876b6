// Incremental Server-Sent Events parser: feed bytes as they arrive (chunk boundaries anywhere,
// even inside a UTF-8 character or between \r and \n); get each event's data payload.
// Only `data` fields matter for OpenAI-style streams; `event`, `id`, `retry` and comments are skipped.

const LINE_END = /\r\n|\r|\n/g;

export class SseParser {
  private buf = '';
  private data: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');

  /** Appends the data payloads of every event completed by this chunk to `out`. */
  push(chunk: Uint8Array | string, out: string[]): void {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const buf = this.buf;
    let start = 0;
    LINE_END.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = LINE_END.exec(buf))) {
      // A trailing \r may be the first half of \r\n split across chunks: wait for the next chunk.
      if (m[0] === '\r' && m.index === buf.length - 1) break;
      this.line(buf.slice(start, m.index), out);
      start = m.index + m[0].length;
    }
    this.buf = start === 0 ? buf : buf.slice(start);
  }

  /** End of stream: a last event without its blank line is still delivered (lenient). */
  end(out: string[]): void {
    const rest = this.buf + this.decoder.decode();
    this.buf = '';
    if (rest.length) this.line(rest.replace(/\r$/, ''), out);
    if (this.data.length) out.push(this.data.join('\n'));
    this.data = [];
  }

  private line(line: string, out: string[]): void {
    if (line.length === 0) {
      if (this.data.length) {
        out.push(this.data.length === 1 ? this.data[0] : this.data.join('\n'));
        this.data = [];
      }
      return;
    }
    if (line.charCodeAt(0) === 58 /* : comment */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    this.data.push(value);
  }
}
