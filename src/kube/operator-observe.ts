// NIM Operator path: turns the watch streams of the NIMCache and the NIMService into signals and
// a verdict. Pure state machine (like observe.ts): fed watch events and a clock, no I/O; tested on
// status sequences from fixtures. The pods, events, Service and PVC the operator creates go
// through the ordinary DeployObserver (observe.ts); this one adds what only the custom resources say.
//
// What the operator writes (k8s-nim-operator v3.x, internal/controller and internal/conditions):
// - NIMCache .status.state: PVC-Created → Started → Pending | InProgress → Ready | Failed, with
//   conditions NIM_CACHE_PVC_CREATED, NIM_CACHE_JOB_CREATED, NIM_CACHE_JOB_PENDING (False/JobRunning
//   while the Job runs), NIM_CACHE_JOB_COMPLETED (True/JobCompleted, or False/JobFailed),
//   NIM_CACHE_RECONCILE_FAILED; .status.pvc once Ready.
// - NIMService .status.state: Pending | NotReady | Ready | Failed, conditions Ready and Failed
//   (older releases: NIM_SERVICE_READY / NIM_SERVICE_FAILED); Ready=False reason NIMCacheNotReady
//   while it waits for the cache; Failed=True with reason NIMCacheNotFound, NIMCacheFailed,
//   DeploymentFailed, ...; .status.model.{clusterEndpoint, externalEndpoint} once Ready.

import type { ClusterSignal, Diagnosis, Emit } from '../core/cluster.ts';
import { cacheJobName } from './operator.ts';
import type { Condition, NIMCache, NIMService } from './k8s-types.ts';
import type { WatchEvent } from './stream.ts';
import { durationText } from '../core/format.ts';

export interface OperatorObserverOptions {
  namespace: string;
  cacheName: string;
  /** NIMService name (= the release). */
  serviceName: string;
  /** The NIMCache was already Ready before this deploy (kept from an earlier cycle). */
  cacheExisted: boolean;
  /** Wall-clock ms when nimble applied the resources. */
  startedAt: number;
  now: () => number;
  /** No status at all from the operator this long after apply → operator-not-running (default 3 min). */
  operatorSilentMs?: number;
}


const READY_TYPES = ['Ready', 'NIM_SERVICE_READY'];
const FAILED_TYPES = ['Failed', 'NIM_SERVICE_FAILED'];

export class OperatorObserver {
  failure: Diagnosis | null = null;
  cacheState: string | null = null;
  cacheReady = false;
  serviceState: string | null = null;
  serviceReady = false;
  /** From NIMService .status.model once Ready. */
  endpoints: { cluster?: string; external?: string } = {};
  private seenConds = new Map<string, string>();
  private heard = false;

  constructor(private readonly o: OperatorObserverOptions, private readonly emit: Emit) {}

  private signal(s: ClusterSignal) {
    this.emit(s);
  }

  private fail(dx: Diagnosis) {
    if (this.failure) return;
    this.failure = dx;
    this.signal({ kind: 'failure', diagnosis: dx });
  }

  get done(): boolean {
    return this.cacheReady && this.serviceReady;
  }

  /** Each changed condition once, as a raw event for the log and the diagnosis view. */
  private conditions(kind: 'nimcache' | 'nimservice', obj: NIMCache | NIMService): Condition[] {
    // The operator's CRDs may leave conditions out or (old versions) null.
    const conds = Array.isArray(obj.status?.conditions) ? obj.status.conditions : [];
    for (const c of conds) {
      const key = `${kind}/${c.type}`;
      const val = `${c.status}|${c.reason ?? ''}|${c.message ?? ''}`;
      if (this.seenConds.get(key) === val) continue;
      this.seenConds.set(key, val);
      const bad = (c.status === 'True' && /FAILED/i.test(c.type)) || (c.status === 'False' && /JobFailed|Failed/.test(c.reason ?? ''));
      this.signal({
        kind: 'k8s.event',
        reason: c.reason || c.type,
        message: `${c.type}=${c.status}${c.message ? `: ${c.message}` : ''}`,
        object: `${kind}/${obj.metadata.name}`,
        type: bad ? 'Warning' : 'Normal',
      });
    }
    return conds;
  }

