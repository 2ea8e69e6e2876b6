// deploy(): namespace, secrets (stdin only), cache PVC, optional pre-pull DaemonSet, watches, then
// `helm upgrade --install` without --wait; resolves once the pod is Ready and the endpoint exists,
// rejects with DeployFailed as soon as the observer diagnoses a failure that waiting cannot fix.

import { DeployFailed, type ClusterSignal, type DeploySpec, type Diagnosis, type Emit, type Endpoint, type PaidResource } from '../core/cluster.ts';
import { abortError } from '../core/clock.ts';
import { parseChartRef, resolveChart } from './chart.ts';
import { diagnoseCliError } from './diagnose.ts';
import type { KubeExec } from './exec.ts';
import { cachePvc, prePullDaemonSet, secretsList } from './manifests.ts';
import { LABEL_MANAGED_BY, MANAGED_BY, LABEL_SESSION, cacheClaimName, labelValue, nimbleLabels, podSelector, serviceName } from './names.ts';
import { DeployObserver, type ObservedLevers } from './observe.ts';
import { hasAutoscaler } from './preflight.ts';
import type { KubeEvent, Node, PersistentVolumeClaim, Pod, Service } from './k8s-types.ts';
import { LineSplitter, parsePortForwardLine } from './stream.ts';
import { PROBE_PROFILES, buildValues, chartFlavour, servicePortOf, startupWindowSeconds } from './values.ts';
import type { LogSource } from './watch.ts';
import { createDeployWatch, deployStep } from './deploy-watch.ts';
import { durationText } from '../core/format.ts';

export interface DeployTiming {
  lbStuckMs?: number;
  pvcStuckMs?: number;
  /** Give up (deploy-timeout) after this long without Ready (default 60 min). */
  deployTimeoutMs?: number;
  tickMs?: number;
  respawnDelayMs?: number;
}

export interface DeployContext {
  exec: KubeExec;
  session: string;
  apiKey: string | undefined;
  logSource: LogSource;
  timing: DeployTiming;
  onWatchSpawn?: (name: string, pid: number | undefined) => void;
  fetchImpl?: typeof fetch;
}

export interface DeployOutcome {
  endpoint: Endpoint;
  portForward?: Forward;
}

export interface DeployState {
  /** Paid resources started so far (cleanup stops them). */
  resources: PaidResource[];
  portForward?: Forward;
}

const leverWords: Record<keyof ObservedLevers | 'sizedProbes', string> = {
  cachedModel: 'cached model',
  prePulledImage: 'pre-pulled image',
  warmNode: 'warm GPU node',
  parallelLoadBalancer: 'LB in parallel',
  sizedProbes: 'sized probes',
};

/** The levers as a k8s.event signal (reason NimbleLevers), so the timeline can show them. */
export function leversSignal(release: string, levers: Record<string, boolean>, when: 'requested' | 'observed', note = ''): ClusterSignal {
  const on = Object.entries(levers).filter(([, v]) => v).map(([k]) => leverWords[k as keyof typeof leverWords] ?? k);
  const off = Object.entries(levers).filter(([, v]) => !v).map(([k]) => leverWords[k as keyof typeof leverWords] ?? k);
  return {
    kind: 'k8s.event',
    reason: 'NimbleLevers',
    message: `${when}: on [${on.join(', ')}] off [${off.join(', ')}]${note ? ` — ${note}` : ''}`,
    object: `release/${release}`,
    type: 'Normal',
  };
}

