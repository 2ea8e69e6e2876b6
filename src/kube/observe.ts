// Turns the watch streams of one deploy (pods, events, the Service, the cache PVC, nodes) and the
// NIM log lines into ClusterSignals, and decides when the deploy has failed for good. Pure state
// machine: feed it watch events and a clock, it emits signals; no I/O, so it is tested on recorded
// kubectl output. Which signal closes which phase: src/core/phase-tracker.ts.

import type { ClusterSignal, Diagnosis, DeploySpec, Emit, PaidResource } from '../core/cluster.ts';
import { deploymentResources } from '../core/cost.ts';
import {
  diagnoseCrashLoop, diagnoseEvent, diagnoseLogLine, diagnoseTermination, diagnoseWaiting, lbStuckDiagnosis, pvcStuckDiagnosis,
} from './diagnose.ts';
import type { Condition, ContainerStateTerminated, ContainerStatus, KubeEvent, Node, PersistentVolumeClaim, Pod, Service } from './k8s-types.ts';
import { eventCount, eventTime, parseNimLogLine, type WatchEvent } from './stream.ts';

export interface ObserverOptions {
  spec: DeploySpec;
  serviceName: string;
  claimName: string;
  /** Wall-clock ms (Date.now) when the deploy started: older events of other objects are history. */
  startedAt: number;
  now: () => number;
  autoscaler?: boolean;
  /** No LB ingress this long after the Service appeared → lb-stuck (default 10 min). */
  lbStuckMs?: number;
  /** Cache PVC still Pending this long → pvc-stuck (default 10 min). */
  pvcStuckMs?: number;
}

export interface ObservedLevers {
  cachedModel: boolean;
  prePulledImage: boolean;
  warmNode: boolean;
  parallelLoadBalancer: boolean;
}

interface PodState {
  name: string;
  uid: string;
  scheduled: boolean;
  unschedulableMsg?: string;
  started: Set<string>; // `${container}#${restartCount}`
  terminated: Set<string>;
  ready: boolean;
  waiting?: string;
}

export class DeployObserver {
  failure: Diagnosis | null = null;
  podReady = false;
  readyPod: string | null = null;
  lbAddress: string | null = null;
  serviceSeen = false;
  readonly levers: ObservedLevers;
  /** Called when a container (re)starts, so the driver can follow its log. */
  onContainerStarted?: (pod: string, container: string, restarts: number) => void;

  private pods = new Map<string, PodState>();
  private eventCounts = new Map<string, number>();
  private pendingPodEvents = new Map<string, KubeEvent[]>();
  private nodes = new Map<string, { gpus: number; product?: string; shape?: string; ready: boolean }>();
  private resources = new Set<string>();
  private serviceUid?: string;
  private serviceSeenAt?: number;
  private pvcUid?: string;
  private pvcPendingSince?: number;
  private pvcLastMessage = '';
  private imagePulled = false;
  private logEvidence: Diagnosis | null = null;
  private paid: Record<string, PaidResource>;

  constructor(private readonly o: ObserverOptions, private readonly emit: Emit) {
    this.levers = { cachedModel: false, prePulledImage: false, warmNode: true, parallelLoadBalancer: o.spec.serviceType === 'LoadBalancer' };
    this.paid = Object.fromEntries(deploymentResources(o.spec).map((r) => [r.id, r]));
  }

  private signal(s: ClusterSignal) {
    this.emit(s);
  }

  private fail(dx: Diagnosis) {
    if (this.failure) return;
    this.failure = dx;
    this.signal({ kind: 'failure', diagnosis: dx });
  }

  private startResource(id: string, override?: Partial<PaidResource>) {
    if (this.resources.has(id) || !this.paid[id]) return;
    this.resources.add(id);
    this.signal({ kind: 'resource', resource: { ...this.paid[id], ...override }, action: 'start' });
  }

  /** Paid resources this deploy started (cleanup stops them). */
  startedResources(): PaidResource[] {
    return [...this.resources].map((id) => this.paid[id]);
  }

  get done(): boolean {
    return this.podReady && (this.o.spec.serviceType === 'ClusterIP' || this.lbAddress !== null);
  }

  // ---------------------------------------------------------------- nodes
  onNode(ev: WatchEvent<Node>) {
    const n = ev.object;
    if (ev.type === 'DELETED') return void this.nodes.delete(n.metadata.name);
    const labels = n.metadata.labels ?? {};
    const gpus = Number(n.status?.allocatable?.['nvidia.com/gpu'] ?? 0) || 0;
    const ready = (n.status?.conditions ?? []).some((c: Condition) => c.type === 'Ready' && c.status === 'True');
    this.nodes.set(n.metadata.name, {
      gpus,
      ready,
      product: labels['nvidia.com/gpu.product'],
      shape: labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'],
    });
  }

