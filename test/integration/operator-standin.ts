// A stand-in for NVIDIA's NIM Operator, for clusters where the real one cannot be built (the Go
// module proxy here answers 403 for github.com/NVIDIA/k8s-nim-operator; see operator-build.sh).
// It reconciles NIMCache and NIMService the way the operator's controllers do (k8s-nim-operator
// v3.x: internal/controller/nimcache_controller.go, platform/standalone/nimservice.go,
// internal/conditions): it creates the same objects with the same names, labels and owner
// references (PVC, caching Job, Deployment, Service) and writes the same status states and
// conditions, derived from what the real controllers and kwok do to those objects (Job succeeded,
// Deployment available). Everything below the custom resources is real Kubernetes.

type Obj = Record<string, any>;
type K = (args: string[], input?: string) => Promise<string>;

const cond = (type: string, status: 'True' | 'False', reason: string, message = '') => ({ type, status, reason, message, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });

/** meta.SetStatusCondition: replace by type, keep the transition time when the status did not change. */
function setCondition(list: Obj[], c: Obj): Obj[] {
  const old = list.find((x) => x.type === c.type);
  const next = old && old.status === c.status ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
  return [...list.filter((x) => x.type !== c.type), next];
}

export class OperatorStandIn {
  errors: string[] = [];
  /** Every NIMCache/NIMService spec it reconciled (the test checks no key is in them). */
  seen: Obj[] = [];
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly k: K, private readonly namespace: string, private readonly pollMs = 250) {}

  start() {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.reconcileAll();
        } catch (e) {
          this.errors.push(String((e as Error).message ?? e).slice(0, 300));
        }
        await new Promise((r) => setTimeout(r, this.pollMs));
      }
    })();
    return this;
  }

  async stop() {
    this.stopped = true;
    await this.loop;
  }

  private async list(resource: string): Promise<Obj[]> {
    return JSON.parse(await this.k(['get', resource, '-n', this.namespace, '-o', 'json'])).items ?? [];
  }

  private async get(resource: string, name: string): Promise<Obj | null> {
    try {
      return JSON.parse(await this.k(['get', resource, name, '-n', this.namespace, '-o', 'json']));
    } catch (e) {
      if (/NotFound|not found/i.test(String(e))) return null;
      throw e;
    }
  }

  private async create(obj: Obj) {
    await this.k(['create', '-f', '-'], JSON.stringify(obj));
  }

  private async patchStatus(resource: string, name: string, status: Obj) {
    await this.k(['patch', resource, name, '-n', this.namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  }

  private owner(o: Obj) {
    return [{ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true }];
  }

  async reconcileAll() {
    for (const c of await this.list('nimcaches.apps.nvidia.com')) if (!c.metadata.deletionTimestamp) await this.reconcileCache(c);
    for (const s of await this.list('nimservices.apps.nvidia.com')) if (!s.metadata.deletionTimestamp) await this.reconcileService(s);
  }

  private async reconcileCache(c: Obj) {
    this.remember(c);
    const name = c.metadata.name;
    const ns = this.namespace;
    let conds: Obj[] = c.status?.conditions ?? [];
    let state: string | undefined = c.status?.state;
    const pvcSpec = c.spec.storage?.pvc ?? {};
    const pvcName = pvcSpec.name || `${name}-pvc`;
    // reconcilePVC
    if (!(await this.get('pvc', pvcName))) {
      if (!pvcSpec.create) return;
      await this.create({
        apiVersion: 'v1', kind: 'PersistentVolumeClaim',
        metadata: { name: pvcName, namespace: ns, ownerReferences: this.owner(c) },
        spec: { accessModes: [pvcSpec.volumeAccessMode || 'ReadWriteOnce'], storageClassName: pvcSpec.storageClass, resources: { requests: { storage: pvcSpec.size } } },
      });
      conds = setCondition(conds, cond('NIM_CACHE_PVC_CREATED', 'True', 'PVCCreated', 'The PVC has been created for caching NIM model'));
      state = 'PVC-Created';
    }
    // reconcileJob
    const jobName = `${name}-job`;
    const job = await this.get('jobs', jobName);
    if (!job && state !== 'Ready') {
      const labels = { app: 'k8s-nim-operator', 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'k8s-nim-operator' };
      const ngc = c.spec.source.ngc;
      await this.create({
        apiVersion: 'batch/v1', kind: 'Job',
        metadata: { name: jobName, namespace: ns, labels, ownerReferences: this.owner(c) },
        spec: {
          backoffLimit: 5,
          template: {
            metadata: { labels, annotations: { 'sidecar.istio.io/inject': 'false' } },
            spec: {
              restartPolicy: 'Never',
              securityContext: { runAsUser: 1000, fsGroup: 2000, runAsNonRoot: true },
              imagePullSecrets: ngc.pullSecret ? [{ name: ngc.pullSecret }] : [],
              tolerations: c.spec.tolerations ?? [],
              nodeSelector: c.spec.gpuSelectors ?? {},
              containers: [{
                name: 'nim-cache', image: ngc.modelPuller, command: ['download-to-cache'],
                envFrom: [{ secretRef: { name: ngc.authSecret } }],
                env: [{ name: 'NIM_CACHE_PATH', value: '/model-store' }],
                volumeMounts: [{ name: 'nim-cache-volume', mountPath: '/model-store' }],
              }],
              volumes: [{ name: 'nim-cache-volume', persistentVolumeClaim: { claimName: pvcName } }],
            },
          },
        },
      });
      conds = setCondition(conds, cond('NIM_CACHE_JOB_CREATED', 'True', 'JobCreated', 'The Job to cache NIM has been created'));
      state = 'Started';
    } else if (job) {
      // reconcileJobStatus
      const st = job.status ?? {};
      if ((st.succeeded ?? 0) > 0 && state !== 'Ready') {
        conds = setCondition(conds, cond('NIM_CACHE_JOB_COMPLETED', 'True', 'JobCompleted', 'The Job to cache NIM has successfully completed'));
        state = 'Ready';
      } else if ((st.failed ?? 0) > 0 && state !== 'Failed') {
        conds = setCondition(conds, cond('NIM_CACHE_JOB_COMPLETED', 'False', 'JobFailed', 'The Job to cache NIM has failed'));
        state = 'Failed';
      } else if ((st.active ?? 0) > 0 && state !== 'InProgress' && state !== 'Ready') {
        conds = setCondition(conds, cond('NIM_CACHE_JOB_PENDING', 'False', 'JobRunning', 'The Job to cache NIM is in progress'));
        state = 'InProgress';
      } else if ((st.active ?? 0) === 0 && !st.succeeded && !st.failed && state !== 'Ready' && state !== 'Pending') {
        conds = setCondition(conds, cond('NIM_CACHE_JOB_PENDING', 'True', 'JobPending', 'The Job to cache NIM is in pending state'));
        state = 'Pending';
      }
    }
    if (state !== c.status?.state || conds.length !== (c.status?.conditions ?? []).length || JSON.stringify(conds) !== JSON.stringify(c.status?.conditions ?? [])) {
      await this.patchStatus('nimcaches.apps.nvidia.com', name, { state, conditions: conds, ...(state === 'Ready' ? { pvc: pvcName } : {}) });
    }
  }

  private async reconcileService(s: Obj) {
    this.remember(s);
    const name = s.metadata.name;
    const ns = this.namespace;
    const spec = s.spec;
    const port = spec.expose?.service?.port ?? 8000;
    const standard = {
      'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/operator-version': '',
      'app.kubernetes.io/part-of': 'nim-service', 'app.kubernetes.io/managed-by': 'k8s-nim-operator',
    };
    const labels = { ...standard, ...(spec.labels ?? {}) };
    const setStatus = async (state: string, conds: Obj[], extra: Obj = {}) => {
      let list: Obj[] = s.status?.conditions ?? [];
      for (const c of conds) list = setCondition(list, c);
      if (state === s.status?.state && JSON.stringify(list) === JSON.stringify(s.status?.conditions ?? [])) return;
      await this.patchStatus('nimservices.apps.nvidia.com', name, { state, conditions: list, ...extra });
    };
    // Service first (renderAndSyncResource order: serviceaccount, role, ..., service, deployment)
    const svcName = spec.expose?.service?.name || name;
    if (!(await this.get('service', svcName))) {
      await this.create({
        apiVersion: 'v1', kind: 'Service',
        metadata: { name: svcName, namespace: ns, labels, annotations: spec.expose?.service?.annotations ?? {}, ownerReferences: this.owner(s) },
        spec: { type: spec.expose?.service?.type || 'ClusterIP', selector: { app: name }, ports: [{ name: 'api', port, targetPort: port, protocol: 'TCP' }] },
      });
    }
    // NIMCache: must exist and be Ready before the Deployment (getNIMCachePVC).
    const cacheName = spec.storage?.nimCache?.name;
    const cache = cacheName ? await this.get('nimcaches.apps.nvidia.com', cacheName) : null;
    if (cacheName && !cache) {
      return setStatus('Failed', [cond('Ready', 'False', 'Failed'), cond('Failed', 'True', 'NIMCacheNotFound', `NIMCache ${cacheName} not found`)]);
    }
    if (cache?.status?.state === 'Failed') {
      return setStatus('Failed', [cond('Ready', 'False', 'Failed'), cond('Failed', 'True', 'NIMCacheFailed', `NIMCache ${cacheName} failed`)]);
    }
    if (cache && cache.status?.state !== 'Ready') {
      const msg = `NIMCache ${cacheName} not ready`;
      return setStatus('NotReady', [cond('Ready', 'False', 'NIMCacheNotReady', msg), cond('Failed', 'False', 'Ready', msg)]);
    }
    const claim = cache?.status?.pvc ?? spec.storage?.pvc?.name;
    let dep = await this.get('deployment', name);
    if (!dep) {
      const probe = (p: Obj | undefined) => (p?.probe ? p.probe : undefined);
      await this.create({
        apiVersion: 'apps/v1', kind: 'Deployment',
        metadata: { name, namespace: ns, labels, ownerReferences: this.owner(s) },
        spec: {
          replicas: spec.replicas ?? 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { ...labels, app: name } },
            spec: {
              imagePullSecrets: (spec.image.pullSecrets ?? []).map((n: string) => ({ name: n })),
              tolerations: spec.tolerations ?? [],
              nodeSelector: spec.nodeSelector ?? {},
              securityContext: { runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000 },
              containers: [{
                name: `${name}-ctr`, image: `${spec.image.repository}:${spec.image.tag}`, imagePullPolicy: spec.image.pullPolicy || 'IfNotPresent',
                env: [
                  { name: 'NIM_CACHE_PATH', value: '/model-store' },
                  { name: 'NGC_API_KEY', valueFrom: { secretKeyRef: { name: spec.authSecret, key: 'NGC_API_KEY' } } },
                  { name: 'NIM_SERVER_PORT', value: String(port) },
                  { name: 'NIM_HTTP_API_PORT', value: String(port) },
                  { name: 'NIM_JSONL_LOGGING', value: '1' },
                  { name: 'NIM_LOG_LEVEL', value: 'INFO' },
                  ...(spec.env ?? []),
                ],
                ports: [{ name: 'api', containerPort: port, protocol: 'TCP' }],
                resources: spec.resources ?? {},
                startupProbe: probe(spec.startupProbe),
                readinessProbe: probe(spec.readinessProbe),
                livenessProbe: probe(spec.livenessProbe),
                volumeMounts: [{ name: 'model-store', mountPath: '/model-store' }, { name: 'dshm', mountPath: '/dev/shm' }],
              }],
              volumes: [
                { name: 'dshm', emptyDir: { medium: 'Memory' } },
                ...(claim ? [{ name: 'model-store', persistentVolumeClaim: { claimName: claim } }] : [{ name: 'model-store', emptyDir: {} }]),
              ],
            },
          },
        },
      });
      dep = await this.get('deployment', name);
    }
    // isDeploymentReady: rolled out when the updated replicas are all available.
    const want = dep?.spec?.replicas ?? 1;
    const st = dep?.status ?? {};
    if ((st.updatedReplicas ?? 0) >= want && (st.availableReplicas ?? 0) >= want) {
      const svc = await this.get('service', svcName);
      const ing = svc?.status?.loadBalancer?.ingress?.[0];
      await setStatus('Ready', [cond('Ready', 'True', 'Ready', `deployment "${name}" successfully rolled out`), cond('Failed', 'False', 'Ready')], {
        availableReplicas: st.availableReplicas,
        model: { name: 'unknown', clusterEndpoint: `${svcName}.${ns}.svc.cluster.local:${port}`, externalEndpoint: ing ? `${ing.ip ?? ing.hostname}:${port}` : '' },
      });
    } else {
      const msg = `Waiting for deployment "${name}" rollout to finish: ${st.availableReplicas ?? 0} of ${want} updated replicas are available...`;
      await setStatus('NotReady', [cond('Ready', 'False', 'NotReady', msg), cond('Failed', 'False', 'Ready', msg)]);
    }
  }

  private remember(o: Obj) {
    if (this.seen.length < 50) this.seen.push({ kind: o.kind, metadata: o.metadata, spec: o.spec });
  }
}
