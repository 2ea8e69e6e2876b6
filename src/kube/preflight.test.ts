import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from './k8s-types.ts';
import { gpuFitCheck, gpuNodes, loadNgcApiKey, NgcKeyError, parseVersion } from './preflight.ts';
import { gbOfGib, leftoversFrom, quantityGiB } from './cleanup.ts';
import { formatLeftovers } from '../commands/status.ts';
import { parseChartRef, resolveChart } from './chart.ts';

const node = (name: string, gpus: number, shape = 'VM.GPU.A10.1', ready = true): Node => ({
  metadata: { name, labels: { 'nvidia.com/gpu.product': 'NVIDIA-A10', 'node.kubernetes.io/instance-type': shape } },
  spec: { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] },
  status: { allocatable: gpus ? { 'nvidia.com/gpu': String(gpus) } : {}, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const gpuPod = (nodeName: string, gpus: number): Pod => ({ metadata: { name: 'p' }, spec: { nodeName, containers: [{ resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }] }, status: { phase: 'Running' } });

test('GPU nodes are listed with product and shape, and the fit accounts for GPUs in use', () => {
  const nodes = gpuNodes([node('gpu-1', 1), node('cpu-1', 0, 'VM.Standard.E4.Flex')], [gpuPod('gpu-1', 1)]);
  assert.equal(nodes.length, 1);
  assert.deepEqual([nodes[0].product, nodes[0].shape, nodes[0].used], ['NVIDIA-A10', 'VM.GPU.A10.1', 1]);
  const busy = gpuFitCheck(nodes, { gpuCount: 1, gpuShape: 'VM.GPU.A10.1' }, false);
  assert.equal(busy.status, 'fail');
  assert.match(busy.detail, /0 free/);
  const free = gpuFitCheck(gpuNodes([node('gpu-1', 2)]), { gpuCount: 2, gpuShape: 'VM.GPU.A10.1' }, false);
  assert.equal(free.status, 'pass');
  assert.match(free.detail, /gpu-1: 2× NVIDIA-A10 \(VM.GPU.A10.1\), 2 free/);
  assert.equal(gpuFitCheck(gpuNodes([node('gpu-1', 1)]), { gpuCount: 2, gpuShape: 'VM.GPU.A10.1' }, false).status, 'fail');
  assert.equal(gpuFitCheck([], { gpuCount: 1, gpuShape: 'VM.GPU.A10.1' }, false).status, 'fail');
  assert.equal(gpuFitCheck([], { gpuCount: 1, gpuShape: 'VM.GPU.A10.1' }, true).status, 'warn');
  assert.equal(gpuFitCheck(gpuNodes([node('gpu-1', 1, 'BM.GPU4.8')]), { gpuCount: 1, gpuShape: 'VM.GPU.A10.1' }, false).status, 'warn');
});

test('versions are read from kubectl/helm output', () => {
  assert.equal(parseVersion('{"clientVersion":{"gitVersion":"v1.36.3"}}'), 'v1.36.3');
  assert.equal(parseVersion('v4.2.3+g43e8b7f'), 'v4.2.3');
  assert.equal(parseVersion('nothing'), null);
});

test('loadNgcApiKey: file first, then environment, clear errors otherwise', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nimble-key-'));
  const f = join(dir, 'key');
  const key = ['nvapi', 'abc123'].join('-'); // built at run time: no key-shaped literal in the repo
  await writeFile(f, `# my key\nexport NGC_API_KEY="${key}"\n`);
  assert.equal(await loadNgcApiKey({ file: f, env: { NGC_API_KEY: 'other' } }), key);
  assert.equal(await loadNgcApiKey({ env: { NGC_API_KEY: ' nvapi-env \n' } }), 'nvapi-env');
  await assert.rejects(loadNgcApiKey({ env: {} }), (e: Error) => e instanceof NgcKeyError && /NGC_API_KEY is not set/.test(e.message) && /--ngc-key-file/.test(e.message));
  await assert.rejects(loadNgcApiKey({ file: join(dir, 'missing') }), /Cannot read the NGC key file .*ENOENT/);
  await writeFile(f, '\n\n');
  await assert.rejects(loadNgcApiKey({ file: f }), /is empty/);
});

test('quantities and leftovers cost', () => {
  assert.equal(quantityGiB('50Gi'), 50);
  assert.equal(quantityGiB('1Ti'), 1024);
  assert.equal(quantityGiB('512Mi'), 0.5);
  assert.equal(gbOfGib(50), 54);
  const left = leftoversFrom(
    [{ name: 'llama', namespace: 'nim', chart: 'nimble-nim-0.1.0', status: 'deployed', revision: '1' }],
    [
      { kind: 'Pod', metadata: { name: 'llama-0', namespace: 'nim' }, spec: { nodeName: 'gpu-1', containers: [{ resources: { limits: { 'nvidia.com/gpu': '1' } } }] }, status: { phase: 'Running' } },
      { kind: 'Service', metadata: { name: 'llama-nim', namespace: 'nim' }, spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } },
      { kind: 'Service', metadata: { name: 'llama-nim-sts', namespace: 'nim' }, spec: { type: 'ClusterIP' } },
      { kind: 'PersistentVolumeClaim', metadata: { name: 'cache', namespace: 'nim' }, spec: { resources: { requests: { storage: '100Gi' } } }, status: { phase: 'Bound', capacity: { storage: '100Gi' } } },
    ],
    new Map([['gpu-1', 'VM.GPU.A10.1']]),
  );
  assert.deepEqual(left.map((l) => l.kind), ['release', 'pod', 'service', 'pvc']);
  assert.equal(left[1].hourlyUsd, 2);
  assert.equal(left[2].hourlyUsd, 0.0113);
  assert.ok(Math.abs(left[3].hourlyUsd - (107 * 0.0425) / 730) < 1e-9);
  const text = formatLeftovers(left);
  assert.match(text, /nim\/llama-0/);
  assert.match(text, /Running cost of what is left: \$2\.02\/h/);
  assert.match(formatLeftovers([]), /nothing is running/);
});

