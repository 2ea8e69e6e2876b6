// Failure diagnosis: the failure modes of ../shared/reference/nim-on-kubernetes.md §4, recognised
// from Kubernetes events, pod container states, NIM log lines and kubectl/helm errors, each turned
// into a Diagnosis with the fix. Pure: plain data in, Diagnosis out.

import type { Diagnosis } from '../core/cluster.ts';
import { API_KEY_DATA_KEY, API_KEY_SECRET, REGISTRY_SECRET } from './names.ts';
import { durationText } from '../core/format.ts';

export interface EventFacts {
  reason: string;
  message: string;
  type?: string;
  /** involvedObject.kind: Pod, Service, PersistentVolumeClaim, ... */
  kind?: string;
  count?: number;
}

export interface DiagnoseContext {
  /** A cluster autoscaler is present: an unschedulable pod may still get a node. */
  autoscaler?: boolean;
}

const d = (id: string, title: string, evidence: string, fix: string, fatal: boolean): Diagnosis => ({ id, title, evidence: evidence.trim().slice(0, 500), fix, fatal });

const FIX = {
  imagePullAuth: `Recreate the registry secret "${REGISTRY_SECRET}" for nvcr.io with username $oauthtoken (literally) and your NGC API key as password (nimble does this from NGC_API_KEY); check the key is valid and entitled to the NIM image.`,
  imageNotFound: 'Check the image repository and tag (nvcr.io/nim/<org>/<model>:<tag>) against the NGC catalog.',
  apiKeySecret: `Create the Opaque secret "${API_KEY_SECRET}" with a data key named exactly ${API_KEY_DATA_KEY} (nimble creates it from NGC_API_KEY).`,
  entitlement: 'Check the NGC API key is entitled to this model, and that the GPU nodes have egress to api.ngc.nvidia.com (NAT gateway on private subnets).',
  insufficientGpu: 'Not enough allocatable nvidia.com/gpu: scale the GPU node pool, check the tenancy GPU quota / cluster autoscaler, or lower the GPU count.',
  taint: 'The GPU nodes carry a taint the pod does not tolerate: add a toleration (nvidia.com/gpu Exists NoSchedule) or fix the node pool taints.',
  selector: 'No node matches the pod\'s node selector/affinity: check the node labels (node.kubernetes.io/instance-type, nvidia.com/gpu.present) or the --node-selector.',
  modelTooBig: 'The model does not fit the GPU memory: set NIM_MAX_MODEL_LEN lower, pick a profile with NIM_MODEL_PROFILE, or use bigger/more GPUs.',
  hostOom: 'The container hit its memory limit (OOMKilled, exit 137): raise or remove the memory limit; NIM needs host RAM roughly the model size while loading.',
  pvc: 'The model-cache PVC cannot be provisioned: use an existing storage class (on OKE "oci-bv", at least 50Gi) and check the CSI driver.',
  cacheWritable: 'The model cache is not writable: the pod needs podSecurityContext.fsGroup: 1000.',
  startupProbe: 'The startup probe killed the container before the model finished downloading: raise startupProbe.failureThreshold/periodSeconds (use a larger --probe-profile), or keep the model cache so the next start is warm.',
  lbStuck: 'The cloud load balancer is not provisioning: check the LB quota, the subnet and its security list (allow the service port), or use --service-type ClusterIP (port-forward).',
  diskFull: 'The node ran out of disk (NIM images are large): grow the boot volume and run oci-growfs on the node, or use a bigger boot volume in the node pool.',
  authExpired: 'Your cluster credentials were refused (Unauthorized). On OKE the kubeconfig uses an OCI session token that lasts 60 minutes: run `oci session authenticate` (or `oci session refresh`) and retry; elsewhere, refresh the token in your kubeconfig.',
  forbidden: 'Your user is authenticated but RBAC does not allow this: ask a cluster admin for a Role/RoleBinding in the namespace (pods, services, secrets, pvcs, events, deployments/statefulsets: get/list/watch/create/delete), or use another --context.',
  unreachable: 'The cluster API server cannot be reached: check the kubeconfig/--context, VPN or bastion, and that the cluster is running (`kubectl cluster-info`).',
  crashLoop: 'The NIM container keeps crashing: read its logs (`kubectl logs <pod> --previous`) for the cause.',
};

