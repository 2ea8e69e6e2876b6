// Hand-written, realistic event logs for view tests and scripts/ui-preview.tsx: one simulated
// A10 session (deploy at the Fast tier, three-shape sweep, cleanup keeping the cache), plus a
// failed deploy and a standalone endpoint sweep. Times are session-clock ms.

import type { EventBody, NimbleEvent, SessionMeta } from '../core/events.ts';
import type { Grade, LevelResult, Percentiles, ShapeId, BreakRule } from '../core/sweep-types.ts';
import { testDeploySpec } from '../core/testing.ts';

export class EventLog {
  readonly events: NimbleEvent[] = [];
  add(t: number, body: EventBody): this {
    this.events.push({ ...body, seq: this.events.length + 1, t, wall: t } as NimbleEvent);
    return this;
  }
}

export const SIM_META: SessionMeta = {
  id: '2026-01-15T10-00-00-sim-a10',
  nimbleVersion: '0.1.0',
  mode: 'sim',
  startedAt: '2026-01-15T10:00:00.000Z',
  model: 'meta/llama-3.1-8b-instruct',
  gpuShape: 'VM.GPU.A10.1',
  gpuCount: 1,
  priceTable: 'oci-list-2026-01',
  targetTier: 'fast',
  sim: { profile: 'fast', timeScale: 20, seed: 7, nimProfile: 'a10-llama-3.1-8b' },
  flags: {},
  shapes: ['support', 'summary', 'coding'],
  spec: testDeploySpec({ release: 'nimble-llama', namespace: 'nimble', cache: { keep: true, sizeGi: 50, storageClass: 'oci-bv' } }),
};

function pct(p50: number, p95: number): Percentiles {
  return { n: 100, mean: (p50 + p95) / 2, p50, p90: p50 + (p95 - p50) * 0.7, p95, p99: p95 * 1.1, min: p50 * 0.6, max: p95 * 1.3 };
}

const gradeTtft = (ms: number): Grade => (ms < 200 ? 'excellent' : ms < 800 ? 'acceptable' : 'degraded');
const gradeSpeed = (tpotMs: number): Grade => (1000 / tpotMs > 50 ? 'excellent' : 1000 / tpotMs > 20 ? 'acceptable' : 'degraded');

export interface LevelSpec {
  shape: ShapeId;
  c: number;
  ttft50: number;
  ttft95: number;
  tpot: number;
  tokps: number;
  success?: number;
  queued?: number;
  kv?: number | null;
  brokeBy?: BreakRule[];
  invalid?: string[];
}

export function level(l: LevelSpec): LevelResult {
  const success = l.success ?? 1;
  const brokeBy = l.brokeBy ?? [];
  return {
    shape: l.shape,
    concurrency: l.c,
    windowMs: 12_000,
    completed: 40 * l.c,
    failed: Math.round(40 * l.c * (1 - success)),
    errorsByClass: success < 1 ? { 'http-429': Math.round(40 * l.c * (1 - success)) } : {},
    successRate: success,
    ttft: pct(l.ttft50, l.ttft95),
    tpot: pct(l.tpot, l.tpot * 1.2),
    itl: pct(l.tpot, l.tpot * 1.5),
    e2el: pct(l.ttft50 + l.tpot * 128, l.ttft95 + l.tpot * 160),
    reqPerS: l.tokps / 128,
    outputTokPerS: l.tokps,
    totalTokPerS: l.tokps * 3,
    goodput: brokeBy.length ? 0 : l.tokps / 128,
    tokenSource: 'usage',
    meanOutputTokens: 128,
    meanPromptTokens: 256,
    server: { samples: 12, queuedShare: l.queued ?? 0, waitingMax: l.queued ? Math.round(l.c / 4) : 0, runningMax: l.c, kvCacheMax: l.kv === undefined ? 0.2 : l.kv, engine: 'nim' },
    valid: !l.invalid,
    invalidReasons: l.invalid ?? [],
    verdict: brokeBy.length ? 'break' : 'pass',
    brokeBy,
    grades: {
      ttft: gradeTtft(l.ttft95),
      outputSpeed: gradeSpeed(l.tpot),
      kvCache: l.kv === null ? null : (l.kv ?? 0.2) < 0.7 ? 'excellent' : (l.kv ?? 0) < 0.9 ? 'acceptable' : 'degraded',
      success: success >= 1 ? 'excellent' : success >= 0.99 ? 'acceptable' : 'degraded',
    },
    stopReason: 'CI clear of SLA',
  };
}