  // ---------------------------------------------------------------- pods
  onPod(ev: WatchEvent<Pod>) {
    const p = ev.object;
    const uid = p.metadata.uid ?? p.metadata.name;
    if (ev.type === 'DELETED' || p.metadata.deletionTimestamp) {
      // A pod going away mid-deploy (old revision, eviction) is not our pod any more.
      this.pods.delete(uid);
      if (ev.type === 'DELETED' && p.status?.reason === 'Evicted') this.fail(diagnoseEvent({ reason: 'Evicted', message: p.status?.message ?? 'Evicted' })!);
      return;
    }
    let st = this.pods.get(uid);
    if (!st) {
      st = { name: p.metadata.name, uid, scheduled: false, started: new Set(), terminated: new Set(), ready: false };
      this.pods.set(uid, st);
      this.signal({ kind: 'pod.created', pod: st.name });
      for (const e of this.pendingPodEvents.get(uid) ?? []) this.handlePodEvent(st, e);
      this.pendingPodEvents.delete(uid);
    }
    const status = p.status ?? {};
    const conds = status.conditions ?? [];
    const cond = (t: string) => conds.find((c) => c.type === t);

    if (status.reason === 'Evicted') this.fail(diagnoseEvent({ reason: 'Evicted', message: status.message ?? 'Evicted' })!);

    const sched = cond('PodScheduled');
    if (sched?.status === 'True' && p.spec?.nodeName) this.scheduled(st, p.spec.nodeName);
    else if (sched?.status === 'False' && sched.reason === 'Unschedulable' && sched.message) this.unschedulable(st, sched.message);

    const statuses = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
    for (const cs of statuses) this.container(st, cs);

    const ready = cond('Ready')?.status === 'True';
    if (ready !== st.ready) {
      st.ready = ready;
      this.signal({ kind: 'pod.ready', pod: st.name, ready });
    }
    this.podReady = [...this.pods.values()].some((x) => x.ready);
    this.readyPod = [...this.pods.values()].find((x) => x.ready)?.name ?? null;
  }

  private scheduled(st: PodState, node: string) {
    if (st.scheduled) return;
    st.scheduled = true;
    const n = this.nodes.get(node);
    if (n) this.signal({ kind: 'node.ready', node, gpus: n.gpus, product: n.product, shape: n.shape });
    this.signal({ kind: 'pod.scheduled', pod: st.name, node });
    const shape = n?.shape && n.shape !== this.o.spec.gpuShape ? n.shape : undefined;
    this.startResource('gpu-node', shape ? { priceItem: shape, label: `${this.o.spec.gpuCount}× GPU on ${shape}` } : undefined);
  }

  private unschedulable(st: PodState, message: string) {
    if (st.scheduled || st.unschedulableMsg === message) return;
    st.unschedulableMsg = message;
    this.signal({ kind: 'pod.unschedulable', pod: st.name, message });
    const dx = diagnoseEvent({ reason: 'FailedScheduling', message }, { autoscaler: this.o.autoscaler });
    if (dx?.fatal) this.fail(dx);
  }

  private container(st: PodState, cs: ContainerStatus) {
    const name = cs.name;
    const restarts = Number(cs.restartCount ?? 0);
    const state = cs.state ?? {};
    const last = cs.lastState?.terminated;
    if (last && restarts > 0) this.terminatedOnce(st, name, restarts - 1, last);
    if (state.terminated) this.terminatedOnce(st, name, restarts, state.terminated);
    if (state.running?.startedAt) {
      const key = `${name}#${restarts}`;
      if (!st.started.has(key)) {
        st.started.add(key);
        if (!this.imagePulled) {
          // Running means the image is there, even if the Pulled event was missed.
          this.imagePulled = true;
          this.signal({ kind: 'image.pulled', image: cs.image ?? this.image(), cached: false, message: 'image present (container running)' });
        }
        this.signal({ kind: 'container.started', pod: st.name, container: name, restarts });
        this.onContainerStarted?.(st.name, name, restarts);
      }
    }
    const waiting = state.waiting;
    if (waiting?.reason && waiting.reason !== st.waiting) {
      st.waiting = waiting.reason;
      if (waiting.reason === 'CrashLoopBackOff') {
        this.fail(diagnoseCrashLoop(`CrashLoopBackOff: ${waiting.message ?? ''} (restarts: ${restarts})`, this.logEvidence ?? (last ? diagnoseTermination(last.reason ?? '', last.exitCode, last.message) : null)));
      } else {
        const dx = diagnoseWaiting(waiting.reason, waiting.message ?? '');
        if (dx?.fatal) this.fail(dx);
      }
    } else if (!waiting) st.waiting = undefined;
  }

