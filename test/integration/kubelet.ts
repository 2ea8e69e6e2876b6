// A kubelet stand-in for a control plane without kubelet: advances pod status through the API
// (container states, conditions, restart counts), posts the events a kubelet would, plays the CSI
// provisioner (a PV bound to the claim) and the cloud controller (Service LB ingress), and
// finishes pod deletion as a kubelet would. Test-only; talks to the testbed API server only.

import { execa } from 'execa';

type Obj = Record<string, any>;

export class KubeletStandIn {
  private seq = 0;
  constructor(private readonly o: { kubectl: string; kubeconfig: string; namespace: string; node?: string; env?: NodeJS.ProcessEnv }) {}

  async k(args: string[], input?: string): Promise<string> {
    const r = await execa(this.o.kubectl, [`--kubeconfig=${this.o.kubeconfig}`, ...args], { input: input ?? '', reject: false, env: this.o.env });
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.slice(0, 4).join(' ')}: ${r.stderr}`);
    return String(r.stdout);
  }

  async json(args: string[]): Promise<Obj> {
    return JSON.parse(await this.k([...args, '-o', 'json']));
  }

  /** Wait until a pod matching the selector exists (and, optionally, is bound to a node). */
  async waitForPod(selector: string, o: { bound?: boolean; timeoutMs?: number } = {}): Promise<Obj> {
    const until = Date.now() + (o.timeoutMs ?? 30_000);
    for (;;) {
      const list = await this.json(['get', 'pods', '-n', this.o.namespace, '-l', selector]);
      const pod = (list.items as Obj[]).find((p) => !p.metadata.deletionTimestamp && (!o.bound || p.spec.nodeName));
      if (pod) return pod;
      if (Date.now() > until) throw new Error(`no pod ${selector}${o.bound ? ' bound to a node' : ''} after ${o.timeoutMs ?? 30_000} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v as T;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Play the CSI provisioner: a PV pre-bound to the claim, so the scheduler can bind the pod. */
  async provisionPvc(claim: string): Promise<void> {
    const pvc = await this.json(['get', 'pvc', claim, '-n', this.o.namespace]);
    const size = pvc.spec.resources.requests.storage;
    const pv = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `pv-${this.o.namespace}-${claim}`.slice(0, 63) },
      spec: {
        capacity: { storage: size },
        accessModes: ['ReadWriteOnce'],
        storageClassName: pvc.spec.storageClassName,
        persistentVolumeReclaimPolicy: 'Delete',
        claimRef: { namespace: this.o.namespace, name: claim, uid: pvc.metadata.uid },
        csi: { driver: 'blockvolume.csi.oraclecloud.com', volumeHandle: `ocid1.volume.fake.${claim}` },
      },
    };
    await this.k(['apply', '-f', '-'], JSON.stringify(pv));
    await this.waitFor(`pvc ${claim} Bound`, async () => (await this.json(['get', 'pvc', claim, '-n', this.o.namespace])).status?.phase === 'Bound');
  }

  /** Post an event about a pod (or another object), as the kubelet / a controller would. */
  async event(obj: Obj, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal', component = 'kubelet', count = 1): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${obj.metadata.name}.${Date.now().toString(16)}${(this.seq++).toString(16)}`, namespace: this.o.namespace },
      involvedObject: { apiVersion: obj.apiVersion ?? 'v1', kind: obj.kind ?? 'Pod', name: obj.metadata.name, namespace: this.o.namespace, uid: obj.metadata.uid, ...(obj.kind === 'Pod' || !obj.kind ? { fieldPath: 'spec.containers{nim}' } : {}) },
      reason,
      message,
      type,
      source: { component, host: this.o.node ?? 'gpu-node-1' },
      firstTimestamp: now,
      lastTimestamp: now,
      count,
    };
    await this.k(['create', '-f', '-'], JSON.stringify(ev));
  }

  async patchStatus(pod: Obj, status: Obj): Promise<void> {
    await this.k(['patch', 'pod', pod.metadata.name, '-n', this.o.namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  }

  private conds(ready: boolean) {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const c = (type: string, s: boolean) => ({ type, status: s ? 'True' : 'False', lastTransitionTime: now });
    return [c('PodScheduled', true), c('Initialized', true), c('ContainersReady', ready), c('Ready', ready)];
  }

  private image(pod: Obj): string {
    return pod.spec.containers[0].image;
  }

  private cs(pod: Obj, state: Obj, o: { restarts?: number; ready?: boolean; lastState?: Obj } = {}) {
    return [{ name: pod.spec.containers[0].name, image: this.image(pod), imageID: '', ready: o.ready ?? false, started: !!state.running, restartCount: o.restarts ?? 0, state, lastState: o.lastState ?? {} }];
  }

  async pulling(pod: Obj) {
    await this.patchStatus(pod, { phase: 'Pending', conditions: this.conds(false), containerStatuses: this.cs(pod, { waiting: { reason: 'ContainerCreating' } }) });
    await this.event(pod, 'Pulling', `Pulling image "${this.image(pod)}"`);
  }

  async pulled(pod: Obj, cached = false) {
    await this.event(pod, 'Pulled', cached ? `Container image "${this.image(pod)}" already present on machine` : `Successfully pulled image "${this.image(pod)}" in 41.2s (41.2s including waiting)`);
  }

  async started(pod: Obj, restarts = 0, lastState?: Obj) {
    await this.event(pod, 'Created', 'Created container nim');
    await this.event(pod, 'Started', 'Started container nim');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await this.patchStatus(pod, { phase: 'Running', conditions: this.conds(false), containerStatuses: this.cs(pod, { running: { startedAt: now } }, { restarts, lastState }) });
  }

  async ready(pod: Obj, restarts = 0) {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await this.patchStatus(pod, { phase: 'Running', conditions: this.conds(true), containerStatuses: this.cs(pod, { running: { startedAt: now } }, { ready: true, restarts }) });
  }

  async waiting(pod: Obj, reason: string, message: string, restarts = 0, lastState?: Obj) {
    await this.patchStatus(pod, { phase: 'Pending', conditions: this.conds(false), containerStatuses: this.cs(pod, { waiting: { reason, message } }, { restarts, lastState }) });
  }

  /** The cloud controller: give the Service its load-balancer address (loopback only in tests). */
  async setLbIngress(service: string, ip = '127.0.0.1'): Promise<void> {
    await this.k(['patch', 'service', service, '-n', this.o.namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip }] } } })]);
  }

  async serviceObj(service: string): Promise<Obj> {
    return this.json(['get', 'service', service, '-n', this.o.namespace]);
  }

  /** Finish deleting pods marked for deletion (the kubelet's confirmation), until none is left. */
  async reapTerminating(selector: string): Promise<number> {
    const list = await this.json(['get', 'pods', '-n', this.o.namespace, '-l', selector]);
    let n = 0;
    for (const p of list.items as Obj[]) {
      if (!p.metadata.deletionTimestamp) continue;
      await this.k(['delete', 'pod', p.metadata.name, '-n', this.o.namespace, '--grace-period=0', '--force', '--wait=false']).catch(() => {});
      n++;
    }
    return n;
  }

  /** Keep reaping in the background (like a kubelet) until stopped. */
  reaper(selector: string, everyMs = 300): { stop(): Promise<void> } {
    let on = true;
    const loop = (async () => {
      while (on) {
        await this.reapTerminating(selector).catch(() => {});
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    return { stop: async () => { on = false; await loop; } };
  }
}