const SUPPORT: LevelSpec[] = [
  { shape: 'support', c: 1, ttft50: 82, ttft95: 95, tpot: 29, tokps: 34 },
  { shape: 'support', c: 2, ttft50: 88, ttft95: 104, tpot: 29.6, tokps: 67 },
  { shape: 'support', c: 4, ttft50: 96, ttft95: 131, tpot: 30.8, tokps: 128 },
  { shape: 'support', c: 8, ttft50: 120, ttft95: 186, tpot: 33, tokps: 238 },
  { shape: 'support', c: 16, ttft50: 170, ttft95: 320, tpot: 38, tokps: 410 },
  { shape: 'support', c: 32, ttft50: 380, ttft95: 910, tpot: 47, tokps: 640, kv: 0.62 },
  { shape: 'support', c: 64, ttft50: 1400, ttft95: 3150, tpot: 66, tokps: 860, kv: 0.97, queued: 0.8, brokeBy: ['ttft', 'queue'] },
  { shape: 'support', c: 48, ttft50: 760, ttft95: 1720, tpot: 57, tokps: 790, kv: 0.84, queued: 0.1 },
  { shape: 'support', c: 56, ttft50: 1100, ttft95: 2380, tpot: 62, tokps: 830, kv: 0.93, queued: 0.6, brokeBy: ['ttft'] },
];
const SUMMARY: LevelSpec[] = [
  { shape: 'summary', c: 1, ttft50: 410, ttft95: 450, tpot: 30, tokps: 31 },
  { shape: 'summary', c: 2, ttft50: 470, ttft95: 560, tpot: 31, tokps: 60 },
  { shape: 'summary', c: 4, ttft50: 620, ttft95: 840, tpot: 33, tokps: 112, kv: 0.55 },
  { shape: 'summary', c: 8, ttft50: 1050, ttft95: 1610, tpot: 37, tokps: 196, kv: 0.88 },
  { shape: 'summary', c: 16, ttft50: 2300, ttft95: 4800, tpot: 44, tokps: 230, kv: 0.99, queued: 0.9, brokeBy: ['queue', 'ttft'] },
  { shape: 'summary', c: 12, ttft50: 1500, ttft95: 2600, tpot: 40, tokps: 215, kv: 0.97, queued: 0.7, brokeBy: ['queue'] },
];
const CODING: LevelSpec[] = [
  { shape: 'coding', c: 1, ttft50: 80, ttft95: 92, tpot: 28.6, tokps: 35 },
  { shape: 'coding', c: 2, ttft50: 84, ttft95: 99, tpot: 29.2, tokps: 68 },
  { shape: 'coding', c: 4, ttft50: 90, ttft95: 118, tpot: 30.4, tokps: 131 },
  { shape: 'coding', c: 8, ttft50: 101, ttft95: 150, tpot: 32.9, tokps: 243, invalid: ["Little's law off by 14% (N=8, X·R=6.9)"] },
  { shape: 'coding', c: 16, ttft50: 122, ttft95: 240, tpot: 37.5, tokps: 426 },
  { shape: 'coding', c: 32, ttft50: 190, ttft95: 520, tpot: 46.8, tokps: 683, kv: 0.74 },
  { shape: 'coding', c: 64, ttft50: 900, ttft95: 2900, tpot: 104, tokps: 615, kv: 0.99, queued: 0.75, success: 0.97, brokeBy: ['queue', 'ttft'] },
];

