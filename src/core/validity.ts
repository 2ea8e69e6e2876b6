// Whether a level's numbers can be taken as truth, and whether this client could drive it: the
// validity checks the sweep applies to every level (src/core/sweep.ts). Pure.
import type { LevelMeasurement } from './sweep.ts';
import type { ServerSample } from './sweep-types.ts';

export interface ValidityConfig {
  /** Worker event-loop delay p99 above this makes timestamps untrustworthy. */
  maxLagMs: number;
  /** Client time-averaged in-flight below this share of N: the client did not hold N users. */
  minInFlightShare: number;
  /** Little's law tolerance. */
  littleTolerance: number;
  /** Client vs server in-flight disagreement allowed: max(abs, share·N). */
  serverDisagreeAbs: number;
  serverDisagreeShare: number;
  /** Delivered output length allowed off the requested length by this share. */
  outputLengthTolerance: number;
  /**
   * The load worker's thread busy more than this share of the window: it sets the pace, not the
   * server. Also the ceiling the runner projects before climbing to a level.
   */
  maxClientBusy: number;
}

export const DEFAULT_VALIDITY: ValidityConfig = {
  maxLagMs: 25,
  minInFlightShare: 0.9,
  littleTolerance: 0.1,
  serverDisagreeAbs: 2,
  serverDisagreeShare: 0.1,
  outputLengthTolerance: 0.1,
  maxClientBusy: 0.85,
};

/** What to do when this machine cannot drive the load (shown with every client-limited answer). */
export const CLIENT_LIMIT_ADVICE = 'use fewer streams (--max-concurrency), run nimble on a machine with free cores, or load the server from inside its cluster';

export interface ServerWindow {
  samples: number;
  queuedShare: number | null;
  waitingMax: number | null;
  runningMax: number | null;
  kvCacheMax: number | null;
  engine: ServerSample['engine'];
  /** Mean of running + waiting over samples that have both. */
  busyMean: number | null;
}

export function summarizeServer(samples: ServerSample[]): ServerWindow {
  const engine = samples.find((s) => s.engine !== 'unknown')?.engine ?? (samples[0]?.engine ?? 'unknown');
  const waits = samples.map((s) => s.waiting).filter((v): v is number => v !== null);
  const runs = samples.map((s) => s.running).filter((v): v is number => v !== null);
  const kvs = samples.map((s) => s.kvCache).filter((v): v is number => v !== null);
  const both = samples.filter((s) => s.running !== null && s.waiting !== null);
  return {
    samples: samples.length,
    queuedShare: waits.length ? waits.filter((w) => w > 0).length / waits.length : null,
    waitingMax: waits.length ? Math.max(...waits) : null,
    runningMax: runs.length ? Math.max(...runs) : null,
    kvCacheMax: kvs.length ? Math.max(...kvs) : null,
    engine,
    busyMean: both.length ? both.reduce((a, s) => a + s.running! + s.waiting!, 0) / both.length : null,
  };
}

/**
 * Reasons this client (the machine running nimble) could not drive the level faithfully: its event
 * loop lagged, it was busy nearly all the time, or it did not hold N requests in flight.
 */
export function clientLimitReasons(m: LevelMeasurement, v: ValidityConfig = DEFAULT_VALIDITY): string[] {
  const out: string[] = [];
  const N = m.concurrency;
  if (m.lagP99Ms > v.maxLagMs) out.push(`load generator event loop lagged ${m.lagP99Ms.toFixed(1)} ms (p99) — over ${v.maxLagMs} ms, timestamps are unreliable; lower the concurrency or free the CPU`);
  if (m.clientBusyShare !== undefined && m.measured && m.clientBusyShare > v.maxClientBusy)
    out.push(`load generator busy ${(m.clientBusyShare * 100).toFixed(0)}% of the window — over ${(v.maxClientBusy * 100).toFixed(0)}%, it sets the pace, not the server`);
  if (m.maxInFlight < N) out.push(`in-flight requests never reached ${N} (max ${m.maxInFlight})`);
  else if (m.measured && m.meanInFlight < v.minInFlightShare * N) out.push(`client held only ${m.meanInFlight.toFixed(1)} of ${N} requests in flight on average — the client, not the server, is the bottleneck`);
  return out;
}

/** Reasons the level's numbers cannot be taken as truth (empty when valid). */
export function validityReasons(m: LevelMeasurement, server: ServerWindow, v: ValidityConfig = DEFAULT_VALIDITY): string[] {
  const out: string[] = clientLimitReasons(m, v);
  const N = m.concurrency;
  if (!m.measured && !m.decidedInWarmup) out.push('no measured window: the level stopped during warm-up');
  const done = m.completed + m.failed;
  // Little's law: N ≈ X·R. Window edges add noise of about 1/(c·√(6N)) with c completions per
  // user, so it is judged only where that noise is under a third of the tolerance (done ≥ 12·√N at 10%).
  if (m.measured && m.windowMs > 0 && done >= (0.3 / v.littleTolerance) * 4 * Math.sqrt(N)) {
    const L = (done / (m.windowMs / 1000)) * (m.allDoneMeanMs / 1000);
    if (Math.abs(L - N) / N > v.littleTolerance) out.push(`Little's law off: throughput × latency = ${L.toFixed(2)} in flight, but ${N} users were running (${(((L - N) / N) * 100).toFixed(0)}%)`);
  }
  if (server.busyMean !== null && m.measured) {
    const allowed = Math.max(v.serverDisagreeAbs, v.serverDisagreeShare * N);
    if (Math.abs(server.busyMean - m.meanInFlight) > allowed)
      out.push(`server reports ${server.busyMean.toFixed(1)} running + waiting, client had ${m.meanInFlight.toFixed(1)} in flight — another client on the endpoint, or requests lost on the way`);
  }
  if (m.completed > 0 && m.requestedOutputTokens > 0) {
    const meanOut = m.outputTokens / m.completed;
    if (Math.abs(meanOut - m.requestedOutputTokens) / m.requestedOutputTokens > v.outputLengthTolerance)
      out.push(`server delivered ${meanOut.toFixed(1)} output tokens per request on average, ${m.requestedOutputTokens} requested (by ${m.tokenSource === 'usage' ? 'server usage' : 'chunk count'}) — output length not honoured`);
  }
  return out;
}


/** What the last faithfully driven level cost this client, to project the next one. */
export interface ClientCost {
  concurrency: number;
  /** Busy share of the load worker's thread over the window (0..1). */
  busy: number;
  usPerToken: number | null;
}

/**
 * Would this client still drive n users faithfully? Its busy share grows with the streams it
 * serves (about linearly: each streamed token costs the same CPU), so the projection is
 * busy × n / N. A reason when it would pass the limit, null when n is fine.
 */
export function clientRefusal(last: ClientCost | null, n: number, v: Pick<ValidityConfig, 'maxClientBusy'> = DEFAULT_VALIDITY): string | null {
  if (!last || n <= last.concurrency || !(last.busy > 0)) return null;
  const projected = (last.busy * n) / last.concurrency;
  if (projected <= v.maxClientBusy) return null;
  const users = (k: number) => `${k} user${k === 1 ? '' : 's'}`;
  const cost = last.usPerToken === null ? '' : `, ${last.usPerToken.toFixed(0)} µs CPU per streamed token`;
  return `${users(n)} would keep the load generator ~${Math.round(projected * 100)}% busy (measured ${Math.round(last.busy * 100)}% at ${users(last.concurrency)}${cost}) — over its ${Math.round(v.maxClientBusy * 100)}% limit, so ${n} was not measured`;
}