export async function deployRelease(ctx: DeployContext, spec: DeploySpec, emitOuter: Emit, signal: AbortSignal, state: DeployState): Promise<DeployOutcome> {
  const { exec } = ctx;
  if (signal.aborted) throw abortError(signal);
  const { emit, run, close } = deployStep(emitOuter, signal);
  const startedAt = Date.now();
  const ns = spec.namespace;
  const labels = nimbleLabels(ctx.session, spec.release);
  const svc = serviceName(spec.release);
  const claim = cacheClaimName(spec.model, spec.cache.existingClaim);
  const autoscaler = await prepareNamespace(ctx, spec, run, signal);

  // Model cache PVC: reuse it if a previous cycle kept it (the cached-model lever).
  const pvcGet = await run(exec.kubectl(['get', 'pvc', claim, '-n', ns, '-o', 'json'], { allowFail: true, quiet: true, signal }));
  const existing: PersistentVolumeClaim | null = pvcGet.exitCode === 0 ? JSON.parse(pvcGet.stdout) : null;
  const cacheWarm = existing?.status?.phase === 'Bound';
  if (!existing) await run(apply(exec, cachePvc(spec, ctx.session), signal));
  else await run(exec.kubectl(['label', 'pvc', claim, '-n', ns, '--overwrite', ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], { signal, quiet: true }));

  if (spec.levers.prePulledImage) await run(apply(exec, prePullDaemonSet(spec, ctx.session), signal));

  // Watches first, so nothing the release does is missed.
  const observer = new DeployObserver(
    { spec, serviceName: svc, claimName: claim, startedAt, now: () => Date.now(), autoscaler, lbStuckMs: ctx.timing.lbStuckMs, pvcStuckMs: ctx.timing.pvcStuckMs },
    emit,
  );
  const dw = createDeployWatch(exec, ctx);
  dw.followLogs(observer);
  dw.watch<Node>('nodes', ['nodes'], (ev) => observer.onNode(ev), true);
  dw.watch<Pod>('pods', ['pods', '-n', ns, '-l', podSelector(spec.release)], (ev) => observer.onPod(ev));
  dw.watch<KubeEvent>('events', ['events', '-n', ns], (ev) => observer.onEvent(ev));
  dw.watch<Service>('services', ['services', '-n', ns, `--field-selector=metadata.name=${svc}`], (ev) => observer.onService(ev));
  dw.watch<PersistentVolumeClaim>('pvcs', ['pvc', '-n', ns, `--field-selector=metadata.name=${claim}`], (ev) => observer.onPvc(ev, cacheWarm));

  let chartCleanup = async () => {};
  try {
    // helm: values on stdin, no --wait (the watches tell us more, and sooner).
    const flavour = chartFlavour(spec.chart);
    const values = buildValues(spec, { session: ctx.session, flavour });
    const chart = await resolveChart(parseChartRef(spec.chart), ctx.apiKey, ctx.fetchImpl);
    chartCleanup = chart.cleanup;
    const probes = PROBE_PROFILES[spec.probeProfile];
    emit(leversSignal(spec.release, { ...spec.levers }, 'requested'));
    emit({ kind: 'release.submitted', release: spec.release });
    const helmArgs = ['upgrade', '--install', spec.release, ...chart.args, '-n', ns, '-f', '-', '--history-max', '3', '--timeout', '10m', '-o', 'json'];
    const relLabels = `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_SESSION}=${labelValue(ctx.session)}`;
    let hr = await exec.helm([...helmArgs, '--labels', relLabels], { input: JSON.stringify(values), allowFail: true, signal });
    if (hr.exitCode !== 0 && /unknown flag: --labels/.test(hr.stderr)) {
      hr = await exec.helm(helmArgs, { input: JSON.stringify(values), allowFail: true, signal }); // helm < 3.13
    }
    if (hr.exitCode !== 0) {
      const dx = helmDiagnosis(hr.stderr);
      emit({ kind: 'failure', diagnosis: dx });
      throw new DeployFailed(dx);
    }
    let revision: number | undefined;
    try {
      revision = JSON.parse(hr.stdout).version;
    } catch {
      /* older helm without -o json on upgrade */
    }
    emit({ kind: 'release.deployed', release: spec.release });
    if (revision && revision > 1) exec.log('helm', `release ${spec.release} upgraded to revision ${revision}`);

    // Wait for Ready + address, a diagnosed failure, the deadline, or Ctrl-C.
    await dw.untilReady(
      {
        tick: () => observer.tick(),
        failure: () => observer.failure,
        done: () => observer.done,
        timedOut: (after) => ({ evidence: `pod not Ready after ${after}`, fix: 'Check the timeline for the phase that stalled; raise the deploy timeout for very large models.' }),
      },
      signal,
      emit,
    );

    emit(leversSignal(spec.release, { ...observer.levers, sizedProbes: true }, 'observed', `probe profile ${spec.probeProfile}: startup window ${durationText(startupWindowSeconds(probes.startup) * 1000)}`));
    const port = servicePortOf(spec);
    if (spec.serviceType === 'LoadBalancer') {
      return { endpoint: { baseUrl: `http://${hostForUrl(observer.lbAddress!)}:${port}`, via: 'load-balancer' } };
    }
    const pf = await startPortForward(exec, ns, svc, port, signal, emitOuter, { respawnDelayMs: ctx.timing.respawnDelayMs });
    state.portForward = pf.child;
    return { endpoint: { baseUrl: `http://127.0.0.1:${pf.port}`, via: 'port-forward' }, portForward: pf.child };
  } finally {
    state.resources = observer.startedResources();
    close();
    await dw.stop();
    await chartCleanup().catch(() => {});
  }
}

