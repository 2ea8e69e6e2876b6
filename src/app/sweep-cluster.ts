// `nimble sweep --target <in-cluster URL> --load-from cluster --context C --namespace NS`: loader
// pods send to the in-cluster URL; the smoke test and the metrics scrape, which run here, reach the
// same Service through `kubectl port-forward` when the URL is a cluster DNS name.
import type { ClusterSignal, PreflightCheck } from '../core/cluster.ts';
import type { LevelEngineFactory } from '../load/level-engine.ts';

export interface SweepClusterRequest {
  target: string;
  context?: string;
  namespace?: string;
  kubeconfig?: string;
  workers: number;
  cpu: number;
  allowGpuNode: boolean;
  sessionId: string;
}

export interface SweepClusterPrep {
  /** Where the smoke test and the scrape go from this machine. */
  localUrl: string;
  namespace: string;
  context: string;
  checks: PreflightCheck[];
  /** Set once the session's bus exists: loader pods report their billing through it. */
  engine(emit: (s: ClusterSignal) => void): LevelEngineFactory;
  close(): void;
}

/** `svc.ns.svc[.cluster.local]` → the Service; null for any other host. */
export function serviceOfUrl(url: string): { service: string; namespace: string; port: number } | null {
  const u = new URL(url);
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(u.hostname);
  if (!m) return null;
  return { service: m[1], namespace: m[2], port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
}

export async function prepareSweepCluster(r: SweepClusterRequest): Promise<SweepClusterPrep> {
  const { KubeExec } = await import('../kube/exec.ts');
  const { kubeTarget } = await import('../kube/preflight.ts');
  const { loaderPreflight, clusterLoaders } = await import('../kube/loaders-run.ts');
  const { DEFAULT_LOADER } = await import('../kube/loaders.ts');
  const { LineSplitter, parsePortForwardLine } = await import('../kube/stream.ts');
  const exec = new KubeExec({ context: r.context, kubeconfig: r.kubeconfig });
  const t = await kubeTarget(exec);
  const svc = serviceOfUrl(r.target);
  const namespace = r.namespace ?? svc?.namespace ?? t.namespace;
  const spec = { ...DEFAULT_LOADER, namespace, release: 'nimble-sweep', session: r.sessionId, count: r.workers, cpu: r.cpu, allowGpuNode: r.allowGpuNode };
  const checks = await loaderPreflight(exec, spec);
  let pf: import('../kube/exec.ts').KubectlProcess | null = null;
  let localUrl = r.target;
  if (svc && !checks.some((c) => c.status === 'fail')) {
    const p = exec.spawnKubectl(['port-forward', `svc/${svc.service}`, `:${svc.port}`, '-n', svc.namespace, '--address', '127.0.0.1']);
    pf = p;
    const split = new LineSplitter();
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kubectl port-forward svc/${svc.service} printed no "Forwarding from" line within 30 s`)), 30_000);
      p.stdout?.on('data', (c: Buffer) => {
        for (const line of split.push(c)) {
          const f = parsePortForwardLine(line);
          if (f) {
            clearTimeout(timer);
            resolve(f.port);
          }
        }
      });
      p.then(() => (clearTimeout(timer), reject(new Error(`kubectl port-forward svc/${svc.service} -n ${svc.namespace} exited`))));
    }).catch((e) => {
      p.kill('SIGTERM');
      throw e;
    });
    const u = new URL(r.target);
    localUrl = `http://127.0.0.1:${port}${u.pathname.replace(/\/+$/, '')}`;
  }
  return {
    localUrl,
    namespace,
    context: t.context,
    checks,
    engine: (emit) => clusterLoaders({ exec, spec, target: r.target, emit }),
    close: () => void pf?.kill('SIGTERM'),
  };
}