test('chart references', async () => {
  assert.equal(parseChartRef('builtin').kind, 'local');
  assert.deepEqual(parseChartRef('https://helm.ngc.nvidia.com/nim#nim-llm@1.3.0'), { kind: 'repo', repo: 'https://helm.ngc.nvidia.com/nim', name: 'nim-llm', version: '1.3.0' });
  assert.deepEqual(parseChartRef('https://helm.ngc.nvidia.com/nim/charts/nim-llm-1.3.0.tgz'), { kind: 'url-tgz', url: 'https://helm.ngc.nvidia.com/nim/charts/nim-llm-1.3.0.tgz' });
  assert.equal(parseChartRef('oci://registry/x/nim-llm').kind, 'oci');
  // NGC gets the key as basic auth in a header (in memory), never on a command line; others get nothing.
  const seen: Array<{ url: string; auth?: string }> = [];
  const fake: typeof fetch = async (url, init) => {
    seen.push({ url: String(url), auth: new Headers(init?.headers).get('authorization') ?? undefined });
    return new Response(new Uint8Array([1, 2, 3]), { status: 200 });
  };
  const r = await resolveChart(parseChartRef('https://helm.ngc.nvidia.com/nim/charts/nim-llm-1.3.0.tgz'), 'nvapi-k', fake);
  assert.match(r.args[0], /nim-llm-1\.3\.0\.tgz$/);
  await r.cleanup();
  await (await resolveChart(parseChartRef('https://example.org/c/nim-llm-1.3.0.tgz'), 'nvapi-k', fake)).cleanup();
  assert.equal(seen[0].auth, `Basic ${Buffer.from('$oauthtoken:nvapi-k').toString('base64')}`);
  assert.equal(seen[1].auth, undefined);
  const denied: typeof fetch = async () => new Response('no', { status: 401 });
  await assert.rejects(resolveChart(parseChartRef('https://helm.ngc.nvidia.com/nim/charts/x-1.tgz'), 'k', denied), /HTTP 401.*NGC refused/);
});
