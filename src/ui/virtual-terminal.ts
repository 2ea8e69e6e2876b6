// Test helper: a small terminal emulator for what Ink writes (text, CR/LF, cursor up/left/home,
// erase line/screen, SGR and private modes ignored). Lines that scroll off the top go to the
// scrollback, where no escape sequence can erase them — exactly how a frame taller than the
// terminal leaves old lines behind. Also the fake TTY streams Ink is given. No Ink import here:
// tests that must load Ink after setting the environment can import this first.

import { EventEmitter } from 'node:events';

export class VirtualTerminal extends EventEmitter {
  readonly scrollback: string[] = [];
  private screen: string[][];
  private row = 0;
  private col = 0;
  isTTY = true;

  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
    this.screen = Array.from({ length: rows }, () => []);
  }

  /** The stream's write: what Ink calls. */
  write = (data: string | Uint8Array): boolean => {
    const s = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    let i = 0;
    while (i < s.length) {
      const ch = s[i];
      if (ch === '\u001b') {
        i = this.escape(s, i);
        continue;
      }
      if (ch === '\n') this.lineFeed(); // a TTY's onlcr: LF also returns the carriage
      else if (ch === '\r') this.col = 0;
      else {
        const cp = s.codePointAt(i)!;
        const c = String.fromCodePoint(cp);
        if (this.col >= this.columns) this.lineFeed();
        this.screen[this.row][this.col++] = c;
        i += c.length;
        continue;
      }
      i++;
    }
    return true;
  };

  private lineFeed() {
    this.col = 0;
    if (this.row < this.rows - 1) this.row++;
    else {
      this.scrollback.push(this.lineText(this.screen.shift()!));
      this.screen.push([]);
    }
  }

  private escape(s: string, i: number): number {
    const next = s[i + 1];
    if (next === ']') {
      // OSC … BEL or ST: ignored
      const bel = s.indexOf('\u0007', i);
      const st = s.indexOf('\u001b\\', i);
      const end = [bel, st].filter((x) => x >= 0).sort((a, b) => a - b)[0];
      return end === undefined ? s.length : end + (end === st ? 2 : 1);
    }
    if (next !== '[') return i + 2;
    let j = i + 2;
    while (j < s.length && !/[@-~]/.test(s[j])) j++;
    const params = s.slice(i + 2, j);
    const final = s[j];
    const n = (d: number) => (params === '' || params.startsWith('?') ? d : Number(params.split(';')[0]) || d);
    if (params.startsWith('?')) return j + 1; // private modes (cursor, synchronized output)
    switch (final) {
      case 'A':
        this.row = Math.max(0, this.row - n(1));
        break;
      case 'B':
        this.row = Math.min(this.rows - 1, this.row + n(1));
        break;
      case 'G':
        this.col = n(1) - 1;
        break;
      case 'H': {
        const [r, c] = params.split(';').map((x) => Number(x) || 1);
        this.row = (r ?? 1) - 1;
        this.col = (c ?? 1) - 1;
        break;
      }
      case 'K':
        if (n(0) === 2) this.screen[this.row] = [];
        else if (n(0) === 0) this.screen[this.row].length = Math.min(this.screen[this.row].length, this.col);
        break;
      case 'J':
        if (n(0) === 2) this.screen = Array.from({ length: this.rows }, () => []);
        if (n(0) === 3) this.scrollback.length = 0;
        break;
      default:
        break; // SGR (m) and the rest: no effect on the text
    }
    return j + 1;
  }

  private lineText(cells: string[]): string {
    return Array.from({ length: cells.length }, (_, k) => cells[k] ?? ' ').join('').trimEnd();
  }

  /** What is on the screen now, trailing blank lines dropped. */
  screenText(): string {
    const lines = this.screen.map((l) => this.lineText(l));
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  /** Scrollback and screen: everything a user could scroll back to. */
  allText(): string {
    return [...this.scrollback, this.screenText()].join('\n').replace(/^\n+/, '');
  }
}

/** A stdin Ink accepts as a TTY with raw mode; `press` sends keys. */
export class FakeTtyStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  press(s: string) {
    this.data = s;
    this.emit('readable');
    this.emit('data', s);
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const d = this.data;
    this.data = null;
    return d;
  };
}
