// The test stages `nimble run` and `nimble sweep` share: smoke test → (only if it passed) sweep and
// load pattern → the answer, under the same stop control and guards (Ctrl-C, budget, time box).
// The cycle (cycle.ts) puts deploy before and cleanup after; `nimble sweep` has neither.

import { durationText } from '../core/format.ts';
import { costAt, formatUsd, type PriceTable } from '../core/cost.ts';
import type { EventSink } from '../core/events.ts';
import type { ShapeId } from '../core/sweep-types.ts';
import type { PatternSpec } from '../core/patterns.ts';
import { sweepAnswer } from '../core/result-text.ts';
import type { SweepOptions } from '../load/sweep-runner.ts';
import type { EventBus } from './event-bus.ts';
import type { LoadService } from './cycle.ts';

export class StopRequest extends Error {
  constructor(readonly kind: 'user' | 'budget' | 'time-box', message: string) {
    super(message);
    this.name = 'AbortError';
  }
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err instanceof StopRequest);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** What stops a session's work: the user's signal or a guard; the first reason given is kept. */
export interface Stopper {
  /** Stops deploy/smoke/sweep; cleanup is never tied to it. */
  readonly work: AbortController;
  stop(r: StopRequest): void;
  /** Why it was stopped, or null. */
  reason(): StopRequest | null;
  /** The StopRequest to throw when the work was stopped. */
  stopped(): StopRequest;
  dispose(): void;
}

export function createStopper(signal: AbortSignal): Stopper {
  const work = new AbortController();
  let why: StopRequest | null = null;
  const stop = (r: StopRequest) => {
    if (!why) why = r;
    work.abort(r);
  };
  // The reason says who stopped it (Ctrl-C, SIGTERM, a hang-up, a closed stdout).
  const onUserAbort = () => stop(new StopRequest('user', typeof signal.reason === 'string' ? signal.reason : 'stopped by the user'));
  if (signal.aborted) onUserAbort();
  signal.addEventListener('abort', onUserAbort, { once: true });
  return {
    work,
    stop,
    reason: () => why,
    stopped: () => why ?? new StopRequest('user', 'stopped by the user'),
    dispose: () => signal.removeEventListener('abort', onUserAbort),
  };
}

/** How a session ends when its work threw: aborted (a stop; its reason) or failed (the error). */
export function endOf(err: unknown, stopper: Stopper): { status: 'aborted' | 'failed'; reason: string } {
  if (isAbort(err) || stopper.work.signal.aborted) return { status: 'aborted', reason: stopper.stopped().message };
  return { status: 'failed', reason: errorText(err) };
}

export interface Guards {
  budgetUsd?: number;
  maxDurationMs?: number;
  priceTable: PriceTable;
}

/** Budget and time box watch the running cost and the session clock; returns the unwatch. */
export function watchGuards(bus: EventBus, g: Guards, stopper: Stopper): () => void {
  if (g.budgetUsd === undefined && g.maxDurationMs === undefined) return () => {};
  const timer = setInterval(() => {
    const now = bus.clock.now();
    if (g.budgetUsd !== undefined && costAt(bus.state.resources, now, g.priceTable).totalUsd >= g.budgetUsd) {
      const message = `cost reached the budget ${formatUsd(g.budgetUsd)}: stopping and cleaning up`;
      if (!stopper.reason()) bus.emit({ type: 'guard', kind: 'budget', message, action: 'stopped' });
      stopper.stop(new StopRequest('budget', message));
    }
    if (g.maxDurationMs !== undefined && now >= g.maxDurationMs) {
      const message = `time box ${durationText(g.maxDurationMs)} reached: stopping and cleaning up`;
      if (!stopper.reason()) bus.emit({ type: 'guard', kind: 'time-box', message, action: 'stopped' });
      stopper.stop(new StopRequest('time-box', message));
    }
  }, 250);
  timer.unref?.();
  return () => clearInterval(timer);
}


