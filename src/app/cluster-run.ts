// Getting ready to run on a real cluster: load the NGC key (environment or file, never argv),
// show the kubectl context and namespace, and confirm before anything is created.

import type { Cluster } from '../core/cluster.ts';

export interface ClusterRunRequest {
  context?: string;
  namespace: string;
  kubeconfig?: string;
  ngcKeyFile?: string;
  yes: boolean;
  json: boolean;
}

export type ClusterRunPrep =
  | { ok: true; cluster: Cluster; ngcKey: string; namespace: string; context: string }
  | { ok: false; message: string; exitCode: number };

export async function prepareClusterRun(req: ClusterRunRequest): Promise<ClusterRunPrep> {
  const mod: string = '../kube/driver.ts';
  const kube = (await import(mod).catch(() => null)) as null | Record<string, (...a: unknown[]) => unknown>;
  if (!kube) return { ok: false, message: 'nimble: the Kubernetes driver is not available in this build', exitCode: 1 };
  return { ok: false, message: `nimble: cluster mode is not wired yet (${req.namespace})`, exitCode: 1 };
}
