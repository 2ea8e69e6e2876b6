// The Kubernetes driver: the Cluster interface (src/core/cluster.ts) over real kubectl and helm.
// mode 'cluster'. See deploy.ts / cleanup.ts / preflight.ts for the three stages.

import type { CleanupOptions, CleanupReport, Cluster, DeploySpec, Emit, Endpoint, Leftover, PreflightCheck } from '../core/cluster.ts';
import type { PriceTable } from '../core/cost.ts';
import { cleanupRelease } from './cleanup.ts';
import { findLeftovers } from './cleanup.ts';
import { deployRelease, type DeployState, type DeployTiming } from './deploy.ts';
import { deployViaOperator, type OperatorTiming } from './operator-deploy.ts';
import { KubeExec, type LogSink } from './exec.ts';
import { cacheClaimName } from './names.ts';
import { kubeTarget, runPreflight, type KubeTarget } from './preflight.ts';
import { kubectlLogSource, type LogSource } from './watch.ts';

export interface KubeOptions {
  context?: string;
  namespace: string;
  /** Path to a kubeconfig; default: KUBECONFIG / ~/.kube/config, as kubectl does. */
  kubeconfig?: string;
  /** The NGC API key, in memory only. */
  ngcApiKey?: string;
  /** Why the key is missing (shown in preflight). */
  ngcKeyError?: string;
  kubectl?: string;
  helm?: string;
  /** Raw lines (commands run, kubectl/helm stderr), with the key scrubbed. */
  log?: LogSink;
  /** Session id, put on everything as the nimble.dev/session label. Default: the release name. */
  sessionId?: string;
  priceTable?: PriceTable;
  timing?: DeployTiming & OperatorTiming & { cleanupPollMs?: number; cleanupStepTimeoutMs?: number };
  /** Where NIM log lines come from (default `kubectl logs -f`). */
  logSource?: LogSource;
  /** Test hooks: every process started, and every watch process. */
  onSpawn?: (file: string, args: readonly string[]) => void;
  onWatchSpawn?: (name: string, pid: number | undefined) => void;
  env?: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
}

export interface KubeCluster extends Cluster {
  readonly mode: 'cluster';
  /** Current context/namespace, for the CLI to show and confirm before anything is created. */
  target(): Promise<KubeTarget>;
  readonly exec: KubeExec;
}

export function createKubeCluster(opts: KubeOptions): KubeCluster {
  const exec = new KubeExec({
    kubectl: opts.kubectl,
    helm: opts.helm,
    kubeconfig: opts.kubeconfig,
    context: opts.context,
    secrets: () => (opts.ngcApiKey ? [opts.ngcApiKey] : []),
    log: opts.log,
    onSpawn: opts.onSpawn,
    env: opts.env,
  });
  const state: DeployState = { resources: [] };
  const timing = opts.timing ?? {};

  const killPortForward = () => {
    if (state.portForward && state.portForward.exitCode === null) state.portForward.kill('SIGTERM');
    state.portForward = undefined;
  };

  return {
    mode: 'cluster',
    exec,
    target: () => kubeTarget(exec).then((t) => ({ ...t, namespace: opts.namespace || t.namespace })),

    async preflight(spec: DeploySpec): Promise<PreflightCheck[]> {
      try {
        return await runPreflight(exec, { spec, via: spec.via, ngcApiKey: opts.ngcApiKey, ngcKeyError: opts.ngcKeyError, priceTable: opts.priceTable });
      } catch (e) {
        // Never throws for a failed check: a surprise becomes a failed check too.
        return [{ id: 'preflight', label: 'preflight', status: 'fail', detail: exec.redact(e instanceof Error ? e.message : String(e)), fix: 'Rerun; if it persists, check kubectl works: kubectl get nodes' }];
      }
    },

    async deploy(spec: DeploySpec, emit: Emit, signal: AbortSignal): Promise<Endpoint> {
      killPortForward();
      try {
        const out = await (spec.via === 'operator' ? deployViaOperator : deployRelease)(
          {
            exec,
            session: opts.sessionId ?? spec.release,
            apiKey: opts.ngcApiKey,
            logSource: opts.logSource ?? kubectlLogSource(exec, spec.namespace),
            timing,
            onWatchSpawn: opts.onWatchSpawn,
            fetchImpl: opts.fetchImpl,
            operatorTiming: timing,
          },
          spec,
          emit,
          signal,
          state,
        );
        return out.endpoint;
      } catch (e) {
        // Errors leave the driver scrubbed: no message may carry the key.
        // Anything thrown with a message, Error or not.
        if (isWithMessage(e) && exec.redact(e.message) !== e.message) {
          try {
            e.message = exec.redact(e.message);
          } catch {
            throw new Error(exec.redact(e.message));
          }
        }
        throw e;
      }
    },

    async cleanup(spec: DeploySpec, copts: CleanupOptions, emit: Emit, signal?: AbortSignal): Promise<CleanupReport> {
      killPortForward();
      const report = await cleanupRelease(
        { exec, resources: state.resources, pollMs: timing.cleanupPollMs, stepTimeoutMs: timing.cleanupStepTimeoutMs, priceTable: opts.priceTable, signal },
        { release: spec.release, namespace: spec.namespace, claim: cacheClaimName(spec.model, spec.cache.existingClaim), via: spec.via },
        copts,
        emit,
      );
      state.resources = [];
      return report;
    },

    async leftovers(): Promise<Leftover[]> {
      return findLeftovers(exec, { fallbackNamespace: opts.namespace, table: opts.priceTable });
    },
  };
}

export { loadNgcApiKey, NgcKeyError, type KubeTarget } from './preflight.ts';

/** The context/namespace kubectl would use with these options, without creating a driver. */
export async function currentTarget(o: Pick<KubeOptions, 'context' | 'kubeconfig' | 'kubectl' | 'namespace' | 'env'>): Promise<KubeTarget> {
  const t = await kubeTarget(new KubeExec({ context: o.context, kubeconfig: o.kubeconfig, kubectl: o.kubectl, env: o.env }));
  return { ...t, namespace: o.namespace || t.namespace };
}

function isWithMessage(e: unknown): e is { message: string } {
  return !!e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string';
}
