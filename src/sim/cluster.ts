// The simulated cluster: implements the same Cluster interface as the Kubernetes driver and emits
// the same kinds of signals a real cluster gives (scheduling, image pull, NIM log lines, readiness,
// load-balancer ingress), on the session clock, so deploy and cleanup play in virtual time.
// The endpoint it returns is a real simulated NIM HTTP server running in a worker thread.

import {
  DeployFailed,
  type CleanupOptions,
  type CleanupReport,
  type Cluster,
  type DeploySpec,
  type Emit,
  type Endpoint,
  type Leftover,
  type PreflightCheck,
} from '../core/cluster.ts';
import type { SessionClock } from '../core/clock.ts';
import { deploymentResources, keptCacheMonthlyUsd, type PriceTable, DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import type { TierId } from '../core/tiers.ts';
import { createRng } from '../core/rng.ts';
import { drawTimings, type SimTimings } from './profiles.ts';

export interface SimNimLike {
  url: string;
  setReady(ready: boolean): Promise<void> | void;
  close(): Promise<void>;
}

export interface SimClusterOptions {
  clock: SessionClock;
  profile: TierId;
  seed: number;
  /** Simulated NIM calibration profile (src/sim/nim/profiles.ts). */
  nimProfile?: string;
  /** Starts the simulated NIM; defaults to a worker thread. */
  startNim?: (opts: { model: string; profile?: string; seed: number }) => Promise<SimNimLike>;
  priceTable?: PriceTable;
  /** Make the deploy fail the way a real one would (for demos and tests). */
  failure?: 'insufficient-gpu' | 'image-pull-auth';
}

async function defaultStartNim(opts: { model: string; profile?: string; seed: number }): Promise<SimNimLike> {
  const { startSimNimInWorker } = await import('./nim/worker-host.ts');
  // Not ready (503) until the simulated pod turns Ready and calls setReady(true).
  return startSimNimInWorker({ port: 0, model: opts.model, profile: opts.profile, seed: opts.seed, startupDelayMs: 24 * 3_600_000 });
}

export function createSimCluster(opts: SimClusterOptions): Cluster & { timings: SimTimings } {
  const rng = createRng(opts.seed);
  const timings = drawTimings(opts.profile, rng);
  const clock = opts.clock;
  const startNim = opts.startNim ?? defaultStartNim;
  const table = opts.priceTable ?? DEFAULT_PRICE_TABLE;
  let nimStarting: Promise<SimNimLike> | null = null;
  let deployed: DeploySpec | null = null;

  async function closeNim() {
    const starting = nimStarting;
    nimStarting = null;
    const n = starting ? await starting.catch(() => null) : null;
    if (n) await n.close();
  }

  return {
    mode: 'sim',
    timings,

    async preflight(spec) {
      const checks: PreflightCheck[] = [
        { id: 'tools', label: 'kubectl and helm', status: 'pass', detail: 'not needed: simulated cluster' },
        { id: 'context', label: 'cluster context', status: 'pass', detail: `simulated OKE cluster, namespace ${spec.namespace}` },
        {
          id: 'gpu-nodes',
          label: 'GPU nodes',
          status: opts.failure === 'insufficient-gpu' ? 'warn' : 'pass',
          detail: `${spec.gpuShape}: ${spec.gpuCount} × nvidia.com/gpu allocatable (simulated)`,
        },
        { id: 'storage-class', label: 'storage class', status: 'pass', detail: `${spec.cache.storageClass} (simulated)` },
        { id: 'ngc-key', label: 'NGC_API_KEY', status: 'pass', detail: 'not needed: the simulator pulls nothing' },
      ];
      return checks;
    },

    async deploy(spec, emit, signal) {
      deployed = spec;
      const t = timings.phases;
      const pod = `${spec.release}-0`;
      const sleep = (ms: number) => clock.sleep(ms, signal);
      // Start the NIM worker in the background (not ready: 503), so its real start-up time does not
      // stretch the virtual timeline; it is awaited when the simulated container is up.
      const starting = startNim({ model: spec.model, profile: opts.nimProfile, seed: opts.seed });
      nimStarting = starting;
      starting.catch(() => {}); // awaited below or by cleanup
      const [gpuNode, pvc, lb] = [
        deploymentResources(spec).find((r) => r.id === 'gpu-node')!,
        deploymentResources(spec).find((r) => r.id === 'pvc')!,
        deploymentResources(spec).find((r) => r.id === 'lb'),
      ];

      emit({ kind: 'release.submitted', release: spec.release, revision: 1 });
      emit({ kind: 'resource', resource: gpuNode, action: 'start' });
      emit({ kind: 'release.deployed', release: spec.release });

      // The load balancer: in parallel with the pod when the Service is created first.
      let lbDone: Promise<void> = Promise.resolve();
      const provisionLb = async () => {
        if (spec.serviceType !== 'LoadBalancer' || !lb) {
          emit({ kind: 'service.created', service: `${spec.release}-nim`, type: 'ClusterIP' });
          return;
        }
        emit({ kind: 'service.created', service: `${spec.release}-nim`, type: 'LoadBalancer' });
        emit({ kind: 'resource', resource: lb, action: 'start' });
        emit({ kind: 'k8s.event', reason: 'EnsuringLoadBalancer', message: 'Ensuring load balancer', object: `service/${spec.release}-nim`, type: 'Normal' });
        emit({ kind: 'lb.provisioning', service: `${spec.release}-nim`, message: 'flexible shape 10 Mbps' });
        await sleep(t.loadBalancer);
        emit({ kind: 'k8s.event', reason: 'EnsuredLoadBalancer', message: 'Ensured load balancer', object: `service/${spec.release}-nim`, type: 'Normal' });
        emit({ kind: 'lb.ready', service: `${spec.release}-nim`, address: '127.0.0.1' });
      };
      if (spec.levers.parallelLoadBalancer) lbDone = provisionLb();
      lbDone.catch(() => {}); // awaited below; avoid an unhandled rejection on abort

      emit({ kind: 'pod.created', pod });
      if (!spec.levers.warmNode) emit({ kind: 'node.provisioning', message: `scaling node pool: 1 × ${spec.gpuShape}` });
      if (opts.failure === 'insufficient-gpu') {
        await sleep(Math.min(t.gpuNode, 20_000));
        const message = '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.';
        emit({ kind: 'pod.unschedulable', pod, message });
        throw new DeployFailed({
          id: 'insufficient-gpu',
          title: 'Not enough GPUs',
          evidence: message,
          fix: 'Scale the GPU node pool or check the tenancy quota and cluster autoscaler.',
          fatal: true,
        });
      }
      await sleep(t.gpuNode);
      emit({ kind: 'node.ready', node: 'gpu-node-1', gpus: spec.gpuCount, product: 'NVIDIA-A10', shape: spec.gpuShape });
      emit({ kind: 'pod.scheduled', pod, node: 'gpu-node-1' });
      emit({ kind: 'k8s.event', reason: 'Scheduled', message: `Successfully assigned ${spec.namespace}/${pod} to gpu-node-1`, object: `pod/${pod}`, type: 'Normal' });
      emit({ kind: 'resource', resource: pvc, action: 'start' });

      const image = `${spec.image}:${spec.imageTag}`;
      emit({ kind: 'image.pulling', image });
      if (opts.failure === 'image-pull-auth') {
        await sleep(Math.min(t.imagePull, 15_000));
        const evidence = `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to authorize: 401 Unauthorized`;
        emit({ kind: 'k8s.event', reason: 'Failed', message: evidence, object: `pod/${pod}`, type: 'Warning' });
        throw new DeployFailed({
          id: 'image-pull-auth',
          title: 'Image pull unauthorized (nvcr.io)',
          evidence,
          fix: 'Recreate the registry secret for nvcr.io with username $oauthtoken and your NGC API key as password.',
          fatal: true,
        });
      }
      await sleep(t.imagePull);
      const pulledMsg = spec.levers.prePulledImage
        ? `Container image "${image}" already present on machine`
        : `Successfully pulled image "${image}" in ${(t.imagePull / 1000).toFixed(1)}s`;
      emit({ kind: 'image.pulled', image, cached: spec.levers.prePulledImage, message: pulledMsg });
      emit({ kind: 'container.started', pod, container: 'nim', restarts: 0 });

      const log = (line: string) => emit({ kind: 'nim.log', pod, line });
      log('Detected 2 compatible profile(s).');
      log('Selected profile: 8835c31752fbc67ef658b20a9f78e056914fdef0660206d82f252d62fd96064d (vllm-fp16-tp1)');
      log('Preparing model workspace. This step might download additional files to run the model.');
      await sleep(t.modelDownload);
      log(`Model workspace is now ready. It took ${(t.modelDownload / 1000).toFixed(3)} seconds`);
      await sleep(t.nimStartup * 0.7);
      log('Loading model weights took 14.96 GB');
      await sleep(t.nimStartup * 0.3);
      log('Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)');
      // Real process start-up is the simulator's own cost, not the simulated NIM's: time holds.
      const nim = await clock.hold(starting);
      await clock.hold(Promise.resolve(nim.setReady(true)));
      emit({ kind: 'pod.ready', pod, ready: true });

      if (!spec.levers.parallelLoadBalancer) lbDone = provisionLb();
      await lbDone;
      return { baseUrl: nim.url, via: 'simulator' } satisfies Endpoint;
    },

    async cleanup(spec, cleanupOpts: CleanupOptions, emit: Emit): Promise<CleanupReport> {
      const c = timings.cleanup;
      const resources = deploymentResources(spec);
      const stop = (id: string) => {
        const r = resources.find((x) => x.id === id);
        if (r) emit({ kind: 'resource', resource: r, action: 'stop' });
      };
      // Cleanup is not abortable: it is what runs after an abort.
      emit({ kind: 'cleanup.step', step: 'release', done: false, detail: `helm uninstall ${spec.release}` });
      await clock.sleep(c.release);
      emit({ kind: 'cleanup.step', step: 'release', done: true, detail: 'release uninstalled' });
      emit({ kind: 'cleanup.step', step: 'pods', done: false, detail: 'waiting for pods to terminate' });
      await clock.hold(closeNim());
      await clock.sleep(c.pods);
      stop('gpu-node');
      emit({ kind: 'cleanup.step', step: 'pods', done: true, detail: 'pods gone; GPU node released' });
      if (spec.serviceType === 'LoadBalancer') {
        emit({ kind: 'cleanup.step', step: 'service', done: false, detail: 'deleting load balancer' });
        emit({ kind: 'k8s.event', reason: 'DeletingLoadBalancer', message: 'Deleting load balancer', object: `service/${spec.release}-nim`, type: 'Normal' });
        await clock.sleep(c.service);
        stop('lb');
        emit({ kind: 'k8s.event', reason: 'DeletedLoadBalancer', message: 'Deleted load balancer', object: `service/${spec.release}-nim`, type: 'Normal' });
        emit({ kind: 'cleanup.step', step: 'service', done: true, detail: 'service and load balancer gone' });
      }
      let keptCache: CleanupReport['keptCache'];
      const gb = resources.find((r) => r.id === 'pvc')!.quantity;
      if (cleanupOpts.keepCache) {
        keptCache = { claim: `model-store-${spec.release}-0`, sizeGi: spec.cache.sizeGi, monthlyUsd: keptCacheMonthlyUsd(gb, table) };
        emit({ kind: 'cleanup.step', step: 'pvc', done: true, detail: `kept model cache (${spec.cache.sizeGi} GiB)` });
      } else {
        emit({ kind: 'cleanup.step', step: 'pvc', done: false, detail: 'deleting model cache volume' });
        await clock.sleep(c.pvc);
        emit({ kind: 'cleanup.step', step: 'pvc', done: true, detail: 'model cache deleted' });
      }
      // The PVC stops billing this session either way; a kept cache is reported with its monthly cost.
      stop('pvc');
      deployed = null;
      return { ok: true, leftovers: [], keptCache };
    },

    async leftovers(): Promise<Leftover[]> {
      if (!deployed) return [];
      return [{ kind: 'release', name: deployed.release, namespace: deployed.namespace, detail: 'simulated release still deployed', hourlyUsd: 0 }];
    },
  };
}
