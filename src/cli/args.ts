// Flag parsing for nimble's commands: node:util parseArgs in strict mode, so a wrong flag is an
// error with the usage, never silently ignored.

import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string, readonly usage: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(argv: string[], options: O, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(err);
    // Node's "argument is ambiguous" is what `--budget -5` gives: say what is wrong instead.
    const amb = /Option '(?:-\w, )?--([\w-]+)[^']*' argument is ambiguous/.exec(msg);
    if (amb) {
      const at = argv.findIndex((a) => a === `--${amb[1]}`);
      const value = at >= 0 ? argv[at + 1] : undefined;
      throw new UsageError(
        value !== undefined && /^-\d/.test(value) ? `--${amb[1]} must not be negative, got '${value}'` : `--${amb[1]} needs a value, got the option '${value}'`,
        usage,
      );
    }
    throw new UsageError(plainMessage(msg, options), usage);
  }
}

/** Node's wording, said in ours (the texts the hand-written parsers gave, kept for users and tests). */
function plainMessage(msg: string, options: Options): string {
  const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(msg);
  if (unknown) {
    const names = Object.keys(options).filter((k) => k !== 'help').map((k) => `--${k}`);
    return `unknown flag ${unknown[1]}${names.length && names.length <= 10 ? ` (expected ${names.join(', ')})` : ''}`;
  }
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(msg);
  if (missing) return `${missing[1]} needs a value`;
  const noValue = /^Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(msg);
  if (noValue) return `${noValue[1]} takes no value`;
  return msg;
}

/** A flag that takes one of a few words: the word, or a usage error naming the choices. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[], usage: string): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]} (got ${value})`, usage);
  return value as T;
}

export function intFlag(name: string, value: string | undefined, usage: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${value}'`, usage);
  return n;
}

export function numFlag(name: string, value: string | undefined, usage: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number ≥ ${min}, got '${value}'`, usage);
  return n;
}

/** "90m", "1h30m", "45s", "2h", or plain minutes ("20"). */
export function durationFlag(name: string, value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    if (Number(value) <= 0) throw new UsageError(`--${name} must be longer than zero, got '${value}'`, usage);
    return Number(value) * 60_000;
  }
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(value);
  if (!m || value === '') throw new UsageError(`--${name} must be a duration like 90m, 1h30m or 45s, got '${value}'`, usage);
  const ms = (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60_000 + Number(m[3] ?? 0) * 1000;
  if (ms <= 0) throw new UsageError(`--${name} must be longer than zero, got '${value}'`, usage);
  return ms;
}
