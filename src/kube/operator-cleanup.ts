// Cleanup of the NIM Operator path: the NIMService goes first (the operator's owner references let
// the garbage collector remove its Deployment, pods and Service, which cleanup.ts then waits for);
// the NIMCache (with its Job and PVC) goes unless the cache is kept. Leftovers: nimble-labelled
// NIMServices and NIMCaches, on clusters that serve the CRDs.

import type { Leftover } from '../core/cluster.ts';
import type { KubeExec } from './exec.ts';
import type { KubeList, NIMCache, NIMService } from './k8s-types.ts';
import { LABEL_MANAGED_BY, MANAGED_BY } from './names.ts';
import { NIMCACHE_RESOURCE, NIMSERVICE_RESOURCE, operatorLeftoversFrom } from './operator.ts';

/** kubectl's answer when the cluster does not serve the CRDs: nothing of the operator to find. */
export const NO_CRD = /the server doesn't have a resource type|no matches for kind|could not find the requested resource/i;

export type GoneCheck = (what: string, gone: () => Promise<boolean>) => Promise<boolean>;

async function removeOne(exec: KubeExec, resource: string, name: string, ns: string, waitGone: GoneCheck): Promise<{ existed: boolean; gone: boolean; error?: string }> {
  const del = await exec.kubectl(['delete', resource, name, '-n', ns, '--ignore-not-found', '--wait=false', '-o', 'name'], { allowFail: true });
  if (del.exitCode !== 0) {
    if (NO_CRD.test(del.stderr)) return { existed: false, gone: true };
    return { existed: true, gone: false, error: del.stderr.trim().split('\n').pop() };
  }
  const existed = del.stdout.trim() !== '';
  const gone = await waitGone(resource.split('.')[0], async () => {
    const r = await exec.kubectl(['get', resource, name, '-n', ns, '-o', 'name'], { allowFail: true, quiet: true });
    if (r.exitCode === 0) return false;
    if (/NotFound|not found/i.test(r.stderr) || NO_CRD.test(r.stderr)) return true;
    throw new Error(r.stderr.trim().split('\n').pop() ?? 'kubectl get failed');
  });
  return { existed, gone };
}

export function removeNimService(exec: KubeExec, name: string, ns: string, waitGone: GoneCheck) {
  return removeOne(exec, NIMSERVICE_RESOURCE, name, ns, waitGone);
}

export function removeNimCache(exec: KubeExec, name: string, ns: string, waitGone: GoneCheck) {
  return removeOne(exec, NIMCACHE_RESOURCE, name, ns, waitGone);
}

/** nimble-labelled NIMServices/NIMCaches in scope; none (not an error) where the CRDs are not served. */
export async function findOperatorLeftovers(exec: KubeExec, scope: string[]): Promise<Leftover[]> {
  const r = await exec.kubectl(['get', `${NIMSERVICE_RESOURCE},${NIMCACHE_RESOURCE}`, ...scope, '-l', `${LABEL_MANAGED_BY}=${MANAGED_BY}`, '-o', 'json'], { allowFail: true, quiet: true });
  if (r.exitCode !== 0) {
    if (NO_CRD.test(r.stderr)) return [];
    throw new Error(`listing NIMServices/NIMCaches: ${r.stderr.trim().split('\n').pop()}`);
  }
  return operatorLeftoversFrom((JSON.parse(r.stdout) as KubeList<NIMCache | NIMService>).items ?? []);
}
