// Untrusted text (a server's error message or model id, an imported file, the config) must not
// drive the terminal: escape sequences and control characters are removed before display.
// One place for it (issue 10).

// ESC/CSI sequences (ESC [ … final byte, 8-bit CSI 0x9B), OSC strings (ESC ] … BEL or ST, 0x9D),
// other ESC-introduced pairs, then any remaining C0/C1 control except tab and newline.
// eslint-disable-next-line no-control-regex
const SEQUENCES = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[P^_X][^\u001b\u009c]*(?:\u001b\\|\u009c)?|\u001b[@-_]?/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `s` without terminal escape sequences or control characters (tab and newline kept). */
export function sanitizeText(s: string): string {
  return s.replace(SEQUENCES, '').replace(CONTROLS, '');
}

/** One line for a message: sanitised, whitespace collapsed, at most `max` characters (… when cut). */
export function oneLine(s: string, max: number): string {
  const t = sanitizeText(s).replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