  private terminatedOnce(st: PodState, container: string, run: number, t: ContainerStateTerminated) {
    const key = `${container}#${run}`;
    if (st.terminated.has(key)) return;
    st.terminated.add(key);
    this.signal({ kind: 'container.terminated', pod: st.name, reason: t.reason ?? 'Terminated', exitCode: t.exitCode, message: t.message });
    const dx = diagnoseTermination(t.reason ?? '', t.exitCode, t.message ?? '');
    if (dx) this.fail(dx);
    else if (this.logEvidence && t.exitCode !== 0) this.fail({ ...this.logEvidence, fatal: true });
  }

  private image(): string {
    return `${this.o.spec.image}:${this.o.spec.imageTag}`;
  }

  // ---------------------------------------------------------------- events
  onEvent(ev: WatchEvent<KubeEvent>) {
    if (ev.type === 'DELETED') return;
    const e = ev.object;
    const key = e.metadata.uid ?? `${e.metadata.name}`;
    const count = eventCount(e);
    if ((this.eventCounts.get(key) ?? 0) >= count) return; // replayed by a respawned watch
    const io = e.involvedObject ?? e.regarding ?? {};
    const kind = io.kind ?? '';
    const name = io.name ?? '';
    if (kind === 'Pod') {
      const st = io.uid ? this.pods.get(io.uid) : undefined;
      if (!st) {
        // The pod may not have reached us yet; keep its events until it does (bounded).
        if (io.uid && this.pendingPodEvents.size < 200 && name.startsWith(this.o.spec.release)) {
          const list = this.pendingPodEvents.get(io.uid) ?? [];
          list.push(e);
          this.pendingPodEvents.set(io.uid, list);
        }
        this.eventCounts.set(key, count);
        return;
      }
      this.eventCounts.set(key, count);
      this.handlePodEvent(st, e);
      return;
    }
    if ((kind === 'Service' && name === this.o.serviceName) || (kind === 'PersistentVolumeClaim' && name === this.o.claimName)) {
      const known = kind === 'Service' ? this.serviceUid : this.pvcUid;
      this.eventCounts.set(key, count);
      if (io.uid && !known) {
        // Not seen the object yet: hold its events (an old object of the same name must not count).
        if (this.pendingPodEvents.size < 200) this.pendingPodEvents.set(io.uid, [...(this.pendingPodEvents.get(io.uid) ?? []), e]);
        return;
      }
      if (io.uid && io.uid !== known) return;
      return this.handleObjEvent(e, kind, name);
    }
    // Deployment/ReplicaSet/StatefulSet events: informational; recent ones only.
    if (!name.startsWith(this.o.spec.release) || eventTime(e) < this.o.startedAt - 60_000) return;
    this.eventCounts.set(key, count);
    this.handleObjEvent(e, kind, name);
  }

  private replayPending(uid: string | undefined, kind: string, name: string) {
    if (!uid) return;
    for (const e of this.pendingPodEvents.get(uid) ?? []) this.handleObjEvent(e, kind, name);
    this.pendingPodEvents.delete(uid);
  }

  private handleObjEvent(e: KubeEvent, kind: string, name: string) {
    this.raw(e, kind, name);
    const reason: string = e.reason ?? '';
    const message: string = e.message ?? e.note ?? '';
    if (kind === 'Service') {
      if (reason === 'EnsuringLoadBalancer' && !this.lbAddress) this.signal({ kind: 'lb.provisioning', service: name, message });
    }
    if (kind === 'PersistentVolumeClaim' && message) this.pvcLastMessage = message;
    const dx = diagnoseEvent({ reason, message, type: e.type, kind, count: eventCount(e) }, { autoscaler: this.o.autoscaler });
    if (dx?.fatal) this.fail(dx);
  }

  private raw(e: KubeEvent, kind: string, name: string) {
    this.signal({
      kind: 'k8s.event',
      reason: e.reason ?? '',
      message: e.message ?? e.note ?? '',
      object: `${kind.toLowerCase()}/${name}`,
      type: e.type === 'Warning' ? 'Warning' : 'Normal',
      count: eventCount(e),
    });
  }

