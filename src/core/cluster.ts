// The Cluster interface: what the simulator (src/sim/cluster.ts) and the Kubernetes driver
// (src/kube/) both implement, and the signals they emit. Signals are facts observed on the
// cluster; the phase tracker (phase-tracker.ts) turns them into the deployment timeline.

export type ProbeProfile = 'small' | 'medium' | 'large';

/** Speed levers from seed 000; the timeline shows which were active. */
export interface Levers {
  /** Reuse a model-cache PVC kept from an earlier cycle. */
  cachedModel: boolean;
  /** Image pre-pulled on the GPU nodes (pre-pull DaemonSet / node image). */
  prePulledImage: boolean;
  /** A GPU node already up (no node provisioning wait). */
  warmNode: boolean;
  /** Service (so the cloud LB) created before the pod so it provisions in parallel. */
  parallelLoadBalancer: boolean;
  /** Probe timings sized to the model (seed 002 C3). */
  sizedProbes: boolean;
}

export interface DeploySpec {
  release: string;
  namespace: string;
  /** Model id as served in /v1/models, e.g. meta/llama-3.1-8b-instruct. */
  model: string;
  image: string; // repository
  imageTag: string;
  /** Cloud shape of the GPU node, e.g. VM.GPU.A10.1. */
  gpuShape: string;
  gpuCount: number;
  cache: {
    /** Keep the model PVC on cleanup so the next cycle starts warm. */
    keep: boolean;
    sizeGi: number;
    storageClass: string;
    existingClaim?: string;
  };
  serviceType: 'LoadBalancer' | 'ClusterIP';
  probeProfile: ProbeProfile;
  levers: Levers;
  /** Chart: 'builtin' (the project's own charts/nimble-nim) or a path/URL to nim-llm. */
  chart: string;
  nodeSelector?: Record<string, string>;
  env?: Record<string, string>;
  /** Port the Service (so the load balancer) listens on; default 8000 (the NIM's own port). */
  servicePort?: number;
  /** How the NIM is deployed: a helm chart (default) or NVIDIA's NIM Operator (NIMCache + NIMService). */
  via?: 'helm' | 'operator';
}

export type ClusterSignal =
  | { kind: 'release.submitted'; release: string; revision?: number }
  | { kind: 'release.deployed'; release: string }
  | { kind: 'node.provisioning'; message: string }
  | { kind: 'node.ready'; node: string; gpus: number; product?: string; shape?: string }
  | { kind: 'pod.created'; pod: string }
  | { kind: 'pod.scheduled'; pod: string; node: string }
  | { kind: 'pod.unschedulable'; pod: string; message: string }
  | { kind: 'image.pulling'; image: string }
  | { kind: 'image.pulled'; image: string; cached: boolean; message: string }
  | { kind: 'container.started'; pod: string; container: string; restarts: number }
  | { kind: 'container.terminated'; pod: string; reason: string; exitCode?: number; message?: string }
  /** A NIM log line (plain text, or the "message" of a JSON log line). */
  | { kind: 'nim.log'; pod: string; line: string }
  | { kind: 'pod.ready'; pod: string; ready: boolean }
  /** NIM Operator: the NIMCache's state while its Job downloads the model, and when it is Ready. */
  | { kind: 'cache.progress'; cache: string; state: string; message: string }
  | { kind: 'cache.ready'; cache: string; pvc: string; message: string; existed: boolean }
  | { kind: 'service.created'; service: string; type: 'LoadBalancer' | 'ClusterIP' }
  | { kind: 'lb.provisioning'; service: string; message?: string }
  | { kind: 'lb.ready'; service: string; address: string }
  /** Health check through the endpoint (emitted by the cycle, not the cluster). */
  | { kind: 'health.probe'; url: string; status: number | null; ready: boolean; error?: string }
  /** A raw Kubernetes event, kept for diagnosis and the log view. */
  | { kind: 'k8s.event'; reason: string; message: string; object: string; type: 'Normal' | 'Warning'; count?: number }
  /** The driver concluded the deploy cannot succeed. */
  | { kind: 'failure'; diagnosis: Diagnosis }
  | { kind: 'cleanup.step'; step: CleanupStep; done: boolean; detail?: string }
  | { kind: 'resource'; resource: PaidResource; action: 'start' | 'stop' };

export type CleanupStep = 'release' | 'pods' | 'service' | 'pvc' | 'secrets' | 'namespace';

/** Something that costs money while it exists: the cost model bills start..stop. */
export interface PaidResource {
  id: string; // e.g. 'gpu-node', 'lb', 'pvc'
  /** Key into the price table (src/core/cost.ts). */
  priceItem: string;
  /** Quantity in the price item's unit (GPUs, GB, LBs). */
  quantity: number;
  label: string;
}

export interface Diagnosis {
  /** Stable id of the failure mode, e.g. 'image-pull-auth', 'insufficient-gpu'. */
  id: string;
  title: string;
  /** The observed text that matched. */
  evidence: string;
  /** What to do about it. */
  fix: string;
  /** true when waiting cannot help: stop and offer cleanup. */
  fatal: boolean;
}

export interface PreflightCheck {
  id: string;
  label: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  /** What to do when it failed. */
  fix?: string;
}

export interface Endpoint {
  /** Base URL of the OpenAI-compatible server, without /v1. */
  baseUrl: string;
  /** How it is reached: the LB address, a port-forward, or the simulator. */
  via: 'load-balancer' | 'port-forward' | 'cluster-ip' | 'simulator';
}

export interface CleanupOptions {
  keepCache: boolean;
  removeSecrets: boolean;
  removeNamespace: boolean;
}

export interface CleanupReport {
  ok: boolean;
  /** What is still there afterwards (and costs money), if anything. */
  leftovers: Leftover[];
  keptCache?: { claim: string; sizeGi: number; monthlyUsd: number };
  /** What nimble created and left in the cluster on purpose (secrets, namespace), with why. */
  kept?: Leftover[];
}

export interface Leftover {
  kind: 'release' | 'pvc' | 'service' | 'pod' | 'job' | 'secret' | 'namespace' | 'nimservice' | 'nimcache';
  name: string;
  namespace: string;
  detail: string;
  hourlyUsd: number;
}

export type Emit = (signal: ClusterSignal) => void;

export interface Cluster {
  readonly mode: 'sim' | 'cluster';
  /** Checks before anything is created. Never throws for a failed check: returns it. */
  preflight(spec: DeploySpec): Promise<PreflightCheck[]>;
  /**
   * Creates everything and resolves with the endpoint once the pod is Ready and (for a
   * LoadBalancer) the ingress has an address. Rejects with DeployFailed on a diagnosed failure.
   * Must stop promptly when `signal` aborts (leaving cleanup to the caller).
   */
  deploy(spec: DeploySpec, emit: Emit, signal: AbortSignal): Promise<Endpoint>;
  /** Removes what deploy created and verifies it is gone. */
  cleanup(spec: DeploySpec, opts: CleanupOptions, emit: Emit, signal?: AbortSignal): Promise<CleanupReport>;
  /** Anything nimble-labelled still in the cluster. */
  leftovers(): Promise<Leftover[]>;
}

export class DeployFailed extends Error {
  constructor(readonly diagnosis: Diagnosis) {
    super(`${diagnosis.title}: ${diagnosis.evidence}`);
    this.name = 'DeployFailed';
  }
}
