// What a session file must look like to be read. Loose objects: fields added later by newer code
// pass through; the fields compare/validate/list read are required. JSON turns NaN ("unknown")
// into null, so numbers accept null and come back as NaN, the in-memory convention for unknown.

import { z } from 'zod';
import { isEventType, type EventBody, type EventType, type NimbleEvent } from '../core/events.ts';
import { reassessSweep, SUMMARY_SCHEMA_VERSION, type SessionSummary } from '../core/session-summary.ts';

const num = z
  .number()
  .nullable()
  .transform((v) => (v === null ? NaN : v));
const tier = z.enum(['ultra', 'fast', 'typical', 'slow', 'over']).nullable();

export const metaSchema = z.looseObject({
  id: z.string().min(1),
  nimbleVersion: z.string(),
  mode: z.enum(['sim', 'cluster', 'endpoint', 'import']),
  startedAt: z.string(),
  model: z.string(),
  gpuShape: z.string(),
  gpuCount: z.number(),
  priceTable: z.string(),
  targetTier: z.enum(['ultra', 'fast', 'typical', 'slow']),
  flags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  shapes: z.array(z.string()),
});

const percentiles = z.looseObject({ n: num, mean: num, p50: num, p90: num, p95: num, p99: num, min: num, max: num });

export const levelSchema = z.looseObject({
  shape: z.string(),
  concurrency: z.number(),
  windowMs: num,
  completed: num,
  failed: num,
  successRate: num,
  ttft: percentiles,
  tpot: percentiles,
  itl: percentiles,
  e2el: percentiles,
  reqPerS: num,
  outputTokPerS: num,
  totalTokPerS: num,
  goodput: num,
  valid: z.boolean(),
  invalidReasons: z.array(z.string()),
  verdict: z.enum(['pass', 'break']),
  brokeBy: z.array(z.string()),
  outcome: z.enum(['pass', 'break', 'inconclusive']).optional(),
});

const stageSchema = z.looseObject({ durationMs: z.number().nullable(), tier, ok: z.boolean().nullable() });

export const summarySchema = z.looseObject({
  schemaVersion: z.literal(SUMMARY_SCHEMA_VERSION),
  id: z.string().min(1),
  meta: metaSchema,
  status: z.enum(['completed', 'failed', 'aborted', 'running']),
  endReason: z.string().optional(),
  phases: z.array(z.looseObject({ id: z.string(), status: z.string(), durationMs: z.number().nullable(), tier })),
  stages: z.looseObject({ deploy: stageSchema, test: stageSchema, cleanup: stageSchema, total: stageSchema }),
  smoke: z.array(z.looseObject({ name: z.string(), ok: z.boolean() })),
  levels: z.array(levelSchema),
  breakingPoints: z.record(z.string(), z.looseObject({ shape: z.string(), lastPassing: z.number(), firstFailing: z.number().nullable() })),
  economics: z.record(z.string(), z.looseObject({ outputTokPerSPerGpu: num, usdPerMillionOutputTokens: num })),
  cost: z.looseObject({
    priceTable: z.string(),
    totalUsd: z.number(),
    runningUsdPerHour: z.number(),
    lines: z.array(z.looseObject({ id: z.string(), priceItem: z.string(), usd: z.number().nullable() })),
    unknown: z.array(z.string()),
  }),
  errors: z.array(z.looseObject({ message: z.string() })),
  guards: z.array(z.looseObject({ kind: z.string(), message: z.string(), action: z.string() })),
  elapsedMs: z.number(),
});