/**
 * Both ways in start alike: the key is there, the namespace exists (labelled as ours only when we
 * create it, so cleanup never deletes a user's namespace), the secrets are applied (the key on
 * kubectl's stdin only; server-side apply keeps no last-applied copy). Says whether the cluster
 * has a node autoscaler.
 */
export async function prepareNamespace(ctx: DeployContext, spec: DeploySpec, run: <T>(p: Promise<T>) => Promise<T>, signal: AbortSignal): Promise<boolean> {
  const { exec } = ctx;
  const ns = spec.namespace;
  if (!ctx.apiKey) throw new DeployFailed({ id: 'ngc-key-missing', title: 'NGC_API_KEY missing', evidence: 'no NGC API key given', fix: 'export NGC_API_KEY=nvapi-... or pass --ngc-key-file <file>', fatal: true });
  const nsGet = await run(exec.kubectl(['get', 'namespace', ns, '-o', 'name'], { allowFail: true, quiet: true, signal }));
  if (nsGet.exitCode !== 0) {
    if (!/NotFound|not found/i.test(nsGet.stderr)) throw new DeployFailed(diagnoseCliError('kubectl', nsGet.stderr));
    await run(apply(exec, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_SESSION]: labelValue(ctx.session) } } }, signal));
  }
  const autoscaler = await hasAutoscaler(exec);
  // The operator path reads the key from the Opaque secret (authSecret) and pulls with the registry one.
  await run(apply(exec, secretsList(ns, ctx.apiKey, nimbleLabels(ctx.session, spec.release)), signal));
  return autoscaler;
}

export function hostForUrl(addr: string): string {
  return addr.includes(':') && !addr.startsWith('[') ? `[${addr}]` : addr;
}

/** `kubectl apply` of one manifest written to stdin (server-side: no last-applied copy of secret data). */
export function apply(exec: KubeExec, obj: unknown, signal?: AbortSignal) {
  return exec.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=nimble', '-f', '-'], { input: JSON.stringify(obj), signal });
}

export function helmDiagnosis(stderr: string): Diagnosis {
  const m = stderr.trim();
  if (/chart requires kubeVersion/i.test(m)) {
    return { id: 'chart-kube-version', title: 'Chart does not support this cluster version', evidence: m, fix: 'Use a chart version that supports the cluster (nim-llm needs Kubernetes ≥ 1.23) or --chart builtin.', fatal: true };
  }
  if (/another operation \(install\/upgrade\/rollback\) is in progress/i.test(m)) {
    return { id: 'helm-locked', title: 'Release is locked by another helm operation', evidence: m, fix: 'Wait for it, or roll back: helm rollback <release> -n <ns>; then nimble cleanup.', fatal: true };
  }
  if (/values don't meet the specifications of the schema|schema/i.test(m)) {
    return { id: 'chart-values', title: 'Chart rejected the generated values', evidence: m, fix: 'The chart version expects other values keys; use a nim-llm 1.x chart or --chart builtin.', fatal: true };
  }
  return diagnoseCliError('helm', m);
}

