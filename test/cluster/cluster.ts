// Starts and stops one test cluster (test/cluster/start.sh: Kubernetes v1.36 + kwok nodes) for a
// test file, on free ports and its own run dir, so test files never collide with each other or with
// a developer's cluster. Also the per-test knobs kwok offers: Stages (stages.ts), NIM log files
// served to `kubectl logs -f`, and port-forward targets (a local simulated NIM).

import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLUSTER_TOOLS = fileURLToPath(new URL('.', import.meta.url));
export const CLUSTER_DIR = process.env.NIMBLE_K8S_CLUSTER_DIR ?? join(process.env.HOME ?? '/root', '.cache/nimble-k8s-cluster');
export const BIN = join(CLUSTER_DIR, 'bin');

type Obj = Record<string, any>;

export interface TestCluster {
  runDir: string;
  kubeconfig: string;
  /** Kubeconfig of `nimble-user`: authenticated, no RBAC grants (Forbidden on almost everything). */
  userKubeconfig: string;
  port: number;
  kubectl: string;
  helm: string;
  /** Environment for kubectl/helm: helm homes inside the run dir. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
  /** kubectl as cluster-admin; throws on a non-zero exit. */
  k(args: string[], input?: string): Promise<string>;
  json(args: string[]): Promise<Obj>;
  apply(obj: Obj | Obj[]): Promise<void>;
  waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs?: number): Promise<T>;
  /**
   * Serve these NIM log lines (raw container output) to `kubectl logs [-f]` for every container in
   * `namespace`, through kwok's ClusterLogs. Returns `append` to write more lines later (followers see them).
   */
  nimLogs(namespace: string, lines: string[]): Promise<{ file: string; append(lines: string[]): Promise<void> }>;
  /** `kubectl port-forward` to pods in `namespace` (any port) reaches 127.0.0.1:targetPort (kwok ClusterPortForward). */
  forwardTo(namespace: string, targetPort: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/** Build the binaries on first use (build.sh holds a lock, so parallel files build once). */
export async function ensureBuilt(): Promise<void> {
  const r = await execa('bash', [join(CLUSTER_TOOLS, 'build.sh')], { reject: false, env: { ...process.env, NIMBLE_K8S_CLUSTER_DIR: CLUSTER_DIR } });
  if (r.exitCode !== 0) throw new Error(`test cluster build failed: ${String(r.stderr).split('\n').slice(-10).join('\n')}`);
}

/** One container log line in the CRI log format kwok (like a kubelet) reads: "TIME stdout F LINE". */
export function criLine(line: string, at = new Date()): string {
  return `${at.toISOString().replace(/Z$/, '000000Z')} stdout F ${line}\n`;
}

export async function startCluster(o: { noGpuNode?: boolean; nodes?: string } = {}): Promise<TestCluster> {
  if (!existsSync(join(BIN, '.versions'))) await ensureBuilt();
  const runDir = await mkdtemp(join(tmpdir(), 'nimble-k8s-it-'));
  const [port, etcd, peer, kwok] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    NIMBLE_K8S_CLUSTER_DIR: CLUSTER_DIR,
    NIMBLE_K8S_RUN_DIR: runDir,
    NIMBLE_K8S_PORT: String(port),
    NIMBLE_K8S_ETCD_PORT: String(etcd),
    NIMBLE_K8S_ETCD_PEER_PORT: String(peer),
    NIMBLE_K8S_KWOK_PORT: String(kwok),
    NIMBLE_K8S_NODES: o.nodes ?? (o.noGpuNode ? 'cpu' : 'gpu,cpu'),
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await execa('bash', [join(CLUSTER_TOOLS, 'stop.sh')], { env, reject: false });
  };
  const r = await execa('bash', [join(CLUSTER_TOOLS, 'start.sh')], { env, reject: false });
  if (r.exitCode !== 0) {
    await stop();
    throw new Error(`test cluster start failed (${r.exitCode}): ${String(r.stderr).split('\n').slice(-25).join('\n')}`);
  }
  const kubeconfig = join(runDir, 'kubeconfig');
  const kubectl = join(BIN, 'kubectl');
  const helmEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(runDir, 'helm/cache'),
    HELM_CONFIG_HOME: join(runDir, 'helm/config'),
    HELM_DATA_HOME: join(runDir, 'helm/data'),
  };
  const k = async (args: string[], input?: string) => {
    const res = await execa(kubectl, [`--kubeconfig=${kubeconfig}`, ...args], { input: input ?? '', reject: false, env: helmEnv });
    if (res.exitCode !== 0) throw new Error(`kubectl ${args.slice(0, 4).join(' ')}: ${res.stderr}`);
    return String(res.stdout);
  };
  const json = async (args: string[]) => JSON.parse(await k([...args, '-o', 'json']));
  const apply = async (obj: Obj | Obj[]) => {
    const items = Array.isArray(obj) ? obj : [obj];
    await k(['apply', '--server-side', '--force-conflicts', '--field-manager=nimble-test', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  };
  const waitFor = async <T,>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn().catch(() => null);
      if (v) return v as T;
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((res) => setTimeout(res, 150));
    }
  };
  return {
    runDir,
    kubeconfig,
    userKubeconfig: join(runDir, 'kubeconfig-user'),
    port,
    kubectl,
    helm: join(BIN, 'helm'),
    env: helmEnv,
    stop,
    k,
    json,
    apply,
    waitFor,
    async nimLogs(namespace, lines) {
      const file = join(runDir, 'nim-logs', `${namespace}.log`);
      await writeFile(file, lines.map((l) => criLine(l)).join(''));
      await apply({
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'ClusterLogs',
        metadata: { name: `nim-logs-${namespace}` },
        spec: { selector: { matchNamespaces: [namespace] }, logs: [{ logsFile: file, follow: true }] },
      });
      return { file, append: (more: string[]) => appendFile(file, more.map((l) => criLine(l)).join('')) };
    },
    async forwardTo(namespace, targetPort) {
      await apply({
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'ClusterPortForward',
        metadata: { name: `forward-${namespace}` },
        spec: { selector: { matchNamespaces: [namespace] }, forwards: [{ target: { address: '127.0.0.1', port: targetPort } }] },
      });
    },
  };
}

/** The recorded NIM startup log (JSON lines, as a NIM prints them). */
export const NIM_STARTUP_LINES = readFileSync(new URL('../../src/kube/fixtures/nim-startup.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean);