type Kind = 'object' | 'string' | 'number' | 'boolean' | 'array';
// The fields each event's body must have, named from the event types (a renamed field fails tsc).
type BodyCheck = { [K in EventType]?: [Exclude<keyof Extract<EventBody, { type: K }>, 'type'>, Kind][] };
const EVENT_BODY: BodyCheck = {
  'session.started': [['meta', 'object']],
  'stage.started': [['stage', 'string']],
  'stage.ended': [['stage', 'string'], ['ok', 'boolean']],
  'preflight.check': [['check', 'object']],
  'cluster.signal': [['signal', 'object']],
  endpoint: [['endpoint', 'object']],
  'smoke.check': [['check', 'object']],
  'sweep.started': [['shapes', 'array'], ['maxConcurrency', 'number']],
  'level.started': [['shape', 'string'], ['concurrency', 'number']],
  'level.progress': [['progress', 'object']],
  'level.finished': [['level', 'object']],
  'server.sample': [['sample', 'object']],
  'sweep.finished': [['shape', 'string'], ['breakingPoint', 'object']],
  'cleanup.finished': [['report', 'object']],
  log: [['line', 'string']],
  error: [['message', 'string']],
  guard: [['kind', 'string'], ['message', 'string']],
  'session.ended': [['status', 'string']],
};
function hasKind(v: unknown, kind: Kind): boolean {
  if (kind === 'array') return Array.isArray(v);
  if (kind === 'object') return !!v && typeof v === 'object' && !Array.isArray(v);
  return typeof v === kind;
}

const eventHead = z.looseObject({ type: z.string(), seq: z.number(), t: z.number(), wall: z.number() });

/** One path.to.field: message, for error lines that name the field. */
export function describeZodError(err: z.ZodError): string {
  const first = err.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  return first.join('; ') + (err.issues.length > 3 ? ` (+${err.issues.length - 3} more)` : '');
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseSummary(raw: unknown): ParseResult<SessionSummary> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'not a JSON object' };
  const v = (raw as { schemaVersion?: unknown }).schemaVersion;
  if (v === undefined) return { ok: false, reason: 'not a nimble session (no schemaVersion)' };
  if (typeof v === 'number' && v > SUMMARY_SCHEMA_VERSION) {
    return { ok: false, reason: `written by a newer nimble (schema ${v}; this one reads ${SUMMARY_SCHEMA_VERSION})` };
  }
  const r = summarySchema.safeParse(raw);
  if (!r.success) return { ok: false, reason: `invalid session summary: ${describeZodError(r.error)}` };
  const value = r.data as unknown as SessionSummary;
  // Older files: a breaking point over invalid levels is judged again (see reassessSweep).
  return { ok: true, value: { ...value, ...reassessSweep(value.breakingPoints, value.economics, value.levels) } };
}

/** One NDJSON line → an event the reducer knows, or why not. */
export function parseEventLine(line: string): ParseResult<NimbleEvent> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  const head = eventHead.safeParse(raw);
  if (!head.success) return { ok: false, reason: `not an event: ${describeZodError(head.error)}` };
  if (!isEventType(head.data.type)) return { ok: false, reason: `unknown event type '${head.data.type}'` };
  // A valid header is not an event: its body must be there too (the reducer reads it unchecked).
  const missing = (EVENT_BODY[head.data.type] ?? []).filter(([k, kind]) => !hasKind((raw as Record<string, unknown>)[k], kind));
  if (missing.length) return { ok: false, reason: `'${head.data.type}' event without ${missing.map(([k, kind]) => `${k} (${kind})`).join(', ')}` };
  if (head.data.type === 'session.started') {
    const m = metaSchema.safeParse((raw as { meta?: unknown }).meta);
    if (!m.success) return { ok: false, reason: `session.started with invalid meta: ${describeZodError(m.error)}` };
  }
  if (head.data.type === 'level.finished') {
    // Bring JSON's nulls back to NaN so a replayed level equals the live one.
    const l = levelSchema.safeParse((raw as { level?: unknown }).level);
    if (!l.success) return { ok: false, reason: `level.finished with invalid level: ${describeZodError(l.error)}` };
    return { ok: true, value: { ...(raw as object), level: l.data } as unknown as NimbleEvent };
  }
  return { ok: true, value: raw as NimbleEvent };
}
