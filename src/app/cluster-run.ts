// Getting ready to run on a real cluster: load the NGC key (environment or file, never argv),
// show the kubectl context and namespace, and confirm before anything is created.

import { createInterface } from 'node:readline/promises';
import type { Cluster } from '../core/cluster.ts';
import type { PriceTable } from '../core/cost.ts';
import { createKubeCluster, currentTarget, loadNgcApiKey } from '../kube/driver.ts';

export interface ClusterRunRequest {
  context?: string;
  namespace: string;
  kubeconfig?: string;
  /** kubectl / helm binaries (default: found on PATH). */
  kubectl?: string;
  helm?: string;
  ngcKeyFile?: string;
  yes: boolean;
  /** The TUI asks after preflight, with the cost estimate on screen (cycle's confirmDeploy): do not ask here. */
  askInApp?: boolean;
  json: boolean;
  release: string;
  sessionId: string;
  priceTable: PriceTable;
  /** Where the driver's raw lines (commands run, stderr) go, once the session exists. */
  log: (source: string, line: string) => void;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

export type ClusterRunPrep =
  | { ok: true; cluster: Cluster; ngcKey: string | undefined; namespace: string; context: string }
  | { ok: false; message: string; exitCode: number };

export async function prepareClusterRun(req: ClusterRunRequest): Promise<ClusterRunPrep> {
  const stdin = req.stdin ?? process.stdin;
  const stderr = req.stderr ?? process.stderr;
  // A missing key is not fatal here: preflight reports it as a failed check with what to do.
  let ngcKey: string | undefined;
  let ngcKeyError: string | undefined;
  try {
    ngcKey = await loadNgcApiKey({ env: process.env, file: req.ngcKeyFile });
  } catch (err) {
    ngcKeyError = err instanceof Error ? err.message : String(err);
  }
  let target;
  try {
    target = await currentTarget({ context: req.context, kubeconfig: req.kubeconfig, kubectl: req.kubectl, namespace: req.namespace });
  } catch (err) {
    return {
      ok: false,
      exitCode: 1,
      message: `nimble run: cannot read the kubectl configuration: ${err instanceof Error ? err.message : String(err)}\n` +
        'Check KUBECONFIG / --kubeconfig and --context (for OKE: `oci ce cluster create-kubeconfig ...`), or run on the simulator with --sim.',
    };
  }
  const where = `context ${target.context} (cluster ${target.cluster}, ${target.server}), namespace ${target.namespace}, release ${req.release}`;
  if (!req.yes) {
    if (!stdin.isTTY) {
      return { ok: false, exitCode: 2, message: `nimble run: about to create paid resources in ${where}.\nPass --yes to confirm when there is no terminal to ask on.` };
    }
    if (!req.askInApp) {
      const rl = createInterface({ input: stdin, output: stderr });
      const answer = await rl.question(`Deploy a NIM to ${where}?\nThis creates a GPU pod, a load balancer and a volume that cost money until cleanup. [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) return { ok: false, exitCode: 1, message: 'nimble run: nothing was created.' };
    }
  } else if (!req.json) {
    stderr.write(`nimble run: deploying to ${where}\n`);
  }
  const cluster = createKubeCluster({
    context: req.context,
    namespace: target.namespace,
    kubeconfig: req.kubeconfig,
    kubectl: req.kubectl,
    helm: req.helm,
    ngcApiKey: ngcKey,
    ngcKeyError,
    sessionId: req.sessionId,
    priceTable: req.priceTable,
    log: req.log,
  });
  return { ok: true, cluster, ngcKey, namespace: target.namespace, context: target.context };
}
