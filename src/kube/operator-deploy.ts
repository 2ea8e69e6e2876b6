// deploy() through NVIDIA's NIM Operator: namespace and secrets (stdin only), then a NIMCache and a
// NIMService applied server-side; the operator creates the PVC, the caching Job, the Deployment and
// the Service. Resolves once the NIMService is Ready, its pod Ready and the endpoint exists; rejects
// with DeployFailed as soon as an observer diagnoses a failure waiting cannot fix.

import { DeployFailed, type ClusterSignal, type DeploySpec, type Diagnosis, type Emit } from '../core/cluster.ts';
import { abortError } from '../core/clock.ts';
import { hostForUrl, leversSignal, prepareNamespace, startPortForward, type DeployContext, type DeployOutcome, type DeployState } from './deploy.ts';
import { diagnoseCliError } from './diagnose.ts';
import { LABEL_CACHE_MODEL, LABEL_MANAGED_BY, MANAGED_BY, labelValue, nimbleLabels, podSelector, serviceName } from './names.ts';
import { DeployObserver } from './observe.ts';
import { NIMCACHE_RESOURCE, NIMSERVICE_RESOURCE, cacheJobName, cachePodSelector, nimCacheManifest, nimCacheName, nimServiceManifest } from './operator.ts';
import { OperatorObserver } from './operator-observe.ts';
import type { KubeEvent, NIMCache, NIMService, Node, PersistentVolumeClaim, Pod, Service } from './k8s-types.ts';
import { servicePortOf } from './values.ts';
import { createDeployWatch, deployStep } from './deploy-watch.ts';

export interface OperatorTiming {
  /** No status from the operator this long after apply → operator-not-running (default 3 min). */
  operatorSilentMs?: number;
}

/** A manifest the API server refused (schema, admission): the CRDs are not the version we write for. */
export function operatorApplyDiagnosis(kind: string, stderr: string): Diagnosis {
  const m = stderr.trim();
  if (/unknown field|field not declared in schema|Invalid value|is invalid|Required value|strict decoding error/i.test(m)) {
    return { id: 'operator-manifest-rejected', title: `The cluster rejected the ${kind}`, evidence: m, fix: 'The installed NIM Operator CRDs differ from the v3.x API nimble writes: upgrade the operator, or deploy with --via helm.', fatal: true };
  }
  if (/the server doesn't have a resource type|no matches for kind/i.test(m)) {
    return { id: 'operator-missing', title: 'The NIM Operator CRDs are not installed', evidence: m, fix: 'Install NVIDIA\'s NIM Operator, or deploy with --via helm.', fatal: true };
  }
  return diagnoseCliError('kubectl', m);
}

