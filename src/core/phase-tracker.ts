// Turns cluster signals into the deployment timeline. Pure: the same signals at the same times
// always give the same timeline, whether they came from the simulator, kubectl, or a replay.
// Which signal closes which phase follows ../shared/reference/nim-on-kubernetes.md §3.

import type { ClusterSignal } from './cluster.ts';
import { PHASE_ORDER, phaseTier, type PhaseId, type TierId } from './tiers.ts';

export type PhaseStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface PhaseState {
  status: PhaseStatus;
  startedAt?: number;
  endedAt?: number;
  /** Latest human-readable detail (e.g. "already present on machine", the LB address). */
  note?: string;
}

export type Phases = Record<PhaseId, PhaseState>;

export function initialPhases(): Phases {
  const p = {} as Phases;
  for (const id of PHASE_ORDER) p[id] = { status: 'pending' };
  return p;
}

/** NIM startup log lines used as phase boundaries. */
export const NIM_LOG = {
  downloadStart: /Preparing model workspace/i,
  downloadDone: /Model workspace is now ready/i,
  loading: /Loading model weights|Uvicorn running|Application startup complete/i,
} as const;

export function phaseDurationMs(p: PhaseState, now: number): number | null {
  if (p.startedAt === undefined) return null;
  return (p.endedAt ?? now) - p.startedAt;
}

/** Achieved tier of a finished phase (null while it runs or when it did not run). */
export function phaseVerdict(id: PhaseId, p: PhaseState): TierId | 'over' | null {
  if (p.status !== 'done' || p.startedAt === undefined || p.endedAt === undefined) return null;
  return phaseTier(id, p.endedAt - p.startedAt);
}

export function trackPhase(phases: Phases, sig: ClusterSignal, t: number): Phases {
  const next: Phases = { ...phases };
  const start = (id: PhaseId, note?: string) => {
    if (next[id].status === 'pending') next[id] = { status: 'running', startedAt: t, note };
    else if (note && next[id].status === 'running') next[id] = { ...next[id], note };
  };
  const finish = (id: PhaseId, note?: string) => {
    const cur = next[id];
    if (cur.status === 'done' || cur.status === 'skipped') return;
    next[id] = { status: 'done', startedAt: cur.startedAt ?? t, endedAt: t, note: note ?? cur.note };
  };
  const noteOn = (id: PhaseId, note: string) => {
    if (next[id].status === 'running') next[id] = { ...next[id], note };
  };

  switch (sig.kind) {
    case 'release.submitted':
    case 'node.provisioning':
      start('gpuNode', sig.kind === 'node.provisioning' ? sig.message : undefined);
      break;
    case 'pod.unschedulable':
      start('gpuNode');
      noteOn('gpuNode', sig.message);
      break;
    case 'pod.scheduled':
      start('gpuNode');
      finish('gpuNode', `on ${sig.node}`);
      start('imagePull');
      break;
    case 'image.pulling':
      finish('gpuNode');
      start('imagePull', sig.image);
      break;
    case 'image.pulled':
      finish('gpuNode');
      start('imagePull');
      finish('imagePull', sig.cached ? 'already present on node' : sig.message);
      break;
    case 'container.started':
      finish('gpuNode');
      finish('imagePull');
      start('modelDownload', sig.restarts > 0 ? `restart #${sig.restarts}` : undefined);
      // The model was already on disk (a Ready NIMCache): this container only loads it.
      if (next.modelDownload.status === 'done') start('nimStartup');
      break;
    case 'cache.progress':
      // NIM Operator: the NIMCache's Job is the model download.
      if (sig.state === 'InProgress') {
        if (next.gpuNode.status === 'running') finish('gpuNode');
        if (next.imagePull.status === 'running') finish('imagePull');
        start('modelDownload');
      }
      noteOn('modelDownload', `NIMCache ${sig.state}`);
      break;
    case 'cache.ready':
      start('modelDownload');
      finish('modelDownload', sig.existed ? `kept NIMCache ${sig.cache}` : `NIMCache Ready (${sig.pvc})`);
      // Cold: the caching Job's pod already had the node and the image; the NIM pod starts from here.
      if (next.imagePull.status === 'done') start('nimStartup');
      break;
    case 'nim.log':
      if (NIM_LOG.downloadStart.test(sig.line)) {
        start('modelDownload');
      } else if (NIM_LOG.downloadDone.test(sig.line)) {
        start('modelDownload');
        const took = /took ([\d.]+) seconds/i.exec(sig.line);
        finish('modelDownload', took ? `workspace ready (NIM: ${took[1]} s)` : 'workspace ready');
        start('nimStartup');
      } else if (NIM_LOG.loading.test(sig.line)) {
        if (next.modelDownload.status === 'running') finish('modelDownload');
        start('nimStartup');
        noteOn('nimStartup', sig.line.slice(0, 80));
      }
      break;
    case 'container.terminated':
      for (const id of PHASE_ORDER) {
        if (next[id].status === 'running' && id !== 'loadBalancer') noteOn(id, `container ${sig.reason}${sig.exitCode !== undefined ? ` (exit ${sig.exitCode})` : ''}`);
      }
      break;
    case 'pod.ready':
      if (sig.ready) {
        for (const id of ['gpuNode', 'imagePull', 'modelDownload'] as const) if (next[id].status === 'running') finish(id);
        start('nimStartup');
        finish('nimStartup', 'pod Ready');
      }
      break;
    case 'service.created':
      if (sig.type === 'LoadBalancer') start('loadBalancer', 'provisioning');
      else if (next.loadBalancer.status === 'pending') next.loadBalancer = { status: 'skipped', note: 'ClusterIP service' };
      break;
    case 'lb.provisioning':
      start('loadBalancer', sig.message);
      break;
    case 'lb.ready':
      start('loadBalancer');
      finish('loadBalancer', sig.address);
      break;
    case 'health.probe':
      if (sig.ready) {
        start('healthCheck');
        finish('healthCheck', `HTTP ${sig.status}`);
      } else {
        noteOn('healthCheck', sig.error ?? `HTTP ${sig.status ?? '—'}`);
      }
      break;
    case 'failure': {
      // The failure belongs to the earliest pod phase still open, else to the LB.
      const open = PHASE_ORDER.find((id) => id !== 'loadBalancer' && (next[id].status === 'running' || next[id].status === 'pending'));
      const id: PhaseId = open ?? 'loadBalancer';
      const cur = next[id];
      next[id] = { status: 'failed', startedAt: cur.startedAt ?? t, endedAt: t, note: sig.diagnosis.title };
      break;
    }
    default:
      break;
  }

  // Health check starts once the pod is Ready and the LB (if any) has its address.
  const lbDone = next.loadBalancer.status === 'done' || next.loadBalancer.status === 'skipped';
  if (next.healthCheck.status === 'pending' && next.nimStartup.status === 'done' && lbDone) start('healthCheck');
  return next;
}

/** Deploy duration: from the first phase start to the last phase end (null until all finished). */
export function deploySpan(phases: Phases): { start: number; end: number } | null {
  let start = Infinity;
  let end = -Infinity;
  for (const id of PHASE_ORDER) {
    const p = phases[id];
    if (p.status === 'skipped') continue;
    if (p.status !== 'done') return null;
    start = Math.min(start, p.startedAt!);
    end = Math.max(end, p.endedAt!);
  }
  return Number.isFinite(start) ? { start, end } : null;
}
