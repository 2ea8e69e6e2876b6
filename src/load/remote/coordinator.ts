// The coordinator's side of remote load: a LevelEngine over N loader connections. A level of C
// users is split across the loaders; their progress is merged for the sweep's stop decision and
// their samples merged into one measurement. A loader that disconnects or falls silent mid-level
// is lost: the level is finished with the others (marked: its users are missing, so it is
// INVALID), and `lost` tells the sweep to stop cleanly.
import { connect, type Socket } from 'node:net';
import { EMPTY_PERCENTILES } from '../../core/stats.ts';
import { mergeParts, mergeProgress, splitLevel, type LoaderProgress, type Part } from '../../core/load-split.ts';
import { DEFAULT_VALIDITY, type LevelMeasurement } from '../../core/sweep.ts';
import type { LevelEngine, LevelRunHandle } from '../level-engine.ts';
import type { LevelConfig, WorkerInit, WorkerProgress } from '../protocol.ts';
import { decodeSamples, fromUs, lineReader, PROTOCOL_VERSION, send, type FromLoader } from './wire.ts';

type Log = (level: 'info' | 'warn' | 'error', line: string) => void;

export interface LoaderAddress {
  /** How the user knows it: "pod nimble-loader-0-abc" or "process 1234". */
  name: string;
  host: string;
  port: number;
  /**
   * Called before each connection attempt (e.g. restarts a `kubectl port-forward` that exited
   * because the loader was not listening yet); returns where to connect.
   */
  resolve?: () => Promise<{ host: string; port: number }>;
}

interface Link {
  name: string;
  socket: Socket;
  alive: boolean;
  lastHeard: number;
  onMessage?: (m: FromLoader) => void;
  onClose?: (why: string) => void;
}

/**
 * Connects to a loader and waits for its hello, retrying until `timeoutMs` (a port-forward accepts
 * before the process in the pod listens).
 */