export async function deployViaOperator(ctx: DeployContext & { operatorTiming?: OperatorTiming }, spec: DeploySpec, emitOuter: Emit, signal: AbortSignal, state: DeployState): Promise<DeployOutcome> {
  const { exec } = ctx;
  if (signal.aborted) throw abortError(signal);
  const { emit, run, close } = deployStep(emitOuter, signal);
  const ns = spec.namespace;
  const svc = serviceName(spec.release);
  const cache = nimCacheName(spec);
  const autoscaler = await prepareNamespace(ctx, spec, run, signal);

  // A NIMCache kept by an earlier cycle (--keep-cache) and Ready: the cached-model lever.
  const prev = await run(exec.kubectl(['get', NIMCACHE_RESOURCE, cache, '-n', ns, '-o', 'json'], { allowFail: true, quiet: true, signal }));
  const cacheExisted = prev.exitCode === 0 && (JSON.parse(prev.stdout) as NIMCache).status?.state === 'Ready';
  const pvcGet = await run(exec.kubectl(['get', 'pvc', cache, '-n', ns, '-o', 'json'], { allowFail: true, quiet: true, signal }));
  const pvcExisted = pvcGet.exitCode === 0 && (JSON.parse(pvcGet.stdout) as PersistentVolumeClaim).status?.phase === 'Bound';

  const startedAt = Date.now();
  const now = () => Date.now();
  const nim = new DeployObserver({ spec, serviceName: svc, claimName: cache, startedAt, now, autoscaler, lbStuckMs: ctx.timing.lbStuckMs, pvcStuckMs: ctx.timing.pvcStuckMs }, emit);
  // The caching Job's pod is the first on the node and pulls the NIM image: it gives GPU Node and
  // Image Pull. Its Ready is not the NIM's, and the GPU is billed from the NIM pod as on the helm path.
  const jobSpec: DeploySpec = { ...spec, release: cacheJobName(cache), serviceType: 'ClusterIP' };
  const job = new DeployObserver({ spec: jobSpec, serviceName: '', claimName: '', startedAt, now, autoscaler }, (s: ClusterSignal) => {
    if (s.kind !== 'pod.ready' && s.kind !== 'resource' && s.kind !== 'pod.created') emit(s);
  });
  const op = new OperatorObserver({ namespace: ns, cacheName: cache, serviceName: spec.release, cacheExisted, startedAt, now, operatorSilentMs: ctx.operatorTiming?.operatorSilentMs }, emit);

  let labelled = false;
  const dw = createDeployWatch(exec, ctx);
  dw.followLogs(nim);
  dw.watch<Node>('nodes', ['nodes'], (ev) => { nim.onNode(ev); job.onNode(ev); }, true);
  dw.watch<NIMCache>('nimcaches', [NIMCACHE_RESOURCE, '-n', ns, `--field-selector=metadata.name=${cache}`], (ev) => op.onNimCache(ev));
  dw.watch<NIMService>('nimservices', [NIMSERVICE_RESOURCE, '-n', ns, `--field-selector=metadata.name=${spec.release}`], (ev) => op.onNimService(ev));
  dw.watch<Pod>('pods', ['pods', '-n', ns, '-l', podSelector(spec.release)], (ev) => nim.onPod(ev));
  dw.watch<Pod>('cache-pods', ['pods', '-n', ns, '-l', cachePodSelector(cache)], (ev) => job.onPod(ev));
  dw.watch<KubeEvent>('events', ['events', '-n', ns], (ev) => { nim.onEvent(ev); job.onEvent(ev); });
  dw.watch<Service>('services', ['services', '-n', ns, `--field-selector=metadata.name=${svc}`], (ev) => nim.onService(ev));
  dw.watch<PersistentVolumeClaim>('pvcs', ['pvc', '-n', ns, `--field-selector=metadata.name=${cache}`], (ev) => {
    nim.onPvc(ev, pvcExisted);
    // The operator creates the claim without our labels: add them, so `nimble status` prices a kept cache.
    if (ev.type !== 'DELETED' && ev.object.metadata?.labels?.[LABEL_MANAGED_BY] !== MANAGED_BY && !labelled) {
      labelled = true;
      const l = { ...nimbleLabels(ctx.session, spec.release), [LABEL_CACHE_MODEL]: labelValue(spec.model) };
      exec.kubectl(['label', 'pvc', cache, '-n', ns, '--overwrite', ...Object.entries(l).map(([k, v]) => `${k}=${v}`)], { allowFail: true, quiet: true }).catch(() => {});
    }
  });

  try {
    emit(leversSignal(spec.release, { ...spec.levers }, 'requested', 'via the NIM Operator'));
    emit({ kind: 'release.submitted', release: spec.release });
    for (const [kind, obj] of [['NIMCache', nimCacheManifest(spec, ctx.session)], ['NIMService', nimServiceManifest(spec, ctx.session)]] as const) {
      const r = await exec.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=nimble', '-f', '-'], { input: JSON.stringify(obj), allowFail: true, signal });
      if (signal.aborted) throw abortError(signal);
      if (r.exitCode !== 0) {
        const dx = operatorApplyDiagnosis(kind, r.stderr);
        emit({ kind: 'failure', diagnosis: dx });
        throw new DeployFailed(dx);
      }
    }
    emit({ kind: 'release.deployed', release: spec.release });

    await dw.untilReady(
      {
        tick: () => {
          nim.tick();
          job.tick();
          op.tick();
        },
        failure: () => nim.failure ?? job.failure ?? op.failure,
        done: () => nim.done && op.done,
        timedOut: (after) => ({
          evidence: `NIMCache ${op.cacheState ?? 'no status'}, NIMService ${op.serviceState ?? 'no status'} after ${after}`,
          fix: 'Check the timeline for the phase that stalled: kubectl describe nimcache,nimservice -n <ns>.',
        }),
      },
      signal,
      emit,
    );

    emit(leversSignal(spec.release, { ...nim.levers, cachedModel: nim.levers.cachedModel || cacheExisted, sizedProbes: true }, 'observed', `NIMCache ${cache}${cacheExisted ? ' kept from an earlier cycle' : ' filled by this deploy'}`));
    const port = servicePortOf(spec);
    if (spec.serviceType === 'LoadBalancer') return { endpoint: { baseUrl: `http://${hostForUrl(nim.lbAddress!)}:${port}`, via: 'load-balancer' } };
    const pf = await startPortForward(exec, ns, svc, port, signal, emitOuter, { respawnDelayMs: ctx.timing.respawnDelayMs });
    state.portForward = pf.child;
    return { endpoint: { baseUrl: `http://127.0.0.1:${pf.port}`, via: 'port-forward' }, portForward: pf.child };
  } finally {
    state.resources = nim.startedResources();
    close();
    await dw.stop();
  }
}
