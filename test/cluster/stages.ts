// Per-test kwok Stages for namespaces named `scripted-*` (the default Stages of stages/*.yaml skip
// those): copies of the defaults scoped to one namespace, plus failure plays — image pull errors,
// OOMKilled, crash loops, failing probes, load balancer errors — written as a kubelet / cloud
// controller reports them (container states, restart counts, Events with their reasons).

import type { TestCluster } from './cluster.ts';

type Obj = Record<string, any>;
export type Match = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };

export const DEFAULT_POD_STAGES = ['nimble-pod-pulling', 'nimble-pod-started', 'nimble-pod-ready', 'nimble-pod-complete'] as const;
export const DEFAULT_PVC_STAGE = 'nimble-pvc-provision';
export const DEFAULT_LB_STAGE = 'nimble-service-lb';

const nsOnly = (ns: string) => ({ cel: { expression: `self.metadata.namespace == '${ns}'` } });

/** The live default Stage `name`, renamed for `ns` and matching only objects in `ns`. */
export async function scopedDefault(tc: TestCluster, ns: string, name: string, tweak?: (s: Obj) => void): Promise<Obj> {
  const s = await tc.json(['get', 'stages.kwok.x-k8s.io', name]);
  const copy: Obj = { apiVersion: s.apiVersion, kind: 'Stage', metadata: { name: `${ns}-${name}` }, spec: structuredClone(s.spec) };
  const m: Obj[] = copy.spec.selector.matchExpressions;
  if (!m[0]?.cel?.expression?.includes('scripted-')) throw new Error(`default Stage ${name} has no namespace selector first`);
  m[0] = nsOnly(ns);
  tweak?.(copy);
  return copy;
}

/** An Event about the object (template expressions allowed in `message`), as kubelet or a controller posts it. */
export function eventStep(o: { reason: string; message: string; type?: 'Normal' | 'Warning'; count?: number; kind?: 'Pod' | 'Service'; component?: string }): Obj {
  const kind = o.kind ?? 'Pod';
  const fieldPath = kind === 'Pod' ? `\n  fieldPath: {{ printf "spec.containers{%s}" (index .spec.containers 0).name | Quote }}` : '';
  return {
    apply: {
      template: `apiVersion: v1
kind: Event
metadata:
  name: {{ printf "%s.%s" .metadata.name (randAlphaNum 12 | lower) | Quote }}
  namespace: {{ .metadata.namespace | Quote }}
involvedObject:
  apiVersion: v1
  kind: ${kind}
  name: {{ .metadata.name | Quote }}
  namespace: {{ .metadata.namespace | Quote }}
  uid: {{ .metadata.uid | Quote }}${fieldPath}
reason: ${o.reason}
message: ${o.message.includes('{{') ? o.message : JSON.stringify(o.message)}
type: ${o.type ?? 'Normal'}
source: {component: ${o.component ?? 'kubelet'}${kind === 'Pod' ? ', host: {{ .spec.nodeName | Quote }}' : ''}}
firstTimestamp: {{ Now | Quote }}
lastTimestamp: {{ Now | Quote }}
count: ${o.count ?? 1}
`,
    },
  };
}

/** A status patch of the first container (and the pod phase/conditions), kubelet-style. */
export function containerStatusStep(o: { phase: 'Pending' | 'Running'; state: string; restartCount?: number; lastState?: string; ready?: boolean }): Obj {
  return {
    patch: {
      subresource: 'status',
      root: 'status',
      type: 'strategic',
      template: `{{ $now := Now }}
phase: ${o.phase}
containerStatuses:
- name: {{ (index .spec.containers 0).name | Quote }}
  image: {{ (index .spec.containers 0).image | Quote }}
  imageID: ""
  ready: ${o.ready ?? false}
  started: ${o.state.startsWith('running')}
  restartCount: ${o.restartCount ?? 0}
  state: {${o.state}}
  lastState: {${o.lastState ?? ''}}
`,
    },
  };
}

export function stage(ns: string, name: string, kind: 'Pod' | 'Service', match: Match[], steps: Obj[], delayMs = 200): Obj {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name: `${ns}-${name}` },
    spec: {
      resourceRef: { apiGroup: 'v1', kind },
      selector: { matchExpressions: [nsOnly(ns), { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' }, ...match] },
      delay: { durationMilliseconds: delayMs },
      steps,
    },
  };
}

export const creating: Match[] = [
  { key: '.status.phase', operator: 'In', values: ['Pending'] },
  { key: '.status.containerStatuses.[0].state.waiting.reason', operator: 'In', values: ['ContainerCreating'] },
];
export const runningFirstTime: Match[] = [
  { key: '.status.phase', operator: 'In', values: ['Running'] },
  { key: '.status.containerStatuses.[0].state.running.startedAt', operator: 'Exists' },
  // (not restartCount In ["0"]: kwok's selector compares jq's number to the string and never matches)
  { key: '.status.containerStatuses.[0].lastState.terminated', operator: 'DoesNotExist' },
];

/** The default pod lifecycle (and volume provisioning / LB address unless left out) for `ns`. */
export async function defaultsFor(tc: TestCluster, ns: string, o: { pod?: readonly string[]; pvc?: boolean; lb?: boolean; tweak?: (s: Obj) => void } = {}): Promise<Obj[]> {
  const names = [...(o.pod ?? DEFAULT_POD_STAGES), ...(o.pvc === false ? [] : [DEFAULT_PVC_STAGE]), ...(o.lb === false ? [] : [DEFAULT_LB_STAGE])];
  return Promise.all(names.map((n) => scopedDefault(tc, ns, n, o.tweak)));
}

/** Remove every Stage a test applied for `ns`. */
export async function removeStages(tc: TestCluster, ns: string): Promise<void> {
  const list = await tc.json(['get', 'stages.kwok.x-k8s.io']);
  const mine = (list.items as Obj[]).map((s) => s.metadata.name as string).filter((n) => n.startsWith(`${ns}-`));
  if (mine.length) await tc.k(['delete', 'stages.kwok.x-k8s.io', ...mine, '--ignore-not-found']);
}
