// deploy() through NVIDIA's NIM Operator: namespace and secrets (stdin only), then a NIMCache and a
// NIMService applied server-side; the operator creates the PVC, the caching Job, the Deployment and
// the Service. Resolves once the NIMService is Ready, its pod Ready and the endpoint exists; rejects
// with DeployFailed as soon as an observer diagnoses a failure waiting cannot fix.

import { DeployFailed, type ClusterSignal, type DeploySpec, type Diagnosis, type Emit } from '../core/cluster.ts';
import { abortError } from '../core/clock.ts';
import { apply, hostForUrl, leversSignal, startPortForward, type DeployContext, type DeployOutcome, type DeployState } from './deploy.ts';
import { diagnoseCliError } from './diagnose.ts';
import { KubeCommandError } from './exec.ts';
import { secretsList } from './manifests.ts';
import { LABEL_CACHE_MODEL, LABEL_MANAGED_BY, LABEL_SESSION, MANAGED_BY, labelValue, nimbleLabels, podSelector, serviceName } from './names.ts';
import { DeployObserver } from './observe.ts';
import { NIMCACHE_RESOURCE, NIMSERVICE_RESOURCE, cacheJobName, cachePodSelector, nimCacheManifest, nimCacheName, nimServiceManifest } from './operator.ts';
import { OperatorObserver } from './operator-observe.ts';
import { hasAutoscaler } from './preflight.ts';
import { servicePortOf } from './values.ts';
import { startWatch, type Watch } from './watch.ts';
import { durationText } from '../core/format.ts';

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
  let open = true;
  const emit: Emit = (s) => {
    if (open) emitOuter(s);
  };
  const run = <T>(p: Promise<T>) => p.catch((e) => {
    if (signal.aborted) throw abortError(signal);
    if (e instanceof KubeCommandError) throw new DeployFailed(e.diagnosis);
    throw e;
  });
  const ns = spec.namespace;
  const svc = serviceName(spec.release);
  const cache = nimCacheName(spec);
  if (!ctx.apiKey) throw new DeployFailed({ id: 'ngc-key-missing', title: 'NGC_API_KEY missing', evidence: 'no NGC API key given', fix: 'export NGC_API_KEY=nvapi-... or pass --ngc-key-file <file>', fatal: true });

  // Namespace: labelled as ours only when we create it (same rule as the helm path).
  const nsGet = await run(exec.kubectl(['get', 'namespace', ns, '-o', 'name'], { allowFail: true, quiet: true, signal }));
  if (nsGet.exitCode !== 0) {
    if (!/NotFound|not found/i.test(nsGet.stderr)) throw new DeployFailed(diagnoseCliError('kubectl', nsGet.stderr));
    await run(apply(exec, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_SESSION]: labelValue(ctx.session) } } }, signal));
  }
  const autoscaler = await hasAutoscaler(exec);
  // The operator reads the key from the Opaque secret (authSecret) and pulls with the registry one.
  await run(apply(exec, secretsList(ns, ctx.apiKey, nimbleLabels(ctx.session, spec.release)), signal));

  // A NIMCache kept by an earlier cycle (--keep-cache) and Ready: the cached-model lever.
  const prev = await run(exec.kubectl(['get', NIMCACHE_RESOURCE, cache, '-n', ns, '-o', 'json'], { allowFail: true, quiet: true, signal }));
  const cacheExisted = prev.exitCode === 0 && JSON.parse(prev.stdout).status?.state === 'Ready';
  const pvcGet = await run(exec.kubectl(['get', 'pvc', cache, '-n', ns, '-o', 'json'], { allowFail: true, quiet: true, signal }));
  const pvcExisted = pvcGet.exitCode === 0 && JSON.parse(pvcGet.stdout).status?.phase === 'Bound';

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
  const logsAbort = new AbortController();
  const followed = new Set<string>();
  nim.onContainerStarted = (pod, container, restarts) => {
    const key = `${pod}/${container}#${restarts}`;
    if (followed.has(key)) return;
    followed.add(key);
    ctx.logSource(pod, container, (line) => {
      nim.onLogLine(pod, line);
      wake();
    }, logsAbort.signal).catch((e) => exec.log('kubectl', `logs of ${pod}: ${String(e?.message ?? e)}`));
  };

  let wake: () => void = () => {};
  let external: Diagnosis | null = null;
  const onFatal = (dx: Diagnosis) => {
    external ??= dx;
    wake();
  };
  const w = (name: string, args: string[], on: (ev: any) => void, optional = false): Watch =>
    startWatch(exec, { name, args, optional, onFatal, respawnDelayMs: ctx.timing.respawnDelayMs, onSpawn: ctx.onWatchSpawn, onEvent: (ev) => { on(ev); wake(); } });
  const watches: Watch[] = [
    w('nodes', ['nodes'], (ev) => { nim.onNode(ev); job.onNode(ev); }, true),
    w('nimcaches', [NIMCACHE_RESOURCE, '-n', ns, `--field-selector=metadata.name=${cache}`], (ev) => op.onNimCache(ev)),
    w('nimservices', [NIMSERVICE_RESOURCE, '-n', ns, `--field-selector=metadata.name=${spec.release}`], (ev) => op.onNimService(ev)),
    w('pods', ['pods', '-n', ns, '-l', podSelector(spec.release)], (ev) => nim.onPod(ev)),
    w('cache-pods', ['pods', '-n', ns, '-l', cachePodSelector(cache)], (ev) => job.onPod(ev)),
    w('events', ['events', '-n', ns], (ev) => { nim.onEvent(ev); job.onEvent(ev); }),
    w('services', ['services', '-n', ns, `--field-selector=metadata.name=${svc}`], (ev) => nim.onService(ev)),
    w('pvcs', ['pvc', '-n', ns, `--field-selector=metadata.name=${cache}`], (ev) => {
      nim.onPvc(ev, pvcExisted);
      // The operator creates the claim without our labels: add them, so `nimble status` prices a kept cache.
      if (ev.type !== 'DELETED' && ev.object.metadata?.labels?.[LABEL_MANAGED_BY] !== MANAGED_BY && !labelled) {
        labelled = true;
        const l = { ...nimbleLabels(ctx.session, spec.release), [LABEL_CACHE_MODEL]: labelValue(spec.model) };
        exec.kubectl(['label', 'pvc', cache, '-n', ns, '--overwrite', ...Object.entries(l).map(([k, v]) => `${k}=${v}`)], { allowFail: true, quiet: true }).catch(() => {});
      }
    }),
  ];

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

    const deadline = Date.now() + (ctx.timing.deployTimeoutMs ?? 60 * 60_000);
    await new Promise<void>((resolve, reject) => {
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
        nim.tick();
        job.tick();
        op.tick();
        const own = nim.failure ?? job.failure ?? op.failure;
        if (external && !own) emit({ kind: 'failure', diagnosis: external });
        const dx = own ?? external;
        if (dx) return finish(new DeployFailed(dx));
        if (nim.done && op.done) return finish();
        if (Date.now() > deadline) {
          const t = { id: 'deploy-timeout', title: 'Deploy timed out', evidence: `NIMCache ${op.cacheState ?? 'no status'}, NIMService ${op.serviceState ?? 'no status'} after ${durationText(ctx.timing.deployTimeoutMs ?? 3_600_000)}`, fix: 'Check the timeline for the phase that stalled: kubectl describe nimcache,nimservice -n <ns>.', fatal: true };
          emit({ kind: 'failure', diagnosis: t });
          return finish(new DeployFailed(t));
        }
      }
      check();
    });

    emit(leversSignal(spec.release, { ...nim.levers, cachedModel: nim.levers.cachedModel || cacheExisted, sizedProbes: true }, 'observed', `NIMCache ${cache}${cacheExisted ? ' kept from an earlier cycle' : ' filled by this deploy'}`));
    const port = servicePortOf(spec);
    if (spec.serviceType === 'LoadBalancer') return { endpoint: { baseUrl: `http://${hostForUrl(nim.lbAddress!)}:${port}`, via: 'load-balancer' } };
    const pf = await startPortForward(exec, ns, svc, port, signal, emitOuter, { respawnDelayMs: ctx.timing.respawnDelayMs });
    state.portForward = pf.child;
    return { endpoint: { baseUrl: `http://127.0.0.1:${pf.port}`, via: 'port-forward' }, portForward: pf.child };
  } finally {
    state.resources = nim.startedResources();
    open = false;
    logsAbort.abort();
    await Promise.all(watches.map((x) => x.stop()));
  }
}