export async function connectLoader(addr: LoaderAddress, timeoutMs = 30_000): Promise<Link> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    try {
      const at = addr.resolve ? { ...addr, ...(await addr.resolve()) } : addr;
      return await connectOnce(at, Math.max(1000, Math.min(10_000, until - performance.now())));
    } catch (err) {
      if (performance.now() >= until || /another protocol|already has a coordinator/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function connectOnce(addr: LoaderAddress, timeoutMs: number): Promise<Link> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: addr.host, port: addr.port });
    socket.setNoDelay(true);
    const link: Link = { name: addr.name, socket, alive: true, lastHeard: performance.now() };
    const timer = setTimeout(() => fail(`${addr.name} did not answer within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(why));
    };
    let greeted = false;
    socket.on(
      'data',
      lineReader(
        (raw) => {
          link.lastHeard = performance.now();
          const m = raw as FromLoader;
          if (!greeted) {
            if (m.t === 'error') return fail(`${addr.name}: ${m.message}`);
            if (m.t !== 'hello' || m.version !== PROTOCOL_VERSION) return fail(`${addr.name} speaks another protocol (${JSON.stringify(m).slice(0, 80)})`);
            greeted = true;
            clearTimeout(timer);
            return resolve(link);
          }
          link.onMessage?.(m);
        },
        (e) => socket.destroy(new Error(e)),
      ),
    );
    socket.on('error', (err) => (greeted ? undefined : fail(`${addr.name}: ${err.message}`)));
    socket.on('close', () => {
      if (!greeted) return fail(`${addr.name} closed the connection`);
      if (!link.alive) return;
      link.alive = false;
      link.onClose?.('connection closed');
    });
  });
}

function emptyMeasurement(cfg: Omit<LevelConfig, 'id'>): LevelMeasurement {
  return {
    shape: cfg.shape, concurrency: cfg.concurrency, measured: false, windowMs: 0, completed: 0, failed: 0, errorsByClass: {},
    ttft: { ...EMPTY_PERCENTILES }, tpot: { ...EMPTY_PERCENTILES }, itl: { ...EMPTY_PERCENTILES }, e2el: { ...EMPTY_PERCENTILES },
    allDoneMeanMs: 0, outputTokens: 0, promptTokens: 0, goodCount: 0, tokenSource: 'usage', maxInFlight: 0, meanInFlight: 0,
    lagP99Ms: 0, lagMaxMs: 0, stopReason: '', requestedOutputTokens: cfg.forceLength ? cfg.outputTokens : 0, requestedPromptTokens: cfg.promptTokens, notes: [],
  };
}

export class RemoteLoadEngine implements LevelEngine {
  lost: string | null = null;
  /** Bytes received from the loaders so far (the channel's bandwidth, for the benchmark). */
  get bytesIn(): number {
    return this.links.reduce((a, l) => a + l.socket.bytesRead, 0);
  }
  private nextId = 1;
  private busy = false;
  /** Loaders with users in the level being run: only they must speak (a loader with no share is silent). */
  private inLevel: Set<Link> = new Set();
  private readonly silenceMs: number;
  private watchdog: NodeJS.Timeout;

  private constructor(private readonly links: Link[], private readonly progressMs: number, private readonly log: Log) {
    // A loader that says nothing for this long during a level is as good as gone.
    this.silenceMs = Math.max(10_000, 25 * progressMs);
    this.watchdog = setInterval(() => {
      if (!this.busy) return;
      const t = performance.now();
      for (const l of this.inLevel) if (l.alive && t - l.lastHeard > this.silenceMs) l.socket.destroy();
    }, 1000);
    this.watchdog.unref();
    for (const l of links) {
      l.onClose = (why) => this.markLost(l, why);
      l.socket.on('error', () => {});
    }
  }

  /** Connects to every loader, sends the target, and resolves once all are ready. */
  static async open(addrs: LoaderAddress[], init: WorkerInit, log: Log): Promise<RemoteLoadEngine> {
    const settled = await Promise.allSettled(addrs.map((a) => connectLoader(a)));
    const links = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
    if (failed.length) {
      for (const l of links) l.socket.destroy();
      throw new Error(`could not reach ${failed.length} of ${addrs.length} loaders: ${failed.join('; ')}`);
    }
    await Promise.all(
      links.map(
        (l) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`${l.name} did not get ready within 15 s`)), 15_000);
            l.onMessage = (m) => {
              if (m.t === 'ready') {
                clearTimeout(timer);
                resolve();
              } else if (m.t === 'error') {
                clearTimeout(timer);
                reject(new Error(`${l.name}: ${m.message}`));
              }
            };
            l.onClose = () => (clearTimeout(timer), reject(new Error(`${l.name} closed the connection`)));
            send(l.socket, { t: 'init', init });
          }),
      ),
    ).catch((err) => {
      for (const l of links) l.socket.destroy();
      throw err;
    });
    return new RemoteLoadEngine(links, init.progressMs, log);
  }

  get loaders(): number {
    return this.links.length;
  }

  private markLost(l: Link, why: string): void {
    l.alive = false;
    const text = `loader ${l.name} was lost (${why})`;
    if (!this.lost) this.lost = text;
    this.log('error', text);
    this.onLost?.(l);
  }
  private onLost?: (l: Link) => void;

  runLevel(cfg: Omit<LevelConfig, 'id'>, onProgress: (p: WorkerProgress) => void): LevelRunHandle {
    if (this.busy) throw new Error('a level is already running');
    if (this.lost) throw new Error(`cannot run a level: ${this.lost}`);
    const id = this.nextId++;
    const live = this.links.filter((l) => l.alive);
    const shares = splitLevel(cfg.concurrency, live.length);
    const started = performance.now();
    const progress = new Map<Link, LoaderProgress>();
    const parts = new Map<Link, Part>();
    const pending = new Set<Link>();
    this.inLevel = pending;
    const notes: string[] = [];
    let stopReason: string | null = null;
    let stoppedAt: number | null = null;
    let windowStart: number | null = null;
    let dirty = false;
    this.busy = true;

    let resolve!: (v: { m: LevelMeasurement; windowEndEpochMs: number }) => void;
    const result = new Promise<{ m: LevelMeasurement; windowEndEpochMs: number }>((r) => (resolve = r));
    const stop = (reason: string) => {
      if (stopReason !== null) return;
      stopReason = reason;
      stoppedAt = performance.now();
      for (const l of pending) send(l.socket, { t: 'stop', id, reason });
    };
    const finishIfDone = () => {
      if (pending.size > 0) return;
      clearInterval(ticker);
      this.onLost = undefined;
      for (const l of live) l.onMessage = undefined;
      this.busy = false;
      // Which loader a validity failure comes from (the level's own reasons name only the sums).
      for (const [l, part] of parts) {
        const share = shares.find((x) => live[x.worker] === l)?.users ?? 0;
        if (part.m.lagP99Ms > DEFAULT_VALIDITY.maxLagMs) notes.push(`loader ${l.name}: event-loop lag p99 ${part.m.lagP99Ms.toFixed(1)} ms`);
        if (part.m.maxInFlight < share) notes.push(`loader ${l.name} held at most ${part.m.maxInFlight} of its ${share} users in flight`);
      }
      const got = [...parts.values()];
      const m = got.length ? mergeParts(cfg.concurrency, got, stopReason ?? 'loaders lost', notes) : { ...emptyMeasurement(cfg), stopReason: stopReason ?? 'loaders lost', notes };
      resolve({ m, windowEndEpochMs: performance.timeOrigin + (stoppedAt ?? performance.now()) });
    };
    const emit = () => {
      if (!dirty || stopReason !== null) return;
      dirty = false;
      const merged = mergeProgress([...progress.values()], cfg.confidence);
      const t = performance.now();
      // The window starts, on this machine's clock, when the last loader started measuring.
      if (merged.phase === 'measuring' && windowStart === null) windowStart = t - merged.measuringMs;
      onProgress({
        id,
        phase: merged.phase,
        inFlight: merged.inFlight,
        maxInFlight: merged.maxInFlight,
        completed: merged.completed,
        failed: merged.failed,
        ttftP95: merged.ttftP95,
        ttft: merged.ttft,
        elapsedMs: t - started,
        measuringMs: merged.measuringMs,
        windowStartEpochMs: windowStart === null ? null : performance.timeOrigin + windowStart,
        lagP99Ms: merged.lagP99Ms,
      });
    };
    const ticker = setInterval(emit, this.progressMs);

    this.onLost = (l) => {
      if (!pending.has(l)) return;
      pending.delete(l);
      progress.delete(l);
      const share = shares.find((x) => live[x.worker] === l);
      notes.push(`loader ${l.name} was lost mid-level: its ${share?.users ?? '?'} users are missing from this level`);
      stop(`loader ${l.name} lost`);
      finishIfDone();
    };
    shares.forEach((share, i) => {
      const l = live[share.worker];
      l.lastHeard = performance.now();
      pending.add(l);
      l.onMessage = (msg) => {
        if (msg.t === 'progress' && msg.p.id === id) {
          const p = msg.p;
          const prev = progress.get(l);
          const s = p.samples;
          let ttft = prev?.ttft ?? [];
          if (s) {
            // Deltas of one list; a new list (warm-up → window) starts over.
            const add = fromUs(s.ttft);
            ttft = prev && s.from > 0 ? prev.ttft.concat(add) : add;
          }
          progress.set(l, { phase: p.phase, inFlight: p.inFlight, maxInFlight: p.maxInFlight, completed: p.completed, failed: p.failed, measuringMs: p.measuringMs, lagP99Ms: p.lagP99Ms, ttft, overSla: s ? fromUs(s.overSla) : [] });
          dirty = true;
        } else if (msg.t === 'measured' && msg.id === id) {
          parts.set(l, { m: msg.m, samples: msg.samples ? decodeSamples(msg.samples) : { ttft: [], tpot: [], e2el: [], itl: [] } });
          pending.delete(l);
          finishIfDone();
        } else if (msg.t === 'log') this.log(msg.level, `${l.name}: ${msg.line}`);
        else if (msg.t === 'error') {
          this.log('error', `${l.name}: ${msg.message}`);
          l.socket.destroy();
        }
      };
      send(l.socket, { t: 'level', cfg: { ...cfg, id, concurrency: share.users, userOffset: share.userOffset, exportSamples: true } });
      void i;
    });
    return { result, stop };
  }

  /** Asks every loader to end (a pod then completes) and closes the connections. */
  async close(graceMs = 2000): Promise<void> {
    clearInterval(this.watchdog);
    await Promise.all(
      this.links.map(
        (l) =>
          new Promise<void>((resolve) => {
            if (!l.alive) return resolve();
            l.alive = false;
            const timer = setTimeout(() => (l.socket.destroy(), resolve()), graceMs);
            l.socket.once('close', () => (clearTimeout(timer), resolve()));
            send(l.socket, { t: 'exit' });
            l.socket.end();
          }),
      ),
    );
  }

  async terminate(): Promise<void> {
    clearInterval(this.watchdog);
    for (const l of this.links) {
      l.alive = false;
      l.socket.destroy();
    }
  }
}
