// The warnings of a run, as the --json document lists them: what events.ndjson says as warn-level
// log lines, guard actions and preflight warnings, each with a kind a script can match on.

import type { NimbleEvent } from '../core/events.ts';

export type WarningKind = 'invalid-level' | 'client-limit' | 'prompt-length' | 'server-metrics' | 'budget' | 'time-box' | 'daily-budget' | 'preflight' | 'other';

export interface RunWarning {
  kind: WarningKind;
  message: string;
}

/** At most this many are listed; the rest are counted (all are in events.ndjson). */
export const MAX_WARNINGS = 200;

export function warningOf(e: NimbleEvent): RunWarning | null {
  if (e.type === 'guard') return { kind: e.kind, message: e.message };
  if (e.type === 'preflight.check' && e.check.status === 'warn') return { kind: 'preflight', message: `${e.check.label}: ${e.check.detail}` };
  if (e.type !== 'log' || e.level !== 'warn') return null;
  const line = e.line;
  const kind: WarningKind = / INVALID: /.test(line)
    ? 'invalid-level'
    : /\bprompt is \d+ tokens\b/.test(line)
      ? 'prompt-length'
      : /client could not drive|this client, not the server, is the limit|not measuring /.test(line)
        ? 'client-limit'
        : /metrics/i.test(line)
          ? 'server-metrics'
          : 'other';
  return { kind, message: line };
}

/** Collects the warnings of a stream of events (bounded). */
export function warningCollector(): { add(e: NimbleEvent): void; list(): RunWarning[] } {
  const kept: RunWarning[] = [];
  let more = 0;
  return {
    add(e) {
      const w = warningOf(e);
      if (!w) return;
      if (kept.length < MAX_WARNINGS) kept.push(w);
      else more++;
    },
    list: () => (more ? [...kept, { kind: 'other', message: `${more} more warning(s): see events.ndjson in the session folder` }] : kept),
  };
}
