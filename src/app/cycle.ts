// The cycle: preflight → deploy → smoke test → sweep → cleanup → summary, over any Cluster.
// Whatever happens after something was created (a failure, Ctrl-C, a budget or time-box stop),
// cleanup runs — it is never silently skipped; if it cannot finish, the session says what is left.

import { DeployFailed, type CleanupOptions, type Cluster, type DeploySpec, type Endpoint, type PreflightCheck } from '../core/cluster.ts';
import { deploymentResources, formatUsd, projectCycleCost, type PriceTable } from '../core/cost.ts';
import type { EventSink, SessionMeta, SessionStatus, SmokeCheck, Stage } from '../core/events.ts';
import type { SessionClock } from '../core/clock.ts';
import type { ShapeId } from '../core/sweep-types.ts';
import { STAGE_TARGET_MS } from '../core/tiers.ts';
import { dailyBudgetEvent, dailyBudgetStatus } from '../core/guard.ts';
import type { EventBus } from './event-bus.ts';
import type { SweepOptions } from '../load/sweep-runner.ts';
import type { PatternRunOptions } from '../load/pattern-runner.ts';
import type { PatternSpec } from '../core/patterns.ts';
import { durationText } from '../core/format.ts';
import { createStopper, endOf, errorText, isAbort, runTestStages, watchGuards } from './sweep-stage.ts';


/** The load side the cycle needs (src/load/), injected so the cycle stays testable. */
export interface LoadService {
  resolveModel?(baseUrl: string, apiKey?: string): Promise<string>;
  waitForReady(
    baseUrl: string,
    opts: { apiKey?: string; intervalMs: number; timeoutMs: number },
    onProbe: (status: number | null, ready: boolean, error?: string) => void,
    signal: AbortSignal,
  ): Promise<unknown>;
  runSmokeTest(baseUrl: string, model: string, apiKey: string | undefined, sink: EventSink, signal: AbortSignal): Promise<SmokeCheck[]>;
  runSweep(
    opts: Pick<SweepOptions, 'baseUrl' | 'model' | 'maxConcurrency' | 'apiKey' | 'gpuCount' | 'gpuHourlyUsd' | 'priceTable' | 'timing' | 'shapeOverrides' | 'interruptedDuring' | 'engine' | 'prefixCacheHit' | 'timingOverrides'> & { shapes: ShapeId[] },
    sink: EventSink,
    clock: SessionClock,
    signal: AbortSignal,
  ): Promise<unknown>;
  /** A load pattern after the sweep (nimble run --pattern). */
  runPattern?(opts: PatternRunOptions, sink: EventSink, signal: AbortSignal): Promise<unknown>;
}

export interface CycleOptions {
  meta: SessionMeta;
  spec: DeploySpec;
  /** Session-time ms per real ms during deploy and cleanup (the simulator's --time-scale; 1 on a cluster). */
  timeScale: number;
  shapes: ShapeId[];
  maxConcurrency: number;
  sweepTiming: 'quick' | 'standard';
  /** Token counts that override the shapes' defaults (--prompt-tokens / --output-tokens). */
  tokens?: { promptTokens?: number; outputTokens?: number };
  apiKey?: string;
  cleanup: CleanupOptions;
  priceTable: PriceTable;
  budgetUsd?: number;
  maxDurationMs?: number;
  /** Daily budget from the config, with what today's saved sessions already cost. */
  dailyBudget?: { dailyBudgetUsd: number; spentTodayUsd: number };
  healthTimeoutMs: number;
  /** Skip the sweep (deploy + smoke test + cleanup only). */
  skipSweep?: boolean;
  /** Where the sweep's load comes from (default: this process; --load-from). */
  loadEngine?: SweepOptions['engine'];
  /** Run this load pattern after the sweep (or instead of it, with skipSweep), in the sweep stage. */
  pattern?: PatternSpec;
  /** Asked after preflight passed, before anything is created (the TUI's deploy question); false: nothing is deployed. */
  confirmDeploy?: (estimate: PreflightCheck, signal?: AbortSignal) => Promise<boolean>;
}

export interface CycleDeps {
  cluster: Cluster;
  bus: EventBus;
  load: LoadService;
}

/**
 * Runs one cycle. `signal` is the user's Ctrl-C / quit: it stops deploy or sweep and moves on to
 * cleanup. Resolves when the session has ended (never rejects for cluster or server failures).
 */