export interface TestStageOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  shapes: ShapeId[];
  maxConcurrency: number;
  gpuShape: string;
  gpuCount: number;
  priceTable: PriceTable;
  sweepTiming: 'quick' | 'standard';
  /** Token counts that override the shapes' defaults (--prompt-tokens / --output-tokens). */
  tokens?: { promptTokens?: number; outputTokens?: number };
  engine?: SweepOptions['engine'];
  prefixCacheHit?: number;
  timingOverrides?: SweepOptions['timingOverrides'];
  interruptedDuring?: SweepOptions['interruptedDuring'];
  /** Deploy + smoke test only (nimble run --no-sweep); with a pattern, the pattern instead. */
  skipSweep?: boolean;
  pattern?: PatternSpec;
}

export interface StageResult {
  status: 'completed' | 'failed';
  reason?: string;
}

/**
 * Smoke test, then — only when every check passed — the sweep and the load pattern. Resolves with
 * the result; throws the StopRequest when the work was stopped (the caller says 'aborted').
 */
export async function runTestStages(o: TestStageOptions, deps: { bus: EventBus; load: LoadService }, stopper: Stopper): Promise<StageResult> {
  const { bus, load } = deps;
  const signal = stopper.work.signal;
  const sink: EventSink = (b) => bus.emit(b);
  bus.emit({ type: 'stage.started', stage: 'smoke' });
  const smoke = await load.runSmokeTest(o.baseUrl, o.model, o.apiKey, sink, signal);
  const failedChecks = smoke.filter((c) => !c.ok);
  const smokeOk = smoke.length > 0 && failedChecks.length === 0;
  bus.emit({ type: 'stage.ended', stage: 'smoke', ok: smokeOk, note: smokeOk ? undefined : failedChecks.map((c) => c.name).join(', ') || 'no checks ran' });
  // Checks cut short by a stop are not a failed smoke test: the session is aborted.
  if (!smokeOk && signal.aborted) throw stopper.stopped();
  if (!smokeOk) {
    const detail = failedChecks.map((c) => `${c.name}: ${c.detail}`).join('; ') || 'no checks ran';
    return { status: 'failed', reason: `smoke test failed (${detail}): the sweep was skipped` };
  }
  if (o.skipSweep && !o.pattern) return { status: 'completed' };

  bus.emit({ type: 'stage.started', stage: 'sweep' });
  let result: StageResult = { status: 'completed' };
  try {
    if (!o.skipSweep) {
      const gpuRate = o.priceTable.items[o.gpuShape];
      await load.runSweep(
        {
          baseUrl: o.baseUrl,
          model: o.model,
          shapes: o.shapes,
          maxConcurrency: o.maxConcurrency,
          apiKey: o.apiKey,
          gpuCount: o.gpuCount,
          gpuHourlyUsd: gpuRate ? gpuRate.usd : NaN,
          priceTable: o.priceTable.name,
          timing: o.sweepTiming,
          shapeOverrides: o.tokens ? Object.fromEntries(o.shapes.map((sh) => [sh, o.tokens])) : undefined,
          interruptedDuring: o.interruptedDuring,
          engine: o.engine,
          prefixCacheHit: o.prefixCacheHit,
          timingOverrides: o.timingOverrides,
        },
        sink,
        bus.clock,
        signal,
      );
    }
    if (o.pattern && load.runPattern && !signal.aborted) {
      await load.runPattern({ baseUrl: o.baseUrl, model: o.model, spec: o.pattern, apiKey: o.apiKey, shapeOverride: o.tokens }, sink, signal);
    }
    // A sweep with no valid, decided answer is not a result: the session says so (exit 1).
    const answer = sweepAnswer(bus.state.sweep.breakingPoints);
    const noAnswer = !o.skipSweep && !signal.aborted && answer.status === 'none';
    bus.emit({ type: 'stage.ended', stage: 'sweep', ok: !signal.aborted && !noAnswer, note: signal.aborted ? 'stopped' : noAnswer ? 'no answer' : undefined });
    if (noAnswer) result = { status: 'failed', reason: `the sweep gave no answer — ${answer.lines.join('; ')}` };
  } catch (err) {
    bus.emit({ type: 'stage.ended', stage: 'sweep', ok: false, note: isAbort(err) ? 'stopped' : errorText(err) });
    if (isAbort(err)) throw err;
    bus.emit({ type: 'error', where: 'sweep', message: errorText(err) });
    result = { status: 'failed', reason: `sweep failed: ${errorText(err)}` };
  }
  if (signal.aborted) throw stopper.stopped();
  return result;
}