export const SAMPLE_LEVELS: Record<ShapeId, LevelSpec[]> = { support: SUPPORT, summary: SUMMARY, coding: CODING };

/** The full simulated cycle. Deploy lands in the Fast tier; the sweep takes ~4 real minutes. */
export function sampleEvents(): NimbleEvent[] {
  const log = new EventLog();
  log.add(0, { type: 'session.started', meta: SIM_META });
  log.add(0, { type: 'stage.started', stage: 'preflight' });
  log.add(300, { type: 'preflight.check', check: { id: 'kubectl', label: 'kubectl context', status: 'pass', detail: 'simulator' } });
  log.add(400, { type: 'preflight.check', check: { id: 'gpu', label: 'GPU capacity', status: 'pass', detail: '1× A10 free' } });
  log.add(500, { type: 'stage.ended', stage: 'preflight', ok: true });
  log.add(1_000, { type: 'stage.started', stage: 'deploy' });
  log.add(1_000, { type: 'cluster.signal', signal: { kind: 'release.submitted', release: 'nimble-llama', revision: 1 } });
  const res = (id: string, priceItem: string, quantity: number, label: string) => ({ id, priceItem, quantity, label });
  log.add(1_000, { type: 'cluster.signal', signal: { kind: 'resource', action: 'start', resource: res('gpu-node', 'VM.GPU.A10.1', 1, '1× GPU on VM.GPU.A10.1') } });
  log.add(1_000, { type: 'cluster.signal', signal: { kind: 'resource', action: 'start', resource: res('pvc', 'block-volume-gb-month', 54, 'model cache 50 GiB') } });
  log.add(2_000, { type: 'cluster.signal', signal: { kind: 'service.created', service: 'nimble-llama', type: 'LoadBalancer' } });
  log.add(2_000, { type: 'cluster.signal', signal: { kind: 'resource', action: 'start', resource: res('lb', 'oci-flexible-lb', 1, 'load balancer') } });
  log.add(21_000, { type: 'cluster.signal', signal: { kind: 'pod.scheduled', pod: 'nimble-llama-0', node: '10.0.10.7' } });
  log.add(22_000, { type: 'cluster.signal', signal: { kind: 'image.pulling', image: 'nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3' } });
  log.add(96_000, { type: 'cluster.signal', signal: { kind: 'image.pulled', image: 'nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3', cached: false, message: 'pulled 12.4 GB in 74 s' } });
  log.add(97_000, { type: 'cluster.signal', signal: { kind: 'container.started', pod: 'nimble-llama-0', container: 'nim', restarts: 0 } });
  log.add(98_000, { type: 'cluster.signal', signal: { kind: 'nim.log', pod: 'nimble-llama-0', line: 'Preparing model workspace. This step might download additional files to run the model.' } });
  log.add(110_000, { type: 'cluster.signal', signal: { kind: 'lb.ready', service: 'nimble-llama', address: '129.146.22.81' } });
  log.add(151_000, { type: 'cluster.signal', signal: { kind: 'nim.log', pod: 'nimble-llama-0', line: 'Model workspace is now ready. It took 53.1 seconds' } });
  log.add(260_000, { type: 'cluster.signal', signal: { kind: 'nim.log', pod: 'nimble-llama-0', line: 'Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)' } });
  log.add(262_000, { type: 'cluster.signal', signal: { kind: 'k8s.event', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', object: 'pod/nimble-llama-0', type: 'Warning', count: 3 } });
  log.add(401_000, { type: 'cluster.signal', signal: { kind: 'pod.ready', pod: 'nimble-llama-0', ready: true } });
  log.add(412_000, { type: 'cluster.signal', signal: { kind: 'health.probe', url: 'http://129.146.22.81/v1/health/ready', status: 200, ready: true } });
  log.add(412_000, { type: 'endpoint', endpoint: { baseUrl: 'http://127.0.0.1:41807', via: 'simulator' } });
  log.add(412_000, { type: 'stage.ended', stage: 'deploy', ok: true });

  log.add(412_500, { type: 'stage.started', stage: 'smoke' });
  log.add(412_520, { type: 'smoke.check', check: { name: 'ready', ok: true, ms: 18, detail: 'HTTP 200' } });
  log.add(412_540, { type: 'smoke.check', check: { name: 'models', ok: true, ms: 21, detail: 'meta/llama-3.1-8b-instruct' } });
  log.add(414_500, { type: 'smoke.check', check: { name: 'chat', ok: true, ms: 1930, detail: 'TTFT 84 ms, 64 tokens, 35.1 tok/s' } });
  log.add(414_530, { type: 'smoke.check', check: { name: 'metrics', ok: true, ms: 24, detail: 'NIM metrics, 41 series' } });
  log.add(414_600, { type: 'stage.ended', stage: 'smoke', ok: true });

  let t = 415_000;
  log.add(t, { type: 'stage.started', stage: 'sweep' });
  log.add(t, { type: 'sweep.started', shapes: ['support', 'summary', 'coding'], maxConcurrency: 256 });
  for (const shape of ['support', 'summary', 'coding'] as const) {
    for (const spec of SAMPLE_LEVELS[shape]) {
      log.add(t, { type: 'level.started', shape, concurrency: spec.c });
      for (let k = 1; k <= 3; k++) {
        const waiting = spec.queued ? Math.round((spec.c / 4) * k / 3) : 0;
        log.add(t + k * 3_000, { type: 'server.sample', sample: { t: t + k * 3_000, engine: 'nim', running: Math.min(spec.c, 48), waiting, kvCache: (spec.kv ?? 0.2) * (0.8 + k * 0.07) } });
      }
      t += 12_000;
      log.add(t, { type: 'level.finished', level: level(spec) });
    }
  }
  log.add(t, { type: 'sweep.finished', shape: 'support', breakingPoint: { shape: 'support', lastPassing: 48, firstFailing: 56, rule: 'ttft', resolution: 8, limitedBy: 'queueing' }, economics: { outputTokPerSPerGpu: 790, usdPerMillionOutputTokens: 0.7, usersPerGpuDollar: 24, priceTable: 'oci-list-2026-01' } });
  log.add(t, { type: 'sweep.finished', shape: 'summary', breakingPoint: { shape: 'summary', lastPassing: 8, firstFailing: 12, rule: 'queue', resolution: 4, limitedBy: 'kv-cache' }, economics: { outputTokPerSPerGpu: 196, usdPerMillionOutputTokens: 2.83, usersPerGpuDollar: 4, priceTable: 'oci-list-2026-01' } });
  log.add(t, { type: 'sweep.finished', shape: 'coding', breakingPoint: { shape: 'coding', lastPassing: 32, firstFailing: 64, rule: 'queue', resolution: 32, limitedBy: 'decode-speed' }, economics: { outputTokPerSPerGpu: 683, usdPerMillionOutputTokens: 0.81, usersPerGpuDollar: 16, priceTable: 'oci-list-2026-01' } });
  log.add(t, { type: 'stage.ended', stage: 'sweep', ok: true });

  log.add(t + 500, { type: 'stage.started', stage: 'cleanup' });
  log.add(t + 8_000, { type: 'cluster.signal', signal: { kind: 'cleanup.step', step: 'release', done: true, detail: 'helm uninstall nimble-llama' } });
  log.add(t + 30_000, { type: 'cluster.signal', signal: { kind: 'cleanup.step', step: 'pods', done: true, detail: 'pod nimble-llama-0 gone' } });
  log.add(t + 30_000, { type: 'cluster.signal', signal: { kind: 'resource', action: 'stop', resource: res('gpu-node', 'VM.GPU.A10.1', 1, '1× GPU on VM.GPU.A10.1') } });
  log.add(t + 52_000, { type: 'cluster.signal', signal: { kind: 'cleanup.step', step: 'service', done: true, detail: 'LB released' } });
  log.add(t + 52_000, { type: 'cluster.signal', signal: { kind: 'resource', action: 'stop', resource: res('lb', 'oci-flexible-lb', 1, 'load balancer') } });
  log.add(t + 53_000, { type: 'cluster.signal', signal: { kind: 'cleanup.step', step: 'pvc', done: true, detail: 'kept nimble-llama-cache (KEEP_CACHE)' } });
  log.add(t + 53_000, { type: 'cluster.signal', signal: { kind: 'resource', action: 'stop', resource: res('pvc', 'block-volume-gb-month', 54, 'model cache 50 GiB') } });
  log.add(t + 54_000, { type: 'cleanup.finished', report: { ok: true, leftovers: [], keptCache: { claim: 'nimble-llama-cache', sizeGi: 50, monthlyUsd: 2.28 } } });
  log.add(t + 54_000, { type: 'stage.ended', stage: 'cleanup', ok: true });
  log.add(t + 54_100, { type: 'stage.started', stage: 'summary' });
  log.add(t + 54_200, { type: 'session.ended', status: 'completed' });
  return log.events;
}

/** Events up to and including session time `t`. */
export function eventsUntil(events: NimbleEvent[], t: number): NimbleEvent[] {
  return events.filter((e) => e.t <= t);
}

/** Events up to (excluding) the first event matching `pred`. */
export function eventsBefore(events: NimbleEvent[], pred: (e: NimbleEvent) => boolean): NimbleEvent[] {
  const i = events.findIndex(pred);
  return i < 0 ? events : events.slice(0, i);
}

/** A cluster deploy whose image pull fails on credentials. */
export function failedDeployEvents(): NimbleEvent[] {
  const log = new EventLog();
  log.add(0, { type: 'session.started', meta: { ...SIM_META, id: 'failed-pull', mode: 'cluster', sim: undefined, context: 'oke-prod', namespace: 'nimble', targetTier: 'typical' } });
  log.add(500, { type: 'stage.started', stage: 'deploy' });
  log.add(500, { type: 'cluster.signal', signal: { kind: 'release.submitted', release: 'nimble-llama' } });
  log.add(500, { type: 'cluster.signal', signal: { kind: 'resource', action: 'start', resource: { id: 'gpu-node', priceItem: 'VM.GPU.A10.1', quantity: 1, label: '1× GPU on VM.GPU.A10.1' } } });
  log.add(40_000, { type: 'cluster.signal', signal: { kind: 'pod.scheduled', pod: 'nimble-llama-0', node: '10.0.10.9' } });
  log.add(41_000, { type: 'cluster.signal', signal: { kind: 'image.pulling', image: 'nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3' } });
  log.add(52_000, { type: 'cluster.signal', signal: { kind: 'k8s.event', reason: 'Failed', message: 'Failed to pull image: unauthorized: authentication required', object: 'pod/nimble-llama-0', type: 'Warning' } });
  log.add(53_000, {
    type: 'cluster.signal',
    signal: {
      kind: 'failure',
      diagnosis: {
        id: 'image-pull-auth',
        title: 'Image pull refused: NGC credentials',
        evidence: 'Failed to pull image "nvcr.io/nim/meta/llama-3.1-8b-instruct:1.3.3": unauthorized: authentication required',
        fix: 'Create the ngc-secret image pull secret with your NGC API key (username $oauthtoken), then rerun.',
        fatal: true,
      },
    },
  });
  log.add(53_000, { type: 'error', message: 'Deploy failed: image pull refused (NGC credentials)', hint: 'see the diagnosis on the timeline', where: 'deploy' });
  log.add(53_000, { type: 'stage.ended', stage: 'deploy', ok: false, note: 'image-pull-auth' });
  return log.events;
}