export async function runCycle(opts: CycleOptions, deps: CycleDeps, signal: AbortSignal): Promise<SessionStatus> {
  const { bus, cluster, load } = deps;
  const clock = bus.clock;
  const emit = bus.emit;
  // When the port-forward to the NIM was lost (epoch ms): a level spanning one is not a verdict.
  const forwardLost: number[] = [];
  const emitSignal = (s: Parameters<Parameters<Cluster['deploy']>[1]>[0]) => {
    if (s.kind === 'k8s.event' && s.reason === 'PortForwardLost') forwardLost.push(Date.now());
    bus.emit({ type: 'cluster.signal', signal: s });
  };
  const stopper = createStopper(signal);
  const work = stopper.work;
  let status: SessionStatus = 'completed';
  let reason: string | undefined;
  let created = false;
  let unwatch = () => {};
  const begin = (stage: Stage) => emit({ type: 'stage.started', stage });
  const end = (stage: Stage, ok: boolean, note?: string) => emit({ type: 'stage.ended', stage, ok, note });

  emit({ type: 'session.started', meta: opts.meta });
  try {
    // ── Preflight ────────────────────────────────────────────────────────────────────────────
    begin('preflight');
    const checks = await cluster.preflight(opts.spec);
    // The cycle projects the cost for the target tier below; a driver's own estimate would repeat it.
    for (const check of checks) if (check.id !== 'cost-estimate') emit({ type: 'preflight.check', check });
    const tier = opts.meta.targetTier;
    const projectedHours = STAGE_TARGET_MS.total[tier] / 3_600_000;
    const projected = projectCycleCost(deploymentResources(opts.spec), projectedHours, opts.priceTable);
    const estimate: PreflightCheck = {
      id: 'cost-estimate',
      label: 'cost estimate',
      status: projected.unknown.length ? 'warn' : 'pass',
      detail:
        `about ${formatUsd(projected.usd)} for a ${Math.round(projectedHours * 60)}-minute ${tier} cycle (${opts.priceTable.name})` +
        (projected.unknown.length ? `; no price for ${projected.unknown.join(', ')}` : ''),
    };
    emit({ type: 'preflight.check', check: estimate });
    if (opts.dailyBudget) {
      const daily = dailyBudgetStatus({ ...opts.dailyBudget, projectedUsd: projected.usd });
      if (daily && daily.level !== 'ok') emit(dailyBudgetEvent(daily));
    }
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.length) {
      end('preflight', false, failed.map((c) => c.label).join(', '));
      status = 'failed';
      reason = `preflight failed: ${failed.map((c) => `${c.label} — ${c.fix ?? c.detail}`).join('; ')}`;
      return status;
    }
    if (opts.budgetUsd !== undefined && projected.usd > opts.budgetUsd) {
      const message = `projected cycle cost ${formatUsd(projected.usd)} exceeds the budget ${formatUsd(opts.budgetUsd)}`;
      emit({ type: 'guard', kind: 'budget', message, action: 'refused' });
      end('preflight', false, 'over budget');
      status = 'failed';
      reason = `${message}: nothing was deployed`;
      return status;
    }
    // Ctrl-C while asked (the signal) answers no and ends as stopped by the user, below.
    if (opts.confirmDeploy && !work.signal.aborted && !(await opts.confirmDeploy(estimate, work.signal)) && !work.signal.aborted) {
      end('preflight', false, 'not confirmed');
      status = 'aborted';
      reason = 'deploy not confirmed: nothing was created';
      return status;
    }
    end('preflight', true);
    if (work.signal.aborted) throw stopper.stopped();

    // Budget and time box watch the running cost and the session clock from here on.
    unwatch = watchGuards(bus, { budgetUsd: opts.budgetUsd, maxDurationMs: opts.maxDurationMs, priceTable: opts.priceTable }, stopper);

    // ── Deploy ───────────────────────────────────────────────────────────────────────────────
    begin('deploy');
    clock.setRate(opts.timeScale);
    created = true;
    let endpoint: Endpoint;
    try {
      endpoint = await cluster.deploy(opts.spec, emitSignal, work.signal);
      // The health check is real HTTP against the endpoint: time it in real time.
      clock.setRate(1);
      emit({ type: 'endpoint', endpoint });
      let ready = false;
      await load.waitForReady(
        endpoint.baseUrl,
        { apiKey: opts.apiKey, intervalMs: 250, timeoutMs: opts.healthTimeoutMs },
        (httpStatus, ok, error) => {
          ready = ready || ok;
          emitSignal({ kind: 'health.probe', url: `${endpoint.baseUrl}/v1/health/ready`, status: httpStatus, ready: ok, error });
        },
        work.signal,
      );
      if (!ready) throw new Error(`the endpoint did not become ready within ${durationText(opts.healthTimeoutMs)}`);
      end('deploy', true);
    } catch (err) {
      if (isAbort(err)) {
        end('deploy', false, 'stopped');
        throw err;
      }
      const diagnosis = err instanceof DeployFailed ? err.diagnosis : null;
      if (diagnosis && !bus.state.diagnosis) emitSignal({ kind: 'failure', diagnosis });
      emit({
        type: 'error',
        where: 'deploy',
        message: diagnosis ? `${diagnosis.title}: ${diagnosis.evidence}` : errorText(err),
        hint: diagnosis?.fix,
      });
      end('deploy', false, diagnosis?.title ?? 'deploy failed');
      status = 'failed';
      reason = diagnosis ? `deploy failed: ${diagnosis.title}` : `deploy failed: ${errorText(err)}`;
      return status;
    } finally {
      clock.setRate(1);
    }

    // ── Smoke test, sweep, pattern (shared with nimble sweep: sweep-stage.ts) ──────────────────
    const result = await runTestStages(
      {
        baseUrl: endpoint.baseUrl,
        model: opts.spec.model,
        apiKey: opts.apiKey,
        shapes: opts.shapes,
        maxConcurrency: opts.maxConcurrency,
        gpuShape: opts.spec.gpuShape,
        gpuCount: opts.spec.gpuCount,
        priceTable: opts.priceTable,
        sweepTiming: opts.sweepTiming,
        tokens: opts.tokens,
        engine: opts.loadEngine,
        interruptedDuring: (from, to) => (forwardLost.some((t) => t >= from && t <= to) ? 'the port-forward to the NIM was lost and re-established during this level: requests failed on the way, not at the server' : null),
        skipSweep: opts.skipSweep,
        pattern: opts.pattern,
      },
      { bus, load },
      stopper,
    );
    status = result.status;
    reason = result.reason;
    return status;
  } catch (err) {
    ({ status, reason } = endOf(err, stopper));
    if (status === 'failed') emit({ type: 'error', where: 'app', message: reason });
    return status;
  } finally {
    unwatch();
    stopper.dispose();
    if (created) {
      const ok = await runCleanup(opts, deps);
      if (!ok && status === 'completed') {
        status = 'failed';
        reason = 'cleanup did not finish: resources may still be running';
      }
    }
    emit({ type: 'stage.started', stage: 'summary' });
    emit({ type: 'session.ended', status, reason });
  }
}