/** The running port-forward as the driver holds it (kill() stops it for good). */
export interface Forward {
  readonly exitCode: number | null;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * `kubectl port-forward svc/<svc> :<port>`, kept alive: when kubectl exits (the pod connection was
 * lost, kubectl was killed) it is started again on the same local port, so the endpoint stays
 * valid; each loss and recovery is a k8s.event signal (PortForwardLost / PortForwardRestored) on
 * the timeline, with the time it happened. Gives up after `maxRestarts` failed restarts in a row.
 */
export async function startPortForward(exec: KubeExec, ns: string, svc: string, port: number, signal: AbortSignal, emit: Emit, o: { respawnDelayMs?: number; maxRestarts?: number } = {}): Promise<{ child: Forward; port: number }> {
  let stopped = false;
  let current: ReturnType<KubeExec['spawnKubectl']> | null = null;
  let failuresInRow = 0;
  let bound = 0; // the local port, kept across restarts
  const object = `service/${svc}`;
  const spawn = (local: number | ''): Promise<number> => {
    const p = exec.spawnKubectl(['port-forward', `svc/${svc}`, `${local}:${port}`, '-n', ns, '--address', '127.0.0.1']);
    current = p;
    const split = new LineSplitter();
    let stderr = '';
    p.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4_000)));
    return new Promise((resolve, reject) => {
      let ready = false;
      const t = setTimeout(() => fail('no "Forwarding from" line within 30 s'), 30_000);
      const onAbort = () => fail('aborted');
      signal.addEventListener('abort', onAbort, { once: true });
      p.stdout?.on('data', (c: Buffer) => {
        for (const line of split.push(c)) {
          const f = parsePortForwardLine(line);
          if (f && !ready) {
            ready = true;
            bound = f.port;
            clearTimeout(t);
            signal.removeEventListener('abort', onAbort);
            resolve(f.port);
          }
        }
      });
      p.then(() => {
        const why = exec.redact(stderr).trim().split('\n').pop() || `kubectl port-forward exited (${p.exitCode ?? 'signal'})`;
        if (!ready) return fail(why);
        if (current === p && !stopped) lost(why, bound);
      });
      function fail(why: string) {
        clearTimeout(t);
        signal.removeEventListener('abort', onAbort);
        p.kill('SIGTERM');
        reject(new Error(why));
      }
    });
  };
  const lost = (why: string, local: number) => {
    exec.log('kubectl', `port-forward to ${object} lost: ${why}; restarting on 127.0.0.1:${local}`);
    emit({ kind: 'k8s.event', reason: 'PortForwardLost', message: `kubectl port-forward ended (${why}); restarting on 127.0.0.1:${local}`, object, type: 'Warning' });
    const retry = () => {
      if (stopped) return;
      spawn(local).then(() => {
        failuresInRow = 0;
        emit({ kind: 'k8s.event', reason: 'PortForwardRestored', message: `kubectl port-forward re-established on 127.0.0.1:${local}`, object, type: 'Normal' });
      }, (e) => {
        if (stopped) return;
        if (++failuresInRow >= (o.maxRestarts ?? 5)) {
          exec.log('kubectl', `port-forward to ${object}: giving up after ${failuresInRow} failed restarts: ${String(e?.message ?? e)}`);
          emit({ kind: 'k8s.event', reason: 'PortForwardFailed', message: `kubectl port-forward could not be re-established: ${String(e?.message ?? e)}`, object, type: 'Warning' });
          return;
        }
        setTimeout(retry, (o.respawnDelayMs ?? 300) * failuresInRow);
      });
    };
    setTimeout(retry, o.respawnDelayMs ?? 300);
  };
  const handle: Forward = {
    get exitCode() {
      return stopped ? 0 : null;
    },
    kill(sig: NodeJS.Signals = 'SIGTERM') {
      stopped = true;
      current?.kill(sig);
    },
  };
  try {
    const local = await spawn('');
    return { child: handle, port: local };
  } catch (e) {
    stopped = true;
    if (signal.aborted) throw abortError(signal);
    throw new DeployFailed({ id: 'port-forward', title: 'Port-forward to the NIM failed', evidence: e instanceof Error ? e.message : String(e), fix: 'Check `kubectl port-forward svc/<service>` works for your user (pods/portforward permission), or use --service-type LoadBalancer.', fatal: true });
  }
}
