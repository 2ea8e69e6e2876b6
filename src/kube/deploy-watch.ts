// What both ways of deploying (helm chart, NIM Operator) share once the resources are asked for:
// the NIM container's log followed on each (re)start, kubectl watches that wake the check at once,
// and the wait for Ready, a diagnosed failure, the deadline or Ctrl-C.
import { durationText } from '../core/format.ts';
import { DeployFailed, type Diagnosis, type Emit } from '../core/cluster.ts';
import { abortError } from '../core/clock.ts';
import type { DeployContext } from './deploy.ts';
import { KubeCommandError, type KubeExec } from './exec.ts';
import type { DeployObserver } from './observe.ts';
import type { KubeObject } from './k8s-types.ts';
import type { WatchEvent } from './stream.ts';
import { startWatch, type Watch } from './watch.ts';

/**
 * `emit` passes signals on until `close()` (a deploy that ended says nothing more); `run` turns a
 * failed kubectl/helm call into DeployFailed with its diagnosis, or into the abort when aborted.
 */
export function deployStep(emitOuter: Emit, signal: AbortSignal) {
  let open = true;
  const emit: Emit = (s) => {
    if (open) emitOuter(s);
  };
  const run = <T>(p: Promise<T>) => p.catch((e) => {
    if (signal.aborted) throw abortError(signal);
    if (e instanceof KubeCommandError) throw new DeployFailed(e.diagnosis);
    throw e;
  });
  return { emit, run, close: () => void (open = false) };
}

/** How a deploy is doing, as its observers see it; read on every check. */
export interface DeployProgress {
  tick(): void;
  /** The observers' own diagnosis, if any. */
  failure(): Diagnosis | null | undefined;
  done(): boolean;
  /** The timeout diagnosis' evidence and fix, after `minutes` without Ready. */
  timedOut(after: string): { evidence: string; fix: string };
}

export function createDeployWatch(exec: KubeExec, ctx: DeployContext) {
  let wake: () => void = () => {};
  // A watch that cannot run (Forbidden, unknown resource) is a diagnosis of its own.
  let external: Diagnosis | null = null;
  const onFatal = (dx: Diagnosis) => {
    external ??= dx;
    wake();
  };
  const logsAbort = new AbortController();
  const followed = new Set<string>();
  const watches: Watch[] = [];
  return {
    /** Feed the NIM container's log into `observer`, once per container (re)start. */
    followLogs(observer: DeployObserver) {
      observer.onContainerStarted = (pod, container, restarts) => {
        const key = `${pod}/${container}#${restarts}`;
        if (followed.has(key)) return;
        followed.add(key);
        ctx.logSource(pod, container, (line) => {
          observer.onLogLine(pod, line);
          wake();
        }, logsAbort.signal).catch((e) => exec.log('kubectl', `logs of ${pod}: ${String(e?.message ?? e)}`));
      };
    },
    /** `kubectl get -w` of `args`; each event goes to `on`, then the check runs. */
    watch<T extends KubeObject>(name: string, args: string[], on: (ev: WatchEvent<T>) => void, optional = false) {
      watches.push(startWatch<T>(exec, { name, args, optional, onFatal, respawnDelayMs: ctx.timing.respawnDelayMs, onSpawn: ctx.onWatchSpawn, onEvent: (ev) => { on(ev); wake(); } }));
    },
    async stop() {
      logsAbort.abort();
      await Promise.all(watches.map((x) => x.stop()));
    },
    /** Resolves when `progress` is done; rejects with DeployFailed (emitted first) or the abort. */
    untilReady(progress: DeployProgress, signal: AbortSignal, emit: Emit): Promise<void> {
      const deadline = Date.now() + (ctx.timing.deployTimeoutMs ?? 60 * 60_000);
      return new Promise<void>((resolve, reject) => {
        const tick = setInterval(check, ctx.timing.tickMs ?? 1_000);
        const onAbort = () => finish(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        wake = check;
        function finish(err?: Error) {
          clearInterval(tick);
          signal.removeEventListener('abort', onAbort);
          wake = () => {};
          if (err) reject(err);
          else resolve();
        }
        function check() {
          if (signal.aborted) return finish(abortError(signal));
          progress.tick();
          const own = progress.failure();
          if (external && !own) emit({ kind: 'failure', diagnosis: external });
          const dx = own ?? external;
          if (dx) return finish(new DeployFailed(dx));
          if (progress.done()) return finish();
          if (Date.now() > deadline) {
            const t = { id: 'deploy-timeout', title: 'Deploy timed out', ...progress.timedOut(durationText(ctx.timing.deployTimeoutMs ?? 3_600_000)), fatal: true };
            emit({ kind: 'failure', diagnosis: t });
            return finish(new DeployFailed(t));
          }
        }
        check();
      });
    },
  };
}