async function runCleanup(opts: CycleOptions, { cluster, bus }: CycleDeps): Promise<boolean> {
  const emitSignal = (s: Parameters<Parameters<Cluster['deploy']>[1]>[0]) => bus.emit({ type: 'cluster.signal', signal: s });
  bus.emit({ type: 'stage.started', stage: 'cleanup' });
  bus.clock.setRate(opts.timeScale);
  try {
    const report = await cluster.cleanup(opts.spec, opts.cleanup, emitSignal);
    bus.emit({ type: 'cleanup.finished', report });
    const ok = report.ok && report.leftovers.length === 0;
    bus.emit({ type: 'stage.ended', stage: 'cleanup', ok, note: ok ? undefined : `${report.leftovers.length} leftover(s)` });
    if (!ok) {
      bus.emit({
        type: 'error',
        where: 'cleanup',
        message: `cleanup left ${report.leftovers.map((l) => `${l.kind}/${l.name}`).join(', ')} running`,
        hint: `run \`nimble cleanup --release ${opts.spec.release} --namespace ${opts.spec.namespace}\`, then \`nimble status\``,
      });
    }
    return ok;
  } catch (err) {
    bus.emit({
      type: 'error',
      where: 'cleanup',
      message: `cleanup failed: ${errorText(err)}`,
      hint: `resources may still be running and costing money: run \`nimble cleanup --release ${opts.spec.release} --namespace ${opts.spec.namespace}\`, then \`nimble status\``,
    });
    bus.emit({ type: 'stage.ended', stage: 'cleanup', ok: false, note: 'failed' });
    return false;
  } finally {
    bus.clock.setRate(1);
  }
}
