// Starts and stops one loopback Kubernetes control plane (../shared/tools/k8s-testbed) for a test
// file, on free ports and its own run dir, so test files never collide with each other or with a
// developer's testbed.

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TOOLS = process.env.NIMBLE_K8S_TESTBED_TOOLS ?? resolve(ROOT, '../shared/tools/k8s-testbed');
export const TESTBED_DIR = process.env.NIMBLE_K8S_TESTBED_DIR ?? join(process.env.HOME ?? '/root', '.cache/nimble-k8s-testbed');
export const BIN = join(TESTBED_DIR, 'bin');

export interface Testbed {
  runDir: string;
  kubeconfig: string;
  userKubeconfig: string;
  port: number;
  kubectl: string;
  helm: string;
  /** Environment for kubectl/helm: helm homes inside the run dir. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/** Build the binaries on first use (~8-9 min once; build.sh holds a lock, so parallel files build once). */
async function ensureBuilt(): Promise<void> {
  if (existsSync(join(BIN, 'kube-apiserver')) && existsSync(join(BIN, 'kubectl'))) return;
  const r = await execa('bash', [join(TOOLS, 'build.sh')], { reject: false, env: { ...process.env, NIMBLE_K8S_TESTBED_DIR: TESTBED_DIR } });
  if (r.exitCode !== 0) throw new Error(`testbed build failed: ${String(r.stderr).split('\n').slice(-10).join('\n')}`);
}

export async function startTestbed(o: { noGpuNode?: boolean } = {}): Promise<Testbed> {
  await ensureBuilt();
  const runDir = await mkdtemp(join(tmpdir(), 'nimble-k8s-it-'));
  const [port, etcd, peer] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    NIMBLE_K8S_TESTBED_DIR: TESTBED_DIR,
    NIMBLE_K8S_RUN_DIR: runDir,
    NIMBLE_K8S_PORT: String(port),
    NIMBLE_K8S_ETCD_PORT: String(etcd),
    NIMBLE_K8S_ETCD_PEER_PORT: String(peer),
    ...(o.noGpuNode ? { NIMBLE_K8S_NO_GPU_NODE: '1' } : {}),
  };
  const stop = async () => {
    await execa('bash', [join(TOOLS, 'stop.sh')], { env, reject: false });
  };
  const r = await execa('bash', [join(TOOLS, 'start.sh')], { env, reject: false });
  if (r.exitCode !== 0) {
    await stop();
    throw new Error(`testbed start failed (${r.exitCode}): ${String(r.stderr).split('\n').slice(-15).join('\n')}`);
  }
  return {
    runDir,
    kubeconfig: join(runDir, 'kubeconfig'),
    userKubeconfig: join(runDir, 'kubeconfig-user'),
    port,
    kubectl: join(BIN, 'kubectl'),
    helm: join(BIN, 'helm'),
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(runDir, 'helm/cache'),
      HELM_CONFIG_HOME: join(runDir, 'helm/config'),
      HELM_DATA_HOME: join(runDir, 'helm/data'),
    },
    stop,
  };
}
