// What a session file must look like to be read. Loose objects: fields added later by newer code
// pass through; the fields compare/validate/list read are required. JSON turns NaN ("unknown")
// into null, so numbers accept null and come back as NaN, the in-memory convention for unknown.

import { z } from 'zod';
import { isEventType, type EventBody, type EventType, type NimbleEvent, type SessionMeta, type SmokeCheck } from '../core/events.ts';
import { SHAPE_IDS, type BreakingPoint, type Economics, type LevelResult } from '../core/sweep-types.ts';
import { reassessSweep, SUMMARY_SCHEMA_VERSION, type SessionSummary } from '../core/session-summary.ts';

// One shape per datum: the TypeScript types in src/core are the shapes; these schemas restate them
// for the session file, and tsc checks that what a schema yields IS that type (the `z.ZodType<T>`
// annotations: a required field the schema does not check, or checks as another type, fails tsc).
// The other direction (the schema accepts what nimble writes) is tested on a saved session.

const num = z
  .number()
  .nullable()
  .transform((v) => (v === null ? NaN : v));
const numOrNull = z.number().nullable();
const tierId = z.enum(['ultra', 'fast', 'typical', 'slow']);
const tier = z.enum(['ultra', 'fast', 'typical', 'slow', 'over']).nullable();
const shapeId = z.enum(SHAPE_IDS);
const strings = z.array(z.string());
const stringMap = z.record(z.string(), z.string());

const deploySpecSchema = z.looseObject({
  release: z.string(),
  namespace: z.string(),
  model: z.string(),
  image: z.string(),
  imageTag: z.string(),
  gpuShape: z.string(),
  gpuCount: z.number(),
  cache: z.looseObject({ keep: z.boolean(), sizeGi: z.number(), storageClass: z.string(), existingClaim: z.string().optional() }),
  serviceType: z.enum(['LoadBalancer', 'ClusterIP']),
  probeProfile: z.enum(['small', 'medium', 'large']),
  levers: z.looseObject({ cachedModel: z.boolean(), prePulledImage: z.boolean(), warmNode: z.boolean(), parallelLoadBalancer: z.boolean(), sizedProbes: z.boolean() }),
  chart: z.string(),
  nodeSelector: stringMap.optional(),
  env: stringMap.optional(),
  servicePort: z.number().optional(),
  via: z.enum(['helm', 'operator']).optional(),
});

export const metaSchema: z.ZodType<SessionMeta> = z.looseObject({
  id: z.string().min(1),
  nimbleVersion: z.string(),
  mode: z.enum(['sim', 'cluster', 'endpoint', 'import']),
  startedAt: z.string(),
  spec: deploySpecSchema.optional(),
  sim: z.looseObject({ profile: tierId, timeScale: z.number(), seed: z.number(), nimProfile: z.string() }).optional(),
  target: z.string().optional(),
  model: z.string(),
  gpuShape: z.string(),
  gpuCount: z.number(),
  priceTable: z.string(),
  targetTier: tierId,
  context: z.string().optional(),
  namespace: z.string().optional(),
  flags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  shapes: z.array(shapeId),
  loadFrom: z.string().optional(),
});

const interval = z.tuple([numOrNull, numOrNull]);
const percentiles = z.looseObject({
  n: num, mean: num, p50: num, p90: num, p95: num, p99: num, min: num, max: num,
  ci: z.looseObject({ confidence: z.number(), p50: interval, p95: interval, p99: interval }).optional(),
});
const grade = z.enum(['excellent', 'acceptable', 'degraded']);
const breakRule = z.enum(['ttft', 'queue', 'success']);
const engine = z.enum(['nim', 'vllm', 'llamacpp', 'tgi', 'sglang', 'unknown']);

export const levelSchema: z.ZodType<LevelResult> = z.looseObject({
  // LevelCore
  shape: shapeId,
  concurrency: num,
  windowMs: num,
  completed: num,
  failed: num,
  errorsByClass: z.record(z.string(), num),
  ttft: percentiles,
  tpot: percentiles,
  itl: percentiles,
  e2el: percentiles,
  tokenSource: z.enum(['usage', 'chunks', 'mixed']),
  stopReason: z.string(),
  retried: num.optional(),
  errorExamples: stringMap.optional(),
  // LevelFigures
  successRate: num,
  reqPerS: num,
  outputTokPerS: num,
  totalTokPerS: num,
  goodput: num,
  meanOutputTokens: num,
  meanPromptTokens: num,
  server: z.looseObject({ samples: num, queuedShare: numOrNull, waitingMax: numOrNull, runningMax: numOrNull, kvCacheMax: numOrNull, engine }),
  grades: z.looseObject({ ttft: grade, outputSpeed: grade, kvCache: grade.nullable(), success: grade }),
  clientLimit: z.string().nullable().optional(),
  client: z.looseObject({ busyShare: num, cpuUsPerToken: numOrNull, lagP99Ms: num }).optional(),
  requested: z.looseObject({ promptTokens: num, outputTokens: num }).optional(),
  promptTokenSource: z.enum(['usage', 'requested', 'mixed']).optional(),
  // LevelVerdict
  valid: z.boolean(),
  invalidReasons: strings,
  verdict: z.enum(['pass', 'break']),
  brokeBy: z.array(breakRule),
  outcome: z.enum(['pass', 'break', 'inconclusive']).optional(),
  outcomeWhy: z.string().optional(),
  attempt: z.number().optional(),
});