/** A Kubernetes event (kubelet, scheduler, controllers, cloud controller) → diagnosis, if it is a known failure. */
export function diagnoseEvent(ev: EventFacts, ctx: DiagnoseContext = {}): Diagnosis | null {
  const { reason, message } = ev;
  const m = message ?? '';
  if (reason === 'FailedScheduling' || reason === 'NotTriggerScaleUp') {
    const gaveUp = reason === 'NotTriggerScaleUp';
    const fatal = gaveUp || !ctx.autoscaler;
    if (/Insufficient nvidia\.com\/gpu/i.test(m)) return d('insufficient-gpu', 'Not enough GPUs', m, FIX.insufficientGpu, fatal);
    if (/unbound immediate PersistentVolumeClaims|persistentvolumeclaim .* not found|storageclass/i.test(m)) return d('pvc-stuck', 'Model cache volume not bound', m, FIX.pvc, false);
    if (/untolerated taint|had taint .* that the pod didn't tolerate/i.test(m)) return d('untolerated-taint', 'GPU node taint not tolerated', m, FIX.taint, fatal);
    if (/didn't match (Pod's )?node (affinity|selector)|node\(s\) didn't match/i.test(m)) return d('node-selector-mismatch', 'No node matches the node selector', m, FIX.selector, fatal);
    if (/Insufficient (cpu|memory|ephemeral-storage)/i.test(m)) return d('insufficient-resources', 'Not enough CPU/memory on the nodes', m, 'Lower the requests or add nodes.', fatal);
    if (gaveUp) return d('insufficient-gpu', 'Cluster autoscaler cannot add a node', m, FIX.insufficientGpu, true);
    return null;
  }
  if (reason === 'Failed' && /secret .* not found|couldn't find key/i.test(m)) return diagnoseWaiting('CreateContainerConfigError', m);
  if (reason === 'ErrImagePull' || reason === 'ImagePullBackOff' || ((reason === 'Failed' || reason === 'BackOff') && /pull|image/i.test(m))) {
    const dd = diagnoseImagePull(m);
    if (dd) return dd;
  }
  if (reason === 'Killing' && /startup probe/i.test(m)) return d('startup-probe-kill', 'Startup probe killed the NIM mid-download', m, FIX.startupProbe, true);
  if (reason === 'ProvisioningFailed') {
    const missing = /storageclass.* not found|not found.*storageclass/i.test(m);
    return d(missing ? 'storage-class-missing' : 'pvc-stuck', missing ? 'Storage class not found' : 'Model cache volume provisioning failed', m, FIX.pvc, missing);
  }
  if (reason === 'FailedMount' || reason === 'FailedAttachVolume') {
    if (/not found/i.test(m) && /secret/i.test(m)) return d('api-key-secret', 'NGC secret missing', m, FIX.apiKeySecret, false);
    return d('pvc-stuck', 'Model cache volume cannot be mounted', m, FIX.pvc, false);
  }
  if (reason === 'SyncLoadBalancerFailed') return d('lb-stuck', 'Load balancer provisioning failed', m, FIX.lbStuck, (ev.count ?? 1) >= 3);
  if (reason === 'Evicted' || /no space left on device/i.test(m)) return d('disk-full', 'Node out of disk', m, FIX.diskFull, true);
  if (reason === 'OOMKilling' || reason === 'OOMKilled') return d('host-oom', 'Container out of host memory (OOMKilled)', m, FIX.hostOom, true);
  return null;
}

export function diagnoseImagePull(m: string): Diagnosis | null {
  if (/401|unauthorized|authentication required|no basic auth credentials|denied/i.test(m)) return d('image-pull-auth', 'Image pull unauthorized (nvcr.io)', m, FIX.imagePullAuth, true);
  if (/not found|manifest unknown|name unknown/i.test(m)) return d('image-not-found', 'Image not found', m, FIX.imageNotFound, true);
  if (/no space left on device/i.test(m)) return d('disk-full', 'Node out of disk', m, FIX.diskFull, true);
  return null;
}

/** A container `state.waiting` reason/message (the kubelet's own summary of what is wrong). */
export function diagnoseWaiting(reason: string, message = ''): Diagnosis | null {
  const m = `${reason}: ${message}`;
  if (reason === 'ErrImagePull' || reason === 'ImagePullBackOff' || reason === 'InvalidImageName') {
    return diagnoseImagePull(message) ?? (reason === 'InvalidImageName' ? d('image-not-found', 'Invalid image name', m, FIX.imageNotFound, true) : null);
  }
  if (reason === 'CreateContainerConfigError') {
    if (/secret .*not found|couldn't find key/i.test(message)) return d('api-key-secret', 'NGC API key secret missing or wrong key', m, FIX.apiKeySecret, true);
    return d('container-config', 'Container configuration error', m, 'Check the pod spec (secrets, config maps, env) the error names.', true);
  }
  return null;
}

/** A container termination (state.terminated or lastState.terminated). */
export function diagnoseTermination(reason: string, exitCode?: number, message = ''): Diagnosis | null {
  if (reason === 'OOMKilled' || (exitCode === 137 && /oom/i.test(message))) return d('host-oom', 'Container out of host memory (OOMKilled)', `${reason}${exitCode !== undefined ? ` (exit ${exitCode})` : ''} ${message}`, FIX.hostOom, true);
  const fromMsg = message ? diagnoseLogLine(message) : null;
  return fromMsg ? { ...fromMsg, fatal: true } : null;
}

/** A NIM log line that names a cause; the container usually exits right after (the caller decides when it is fatal). */
export function diagnoseLogLine(line: string): Diagnosis | null {
  if (/CUDA out of memory|larger than the maximum number of tokens that can be stored in KV cache|Could not match a profile|No compatible profile/i.test(line)) {
    return d('model-too-big', 'Model too big for the GPU', line, FIX.modelTooBig, false);
  }
  if (/Errors fetching files|error sending request for url \(https:\/\/api\.ngc\.nvidia\.com|403 Forbidden.*ngc|not entitled/i.test(line)) {
    return d('ngc-entitlement', 'Model download from NGC failed', line, FIX.entitlement, false);
  }
  if (/Permission denied/i.test(line) && /model-store|cache|\/opt\/nim/i.test(line)) return d('cache-not-writable', 'Model cache not writable', line, FIX.cacheWritable, false);
  if (/no space left on device/i.test(line)) return d('disk-full', 'Out of disk space', line, FIX.diskFull, false);
  return null;
}

/** CrashLoopBackOff: fatal; the cause is the last telling log line or termination, else generic. */
export function diagnoseCrashLoop(message: string, evidence: Diagnosis | null): Diagnosis {
  if (evidence) return { ...evidence, fatal: true };
  return d('crash-loop', 'NIM container crash-looping', message || 'CrashLoopBackOff', FIX.crashLoop, true);
}

export function lbStuckDiagnosis(service: string, waitedMs: number): Diagnosis {
  return d('lb-stuck', 'Load balancer has no address', `service ${service} has no load-balancer ingress after ${durationText(waitedMs)}`, FIX.lbStuck, true);
}

export function pvcStuckDiagnosis(claim: string, waitedMs: number, lastMessage = ''): Diagnosis {
  return d('pvc-stuck', 'Model cache volume not bound', `PVC ${claim} still Pending after ${durationText(waitedMs)}${lastMessage ? `: ${lastMessage}` : ''}`, FIX.pvc, true);
}

export type CliProblem = 'missing-binary' | 'auth-expired' | 'forbidden' | 'unreachable' | 'bad-context' | 'tls' | 'not-found' | 'other';

/** Classify a kubectl/helm failure by its stderr. */
export function classifyCliError(stderr: string, opts: { enoent?: boolean } = {}): CliProblem {
  if (opts.enoent) return 'missing-binary';
  const s = stderr;
  if (/Unauthorized|must be logged in|token (is )?expired|session token|401/i.test(s)) return 'auth-expired';
  if (/Forbidden|forbidden:|cannot (get|list|watch|create|delete|patch|update) resource/i.test(s)) return 'forbidden';
  if (/context .* (does not exist|not found)|no context exists|current-context is not set|no configuration has been provided|invalid configuration/i.test(s)) return 'bad-context';
  if (/x509|certificate/i.test(s)) return 'tls';
  if (/connection refused|was refused|no such host|i\/o timeout|Unable to connect to the server|dial tcp|connect: |network is unreachable|TLS handshake timeout|EOF$/im.test(s)) return 'unreachable';
  if (/NotFound|not found/i.test(s)) return 'not-found';
  return 'other';
}

/** A kubectl/helm failure as a Diagnosis (for preflight and for a deploy that loses the cluster). */
export function diagnoseCliError(tool: string, stderr: string, opts: { enoent?: boolean } = {}): Diagnosis {
  const kind = classifyCliError(stderr, opts);
  const ev = firstLines(stderr);
  switch (kind) {
    case 'missing-binary':
      return d('missing-binary', `${tool} not found`, `${tool}: command not found`, `Install ${tool} and put it on PATH, or point nimble at it (--${tool} <path>).`, true);
    case 'auth-expired':
      return d('auth-expired', 'Cluster credentials refused (Unauthorized)', ev, FIX.authExpired, true);
    case 'forbidden':
      return d('forbidden', 'Not allowed by the cluster (RBAC Forbidden)', ev, FIX.forbidden, true);
    case 'unreachable':
      return d('unreachable', 'Cluster unreachable', ev, FIX.unreachable, true);
    case 'bad-context':
      return d('bad-context', 'Kubeconfig context problem', ev, 'Check KUBECONFIG / --kubeconfig and pick a context that exists (`kubectl config get-contexts`, --context).', true);
    case 'tls':
      return d('tls', 'TLS certificate problem talking to the cluster', ev, 'The kubeconfig\'s certificate authority does not match the server: re-download the kubeconfig for this cluster.', true);
    default:
      return d(`${tool}-failed`, `${tool} failed`, ev || `${tool} exited with an error`, `Read the ${tool} error above; rerun with the same flags after fixing it.`, true);
  }
}

function firstLines(s: string): string {
  // kubectl repeats the same "Unhandled Error" line 5 times; keep the distinct, meaningful lines.
  const lines = [...new Set(s.split('\n').map((l) => l.trim()).filter(Boolean))];
  const meaningful = lines.filter((l) => !/^E\d{4} .*memcache\.go/.test(l) && !/^Warning: version difference/.test(l));
  return (meaningful.length ? meaningful : lines).slice(-3).join(' | ');
}
