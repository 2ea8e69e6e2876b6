// Recorded-looking sessions for tests and demos: the event sequence a simulator cycle emits, with
// phase durations chosen per tier profile. Not used by the product itself.

import { deploymentResources } from '../core/cost.ts';
import type { DeploySpec } from '../core/cluster.ts';
import type { EventBody, NimbleEvent, SessionMeta } from '../core/events.ts';
import type { LevelResult, Percentiles, ShapeId } from '../core/sweep-types.ts';
import type { TierId } from '../core/tiers.ts';
import { testDeploySpec } from '../core/testing.ts';

const MIN = 60_000;

/** Phase minutes per profile: gpuNode, imagePull, modelDownload, nimStartup, healthCheck, lb, cleanup. */
const PROFILE_MIN: Record<TierId, number[]> = {
  ultra: [0.2, 0.4, 0.4, 2.5, 0.3, 1.5, 0.8],
  fast: [0.4, 1.8, 0.9, 4.8, 0.8, 2.5, 1.5],
  typical: [4, 6, 4, 5.5, 0.5, 0.8, 2.5],
  slow: [9, 13, 9, 8, 0.9, 2.8, 4.5],
};

function pct(p50: number, p95: number, n = 100): Percentiles {
  return { n, mean: p50, p50, p90: (p50 + p95) / 2, p95, p99: p95 * 1.1, min: p50 * 0.6, max: p95 * 1.3 };
}

export function fixtureLevel(shape: ShapeId, concurrency: number, ttftP95Ms: number, outTokPerS: number): LevelResult {
  const brk = ttftP95Ms > 2000;
  return {
    shape,
    concurrency,
    windowMs: 30_000,
    completed: 100,
    failed: 0,
    errorsByClass: {},
    successRate: 1,
    ttft: pct(ttftP95Ms * 0.7, ttftP95Ms),
    tpot: pct(20 + concurrency, 25 + concurrency),
    itl: pct(20 + concurrency, 25 + concurrency),
    e2el: pct(3000, 4000),
    reqPerS: concurrency * 0.5,
    outputTokPerS: outTokPerS,
    totalTokPerS: outTokPerS * 2,
    goodput: brk ? 0 : concurrency * 0.5,
    tokenSource: 'usage',
    meanOutputTokens: 128,
    meanPromptTokens: 256,
    server: { samples: 30, queuedShare: brk ? 0.8 : 0, waitingMax: brk ? 4 : 0, runningMax: concurrency, kvCacheMax: 0.3, engine: 'nim' },
    valid: true,
    invalidReasons: [],
    verdict: brk ? 'break' : 'pass',
    brokeBy: brk ? ['ttft'] : [],
    grades: { ttft: brk ? 'degraded' : 'acceptable', outputSpeed: 'excellent', kvCache: 'excellent', success: 'excellent' },
    stopReason: 'min requests reached',
  };
}

export interface FixtureOptions {
  id?: string;
  profile?: TierId;
  startedAt?: string;
  /** TTFT p95 per concurrency level (1, 2, 4, ...); the first over 2 s is the break. */
  ttftP95?: number[];
  keepCache?: boolean;
  cachedModel?: boolean;
  gpuShape?: string;
  /** Stop after this many events, as if the process were killed. */
  killAfter?: number;
  /** An API key the run held in memory (it must not reach the files). */
  apiKey?: string;
  sweepFailed?: boolean;
}

export function fixtureSpec(o: FixtureOptions = {}): DeploySpec {
  return testDeploySpec({
    release: 'nimble-llm',
    namespace: 'nimble',
    imageTag: '1.8.0',
    gpuShape: o.gpuShape ?? 'VM.GPU.A10.1',
    cache: { keep: o.keepCache ?? false, sizeGi: 50, storageClass: 'oci-bv' },
    levers: { cachedModel: o.cachedModel ?? false, prePulledImage: false, warmNode: false, parallelLoadBalancer: true, sizedProbes: true },
    env: o.apiKey ? { NGC_API_KEY: o.apiKey } : undefined,
  });
}