  private handlePodEvent(st: PodState, e: KubeEvent) {
    this.raw(e, 'Pod', st.name);
    const reason: string = e.reason ?? '';
    const message: string = e.message ?? '';
    switch (reason) {
      case 'Scheduled': {
        const m = / to (\S+)\s*$/.exec(message);
        if (m) this.scheduled(st, m[1]);
        return;
      }
      case 'FailedScheduling':
        return this.unschedulable(st, message);
      case 'TriggeredScaleUp':
        this.levers.warmNode = false;
        this.signal({ kind: 'node.provisioning', message });
        this.startResource('gpu-node'); // the new instance bills from launch
        return;
      case 'Pulling': {
        const m = /Pulling image "([^"]+)"/.exec(message);
        this.signal({ kind: 'image.pulling', image: m?.[1] ?? this.image() });
        return;
      }
      case 'Pulled': {
        if (this.imagePulled) return;
        this.imagePulled = true;
        const cached = /already present on machine/i.test(message);
        if (cached) this.levers.prePulledImage = true;
        const m = /image "([^"]+)"/.exec(message);
        this.signal({ kind: 'image.pulled', image: m?.[1] ?? this.image(), cached, message });
        return;
      }
      default: {
        const dx = diagnoseEvent({ reason, message, type: e.type, kind: 'Pod', count: eventCount(e) }, { autoscaler: this.o.autoscaler });
        if (dx?.fatal) this.fail(dx);
      }
    }
  }

  // ---------------------------------------------------------------- service, pvc
  onService(ev: WatchEvent<Service>) {
    const s = ev.object;
    if (s.metadata.name !== this.o.serviceName || ev.type === 'DELETED' || s.metadata.deletionTimestamp) return;
    if (!this.serviceSeen) {
      this.serviceSeen = true;
      this.serviceUid = s.metadata.uid;
      this.serviceSeenAt = this.o.now();
      const type = s.spec?.type === 'LoadBalancer' ? 'LoadBalancer' : 'ClusterIP';
      this.signal({ kind: 'service.created', service: s.metadata.name, type });
      if (type === 'LoadBalancer') {
        this.startResource('lb');
        if (!lbIngress(s)) this.signal({ kind: 'lb.provisioning', service: s.metadata.name, message: 'waiting for the cloud load balancer' });
      }
      this.replayPending(s.metadata.uid, 'Service', s.metadata.name);
    }
    const addr = lbIngress(s);
    if (addr && !this.lbAddress && s.spec?.type === 'LoadBalancer') {
      this.lbAddress = addr;
      this.signal({ kind: 'lb.ready', service: s.metadata.name, address: addr });
    }
  }

  onPvc(ev: WatchEvent<PersistentVolumeClaim>, existedBefore = false) {
    const c = ev.object;
    if (c.metadata.name !== this.o.claimName || ev.type === 'DELETED') return;
    const first = this.pvcUid === undefined;
    this.pvcUid = c.metadata.uid;
    if (first) this.replayPending(c.metadata.uid, 'PersistentVolumeClaim', c.metadata.name);
    const phase = c.status?.phase;
    if (phase === 'Bound') {
      this.pvcPendingSince = undefined;
      if (existedBefore) this.levers.cachedModel = true;
      this.startResource('pvc');
    } else if (phase === 'Pending' && this.pvcPendingSince === undefined) {
      this.pvcPendingSince = this.o.now();
    }
  }

  // ---------------------------------------------------------------- logs, time
  onLogLine(pod: string, raw: string) {
    const parsed = parseNimLogLine(raw);
    if (!parsed) return;
    this.signal({ kind: 'nim.log', pod, line: parsed.line });
    const dx = diagnoseLogLine(parsed.line);
    if (dx) this.logEvidence = dx;
  }

  /** Time-based verdicts: the LB or the cache volume waiting for longer than anyone should. */
  tick() {
    const now = this.o.now();
    const lbMs = this.o.lbStuckMs ?? 10 * 60_000;
    if (this.serviceSeenAt !== undefined && this.o.spec.serviceType === 'LoadBalancer' && !this.lbAddress && now - this.serviceSeenAt > lbMs) {
      this.fail(lbStuckDiagnosis(this.o.serviceName, now - this.serviceSeenAt));
    }
    const pvcMs = this.o.pvcStuckMs ?? 10 * 60_000;
    if (this.pvcPendingSince !== undefined && now - this.pvcPendingSince > pvcMs) {
      this.fail(pvcStuckDiagnosis(this.o.claimName, now - this.pvcPendingSince, this.pvcLastMessage));
    }
  }
}

export function lbIngress(svc: Service): string | null {
  const ing = svc.status?.loadBalancer?.ingress?.[0];
  return ing?.ip ?? ing?.hostname ?? null;
}