  onNimCache(ev: WatchEvent<NIMCache>) {
    const c = ev.object;
    if (c.metadata?.name !== this.o.cacheName) return;
    if (ev.type === 'DELETED' || c.metadata.deletionTimestamp) {
      if (!this.cacheReady || ev.type === 'DELETED') {
        this.fail({ id: 'nimcache-deleted', title: 'NIMCache deleted during the deploy', evidence: `nimcache/${c.metadata.name} ${ev.type === 'DELETED' ? 'deleted' : 'being deleted'}`, fix: 'Someone (or nimble cleanup) removed it; run again.', fatal: true });
      }
      return;
    }
    const conds = this.conditions('nimcache', c);
    const state = c.status?.state;
    if (!state) return;
    this.heard = true;
    if (state === this.cacheState) return;
    this.cacheState = state;
    const latest = [...conds].sort((a, b) => (b.lastTransitionTime ?? '').localeCompare(a.lastTransitionTime ?? ''))[0];
    const message = latest?.message ?? '';
    if (state === 'Ready') {
      this.cacheReady = true;
      this.signal({ kind: 'cache.ready', cache: c.metadata.name, pvc: c.status?.pvc ?? '', message, existed: this.o.cacheExisted });
    } else if (state === 'Failed') {
      const job = conds.find((x) => x.type === 'NIM_CACHE_JOB_COMPLETED' && x.status === 'False');
      this.fail({
        id: 'nimcache-failed',
        title: 'Model caching failed (NIMCache Failed)',
        evidence: job ? `${job.reason ?? 'JobFailed'}: ${job.message ?? ''}` : message || 'state Failed',
        fix: `See why the caching Job failed: kubectl logs job/${cacheJobName(c.metadata.name)} -n ${this.o.namespace}. Usual causes: the NGC key is not entitled to the model, no egress to NGC, the cache volume too small (--cache-size).`,
        fatal: true,
      });
    } else {
      this.signal({ kind: 'cache.progress', cache: c.metadata.name, state, message });
    }
  }

  onNimService(ev: WatchEvent<NIMService>) {
    const s = ev.object;
    if (s.metadata?.name !== this.o.serviceName) return;
    if (ev.type === 'DELETED' || s.metadata.deletionTimestamp) {
      this.fail({ id: 'nimservice-deleted', title: 'NIMService deleted during the deploy', evidence: `nimservice/${s.metadata.name} ${ev.type === 'DELETED' ? 'deleted' : 'being deleted'}`, fix: 'Someone (or nimble cleanup) removed it; run again.', fatal: true });
      return;
    }
    const conds = this.conditions('nimservice', s);
    const state = s.status?.state;
    if (state || conds.length) this.heard = true;
    this.serviceState = state ?? this.serviceState;
    const failed = conds.find((c) => FAILED_TYPES.includes(c.type) && c.status === 'True');
    if (failed || state === 'Failed') {
      const reason = failed?.reason ?? 'Failed';
      const evidence = `${reason}${failed?.message ? `: ${failed.message}` : ''}`;
      const fix = /NIMCacheNotFound/.test(reason)
        ? `The NIMService names a NIMCache that is not there: kubectl get nimcache -n ${this.o.namespace}.`
        : /NIMCacheFailed/.test(reason)
          ? `The model cache failed: kubectl describe nimcache ${this.o.cacheName} -n ${this.o.namespace}.`
          : `kubectl describe nimservice ${s.metadata.name} -n ${this.o.namespace}; the operator's log says more.`;
      this.fail({ id: 'nimservice-failed', title: 'NIM Operator marked the NIMService Failed', evidence, fix, fatal: true });
      return;
    }
    const ready = conds.find((c) => READY_TYPES.includes(c.type));
    this.serviceReady = ready ? ready.status === 'True' : state === 'Ready';
    const model = s.status?.model;
    if (model) this.endpoints = { cluster: model.clusterEndpoint || undefined, external: model.externalEndpoint || undefined };
  }

  /** The operator never answered: nothing else will, so say so instead of waiting an hour. */
  tick() {
    const ms = this.o.operatorSilentMs ?? 3 * 60_000;
    if (!this.heard && this.o.now() - this.o.startedAt > ms) {
      this.fail({
        id: 'operator-not-running',
        title: 'The NIM Operator did not act on the NIMCache/NIMService',
        evidence: `no status on nimcache/${this.o.cacheName} or nimservice/${this.o.serviceName} ${durationText(this.o.now() - this.o.startedAt)} after they were created`,
        fix: 'Check the operator runs and watches this namespace: kubectl get pods -A -l app.kubernetes.io/name=k8s-nim-operator, then its logs.',
        fatal: true,
      });
    }
  }
}