export function fixtureEvents(o: FixtureOptions = {}): NimbleEvent[] {
  const profile = o.profile ?? 'fast';
  const id = o.id ?? `2026-11-23T11-42-05Z-sim-${profile.slice(0, 4)}`;
  const spec = fixtureSpec(o);
  const meta: SessionMeta = {
    id,
    nimbleVersion: '0.1.0',
    mode: 'sim',
    startedAt: o.startedAt ?? '2026-11-23T11:42:05.000Z',
    spec,
    sim: { profile, timeScale: 60, seed: 7, nimProfile: 'a10-24gb-llama-3.1-8b' },
    model: spec.model,
    gpuShape: spec.gpuShape,
    gpuCount: 1,
    priceTable: 'oci-list-2026-01',
    targetTier: profile,
    context: 'simulator',
    namespace: 'nimble',
    flags: { profile, 'time-scale': 60 },
    shapes: ['support'],
  };
  const [node, pull, dl, startup, health, lb, clean] = PROFILE_MIN[profile].map((m) => m * MIN);
  const out: NimbleEvent[] = [];
  let seq = 0;
  const push = (t: number, body: EventBody) => out.push({ ...body, seq: seq++, t, wall: Math.round(t / 60) } as NimbleEvent);
  const sig = (t: number, signal: Extract<EventBody, { type: 'cluster.signal' }>['signal']) => push(t, { type: 'cluster.signal', signal });

  push(0, { type: 'session.started', meta });
  push(0, { type: 'stage.started', stage: 'deploy' });
  let t = 1000;
  sig(t, { kind: 'release.submitted', release: spec.release });
  for (const r of deploymentResources(spec)) sig(t, { kind: 'resource', resource: r, action: 'start' });
  sig(t, { kind: 'service.created', service: 'nimble-llm', type: 'LoadBalancer' });
  const lbAt = t + lb;
  t += node;
  sig(t, { kind: 'pod.scheduled', pod: 'nimble-llm-0', node: 'gpu-node-1' });
  sig(t, { kind: 'image.pulling', image: spec.image });
  if (o.apiKey) push(t, { type: 'log', source: 'helm', level: 'info', line: `using NGC_API_KEY=${o.apiKey} Authorization: Bearer ${o.apiKey}` });
  t += pull;
  sig(t, { kind: 'image.pulled', image: spec.image, cached: false, message: 'Successfully pulled image' });
  sig(t, { kind: 'container.started', pod: 'nimble-llm-0', container: 'nim', restarts: 0 });
  sig(t, { kind: 'nim.log', pod: 'nimble-llm-0', line: 'Preparing model workspace' });
  t += dl;
  sig(t, { kind: 'nim.log', pod: 'nimble-llm-0', line: 'Model workspace is now ready. It took 52.1 seconds' });
  if (lbAt <= t) sig(lbAt, { kind: 'lb.ready', service: 'nimble-llm', address: '10.0.0.5' });
  t += startup;
  sig(t, { kind: 'pod.ready', pod: 'nimble-llm-0', ready: true });
  if (lbAt > t) {
    t = lbAt;
    sig(t, { kind: 'lb.ready', service: 'nimble-llm', address: '10.0.0.5' });
  }
  t += health;
  sig(t, { kind: 'health.probe', url: 'http://10.0.0.5/v1/health/ready', status: 200, ready: true });
  push(t, { type: 'endpoint', endpoint: { baseUrl: 'http://10.0.0.5', via: 'load-balancer' } });
  push(t, { type: 'stage.ended', stage: 'deploy', ok: true });
  push(t, { type: 'stage.started', stage: 'smoke' });
  for (const name of ['ready', 'models', 'chat', 'metrics'] as const) {
    t += 2000;
    push(t, { type: 'smoke.check', check: { name, ok: true, ms: 120, detail: 'ok' } });
  }
  push(t, { type: 'stage.ended', stage: 'smoke', ok: true });
  push(t, { type: 'stage.started', stage: 'sweep' });
  push(t, { type: 'sweep.started', shapes: ['support'], maxConcurrency: 64 });
  const ttfts = o.ttftP95 ?? [150, 170, 220, 400, 900, 2600];
  let lastPassing = 0;
  let firstFailing: number | null = null;
  for (let i = 0; i < ttfts.length; i++) {
    const c = 2 ** i;
    push(t, { type: 'level.started', shape: 'support', concurrency: c });
    t += 10_000;
    push(t, { type: 'level.progress', progress: { shape: 'support', concurrency: c, phase: 'measuring', inFlight: c, completed: 50, failed: 0, ttftP95: ttfts[i], elapsedMs: 10_000 } });
    t += 10_000;
    const level = fixtureLevel('support', c, ttfts[i], 40 * Math.min(c, 12));
    push(t, { type: 'level.finished', level });
    if (level.verdict === 'break') {
      firstFailing = c;
      break;
    }
    lastPassing = c;
  }
  push(t, {
    type: 'sweep.finished',
    shape: 'support',
    breakingPoint: { shape: 'support', lastPassing, firstFailing, rule: firstFailing ? 'ttft' : null, resolution: lastPassing, limitedBy: firstFailing ? 'queueing' : 'max-concurrency' },
    economics: { outputTokPerSPerGpu: 40 * Math.min(lastPassing, 12), usdPerMillionOutputTokens: 2 / (3600 * 40 * Math.min(lastPassing, 12)) * 1e6, usersPerGpuDollar: lastPassing / 2, priceTable: 'oci-list-2026-01' },
  });
  push(t, { type: 'stage.ended', stage: 'sweep', ok: !o.sweepFailed });
  push(t, { type: 'stage.started', stage: 'cleanup' });
  t += clean;
  for (const r of deploymentResources(spec)) {
    if (r.id === 'pvc' && spec.cache.keep) continue;
    sig(t, { kind: 'resource', resource: r, action: 'stop' });
  }
  push(t, {
    type: 'cleanup.finished',
    report: { ok: true, leftovers: [], keptCache: spec.cache.keep ? { claim: 'nimble-cache', sizeGi: 50, monthlyUsd: 2.28 } : undefined },
  });
  push(t, { type: 'stage.ended', stage: 'cleanup', ok: true });
  push(t, { type: 'session.ended', status: o.sweepFailed ? 'failed' : 'completed' });
  return o.killAfter !== undefined ? out.slice(0, o.killAfter) : out;
}