const breakingPointSchema: z.ZodType<BreakingPoint> = z.looseObject({
  shape: shapeId,
  lastPassing: num,
  firstFailing: num.nullable(),
  rule: breakRule.nullable(),
  resolution: num,
  limitedBy: z.enum(['queueing', 'kv-cache', 'decode-speed', 'errors', 'max-concurrency', 'client', 'unknown']),
  status: z.enum(['found', 'not-reached', 'client-limited', 'no-answer']).optional(),
  why: z.string().optional(),
  advice: z.string().optional(),
  inconclusive: num.optional(),
});

const economicsSchema: z.ZodType<Economics> = z.looseObject({ outputTokPerSPerGpu: num, usdPerMillionOutputTokens: num, usersPerGpuDollar: num, priceTable: z.string() });

const leftoverSchema = z.looseObject({
  kind: z.enum(['release', 'pvc', 'service', 'pod', 'job', 'secret', 'namespace', 'nimservice', 'nimcache']),
  name: z.string(),
  namespace: z.string(),
  detail: z.string(),
  hourlyUsd: num,
});

const smokeSchema: z.ZodType<SmokeCheck> = z.looseObject({ name: z.enum(['ready', 'models', 'chat', 'metrics']), ok: z.boolean(), ms: num, detail: z.string(), warn: z.boolean().optional() });

const stageSchema = z.looseObject({ durationMs: numOrNull, tier, ok: z.boolean().nullable() });

export const summarySchema: z.ZodType<SessionSummary> = z.looseObject({
  schemaVersion: z.literal(SUMMARY_SCHEMA_VERSION),
  id: z.string().min(1),
  meta: metaSchema,
  status: z.enum(['completed', 'failed', 'aborted', 'running']),
  endReason: z.string().optional(),
  phases: z.array(
    z.looseObject({
      id: z.enum(['gpuNode', 'imagePull', 'modelDownload', 'nimStartup', 'loadBalancer', 'healthCheck']),
      status: z.string(),
      durationMs: numOrNull,
      tier,
      note: z.string().optional(),
    }),
  ),
  stages: z.looseObject({ deploy: stageSchema, test: stageSchema, cleanup: stageSchema, total: stageSchema }),
  diagnosis: z.looseObject({ id: z.string(), title: z.string(), evidence: z.string(), fix: z.string(), fatal: z.boolean() }).nullable(),
  smoke: z.array(smokeSchema),
  levels: z.array(levelSchema),
  breakingPoints: z.partialRecord(shapeId, breakingPointSchema),
  economics: z.partialRecord(shapeId, economicsSchema),
  cost: z.looseObject({
    priceTable: z.string(),
    totalUsd: num,
    runningUsdPerHour: num,
    lines: z.array(
      z.looseObject({
        id: z.string(),
        priceItem: z.string(),
        label: z.string(),
        quantity: num,
        unit: z.enum(['gpu-hour', 'hour', 'gb-month', 'unknown']),
        hours: num,
        usdPerHour: numOrNull,
        usd: numOrNull,
        running: z.boolean(),
      }),
    ),
    unknown: strings,
  }),
  cleanup: z
    .looseObject({
      ok: z.boolean(),
      leftovers: z.array(leftoverSchema),
      keptCache: z.looseObject({ claim: z.string(), sizeGi: z.number(), monthlyUsd: num }).optional(),
      kept: z.array(leftoverSchema).optional(),
    })
    .nullable(),
  errors: z.array(z.looseObject({ message: z.string(), hint: z.string().optional(), where: z.string() })),
  guards: z.array(z.looseObject({ kind: z.string(), message: z.string(), action: z.string() })),
  elapsedMs: num,
  serverMetrics: z.looseObject({ available: z.boolean(), engine, path: z.string().nullable(), detail: z.string() }).optional(),
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
  const value = r.data;
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
    return { ok: true, value: { ...(raw as NimbleEvent & { type: 'level.finished' }), level: l.data } };
  }
  if (head.data.type === 'sweep.finished') {
    const b = breakingPointSchema.safeParse((raw as { breakingPoint?: unknown }).breakingPoint);
    if (!b.success) return { ok: false, reason: `sweep.finished with invalid breakingPoint: ${describeZodError(b.error)}` };
    const e = economicsSchema.nullable().safeParse((raw as { economics?: unknown }).economics ?? null);
    if (!e.success) return { ok: false, reason: `sweep.finished with invalid economics: ${describeZodError(e.error)}` };
    return { ok: true, value: { ...(raw as NimbleEvent & { type: 'sweep.finished' }), breakingPoint: b.data, economics: e.data } };
  }
  if (head.data.type === 'smoke.check') {
    const c = smokeSchema.safeParse((raw as { check?: unknown }).check);
    if (!c.success) return { ok: false, reason: `smoke.check with invalid check: ${describeZodError(c.error)}` };
    return { ok: true, value: { ...(raw as NimbleEvent & { type: 'smoke.check' }), check: c.data } };
  }
  // The other bodies: their fields are there (EVENT_BODY); their insides are taken as written.
  return { ok: true, value: raw as NimbleEvent };
}
