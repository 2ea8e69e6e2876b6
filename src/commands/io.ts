// What a command talks to: its streams, environment, working folder and a yes/no question. One
// interface for every command, so each runs the same in the bin and in a test.

import { createInterface } from 'node:readline/promises';

export interface CommandIo {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin?: NodeJS.ReadStream;
  /** Ask a yes/no question (default: on the terminal when stdin is one, else no). */
  confirm?: (question: string) => Promise<boolean>;
}

/** A command: argv after its name in, exit code out (0 ok, 2 usage; the rest each command says). */
export type Command = (argv: string[], io?: CommandIo) => Promise<number>;

export function processIo(): CommandIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stdin: process.stdin };
}

/** Asks on the terminal; without one the answer is no (the caller says how to confirm instead). */
export async function confirm(io: CommandIo, question: string, on: { write(s: string): unknown } = io.stdout): Promise<boolean> {
  if (io.confirm) return io.confirm(question);
  const stdin = io.stdin ?? process.stdin;
  if (!stdin.isTTY) return false;
  const rl = createInterface({ input: stdin, output: on as NodeJS.WritableStream });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** For tests: an io that keeps what was written. */
export function captureIo(o: Partial<CommandIo> = {}): CommandIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    env: {},
    cwd: process.cwd(),
    ...o,
    stdout: { write: (s: string) => (out += s), isTTY: o.stdout?.isTTY },
    stderr: { write: (s: string) => (err += s) },
    out: () => out,
    err: () => err,
  };
}
