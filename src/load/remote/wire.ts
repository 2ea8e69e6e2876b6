// The coordinator ↔ loader protocol: one JSON object per line over one TCP stream (reached through
// `kubectl port-forward` for pods, loopback for local processes). Timings travel as whole
// microseconds (the clocks' own resolution): about 20 bytes per request, and inter-token gaps as
// an exact 1 µs histogram whose size follows their spread rather than the number of tokens.
import type { Socket } from 'node:net';
import type { LevelMeasurement } from '../../core/sweep.ts';
import type { LevelConfig, RawSamples, WorkerInit, WorkerProgress } from '../protocol.ts';

export const PROTOCOL_VERSION = 1;
/** Default port a loader pod listens on (inside the pod only; reached through port-forward). */
export const LOADER_PORT = 9400;
/** A line longer than this is a broken peer, not a measurement: the link is dropped. */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

export type ToLoader =
  | { t: 'init'; init: WorkerInit }
  | { t: 'level'; cfg: LevelConfig }
  | { t: 'stop'; id: number; reason: string }
  /** End the engine and the process (a pod then completes and stops billing). */
  | { t: 'exit' };

export type FromLoader =
  | { t: 'hello'; version: number; index: number; pid: number; cpus: number; node: string }
  | { t: 'ready' }
  | { t: 'progress'; p: WorkerProgress }
  | { t: 'measured'; id: number; m: LevelMeasurement; samples: WireSamples | null }
  | { t: 'log'; level: 'info' | 'warn' | 'error'; line: string }
  | { t: 'error'; message: string };

export const toUs = (a: ArrayLike<number>): number[] => Array.from(a, (x) => Math.round(x * 1000));
export const fromUs = (a: number[]): number[] => a.map((x) => x / 1000);

/**
 * On the wire: TTFT, TPOT and E2E latency as whole microseconds, one per request; inter-token gaps
 * (one per token, the bulk) as a histogram with 1 µs bins — sorted, delta-coded (value step,
 * count) pairs. Exact: the coordinator expands it back to the same µs values, so percentiles over
 * the union are unchanged; and its size grows with the spread of the gaps, not with the token count.
 */
export interface WireSamples {
  ttft: number[];
  tpot: number[];
  e2el: number[];
  itlHist: number[];
}

export function encodeSamples(s: RawSamples): WireSamples {
  const itl = Float64Array.from(s.itl, (x) => Math.round(x * 1000)).sort();
  const itlHist: number[] = [];
  let prev = 0;
  for (let i = 0; i < itl.length; ) {
    let j = i;
    while (j < itl.length && itl[j] === itl[i]) j++;
    itlHist.push(itl[i] - prev, j - i);
    prev = itl[i];
    i = j;
  }
  return { ttft: toUs(s.ttft), tpot: toUs(s.tpot), e2el: toUs(s.e2el), itlHist };
}

export function decodeSamples(s: WireSamples): RawSamples {
  const itl: number[] = [];
  let v = 0;
  for (let i = 0; i + 1 < s.itlHist.length; i += 2) {
    v += s.itlHist[i];
    for (let c = 0; c < s.itlHist[i + 1]; c++) itl.push(v / 1000);
  }
  return { ttft: fromUs(s.ttft), tpot: fromUs(s.tpot), e2el: fromUs(s.e2el), itl };
}

/** Splits a byte stream into JSON lines; calls onError once for an over-long or unparsable line. */
export function lineReader(onMessage: (msg: unknown) => void, onError: (message: string) => void): (chunk: Buffer) => void {
  let parts: Buffer[] = [];
  let size = 0;
  let failed = false;
  return (chunk: Buffer) => {
    if (failed) return;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      parts.push(chunk.subarray(start, nl));
      const line = Buffer.concat(parts).toString('utf8');
      parts = [];
      size = 0;
      start = nl + 1;
      if (!line.trim()) continue;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        failed = true;
        onError(`not a protocol line (${line.length} bytes, starts ${JSON.stringify(line.slice(0, 40))})`);
        return;
      }
      onMessage(msg);
    }
    if (start < chunk.length) {
      parts.push(chunk.subarray(start));
      size += chunk.length - start;
      if (size > MAX_LINE_BYTES) {
        failed = true;
        onError(`a protocol line exceeded ${MAX_LINE_BYTES} bytes`);
      }
    }
  };
}

export function send(socket: Socket, msg: ToLoader | FromLoader): boolean {
  if (socket.destroyed || !socket.writable) return false;
  return socket.write(JSON.stringify(msg) + '\n');
}

/** Applies NIMBLE_LOADER_HOSTS to the target URL. */
export function mapHost(baseUrl: string, hosts = process.env.NIMBLE_LOADER_HOSTS ?? ''): string {
  const url = new URL(baseUrl);
  for (const pair of hosts.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, ip] = pair.split('=');
    if (name && ip && url.hostname === name) url.hostname = ip;
  }
  return url.href.replace(/\/$/, '');
}
