// The coordinator ↔ loader protocol: one JSON object per line over one TCP stream (reached through
// `kubectl port-forward` for pods, loopback for local processes). Timings travel as whole
// microseconds (the clocks' own resolution), so a line stays short: about 6 bytes per streamed
// token (its inter-token gap) plus ~100 bytes per request.
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
  | { t: 'measured'; id: number; m: LevelMeasurement; samples: RawSamples | null }
  | { t: 'log'; level: 'info' | 'warn' | 'error'; line: string }
  | { t: 'error'; message: string };

export const toUs = (a: ArrayLike<number>): number[] => Array.from(a, (x) => Math.round(x * 1000));
export const fromUs = (a: number[]): number[] => a.map((x) => x / 1000);

export function encodeSamples(s: RawSamples): RawSamples {
  return { ttft: toUs(s.ttft), tpot: toUs(s.tpot), e2el: toUs(s.e2el), itl: toUs(s.itl) };
}
export function decodeSamples(s: RawSamples): RawSamples {
  return { ttft: fromUs(s.ttft), tpot: fromUs(s.tpot), e2el: fromUs(s.e2el), itl: fromUs(s.itl) };
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
