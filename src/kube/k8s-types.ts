// The Kubernetes objects nimble reads from kubectl's JSON, with only the fields it reads (the
// objects have many more). Local and small on purpose: a types package (kubernetes-types) would
// bring every field of every kind, all optional, and no NIM Operator kinds. `kind` is optional
// because test fixtures and some kubectl outputs (a single `get <kind> <name>`) are used without
// looking at it; where a listing mixes kinds, it is the discriminant.

export interface OwnerReference {
  kind: string;
  name?: string;
  uid?: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  resourceVersion?: string;
  ownerReferences?: OwnerReference[];
}

/** What every object has. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** An object nimble writes (kubectl apply): any fields besides these. */
export interface Manifest extends KubeObject {
  [field: string]: unknown;
}

export interface KubeList<T> {
  items?: T[];
}

export interface Condition {
  type: string;
  status: string; // 'True' | 'False' | 'Unknown'
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A resource quantity ("8", "16Gi", 2). */
export type Quantity = string | number;

export interface Container {
  name?: string;
  resources?: { limits?: Record<string, Quantity>; requests?: Record<string, Quantity> };
}

export interface ContainerStateTerminated {
  reason?: string;
  exitCode?: number;
  message?: string;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  image?: string;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod extends KubeObject {
  kind?: 'Pod';
  spec?: { nodeName?: string; containers?: Container[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Node extends KubeObject {
  kind?: 'Node';
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { allocatable?: Record<string, Quantity>; conditions?: Condition[] };
}

export interface Service extends KubeObject {
  kind?: 'Service';
  spec?: { type?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface PersistentVolumeClaim extends KubeObject {
  kind?: 'PersistentVolumeClaim';
  spec?: { resources?: { requests?: { storage?: string } } };
  status?: { phase?: string; capacity?: { storage?: string } };
}

export interface Job extends KubeObject {
  kind?: 'Job';
  status?: { active?: number };
}

export interface Secret extends KubeObject {
  kind?: 'Secret';
  type?: string;
}

export interface ObjectReference {
  kind?: string;
  name?: string;
  uid?: string;
}

/** A core/v1 Event or an events.k8s.io/v1 one: the fields of both that nimble reads. */
export interface KubeEvent extends KubeObject {
  kind?: 'Event';
  involvedObject?: ObjectReference; // core/v1
  regarding?: ObjectReference; // events.k8s.io/v1
  reason?: string;
  message?: string; // core/v1
  note?: string; // events.k8s.io/v1
  type?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
  // null in events written through events.k8s.io (kubectl shows them so)
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
}

/** NVIDIA NIM Operator's NIMCache (apps.nvidia.com/v1alpha1). */
export interface NIMCache extends KubeObject {
  kind?: 'NIMCache';
  spec?: { storage?: { pvc?: { name?: string } } };
  status?: { state?: string; pvc?: string; conditions?: Condition[] };
}

/** NVIDIA NIM Operator's NIMService (apps.nvidia.com/v1alpha1). */
export interface NIMService extends KubeObject {
  kind?: 'NIMService';
  status?: { state?: string; conditions?: Condition[]; model?: { clusterEndpoint?: string; externalEndpoint?: string } };
}

/** What a listing of nimble-labelled pods, services, claims and jobs holds (`kind` tells which). */
export type LabelledObject = Pod | Service | PersistentVolumeClaim | Job;

/** One line of `helm list -o json`. */
export interface HelmRelease {
  name: string;
  namespace: string;
  chart: string;
  status: string;
  revision: string | number;
}

/** `kubectl config view --minify -o json`: the current context and its cluster. */
export interface Kubeconfig {
  contexts?: { name: string; context?: { cluster?: string; user?: string; namespace?: string } }[];
  clusters?: { name: string; cluster?: { server?: string } }[];
}

export interface StorageClass extends KubeObject {
  kind?: 'StorageClass';
  provisioner?: string;
  volumeBindingMode?: string;
}
