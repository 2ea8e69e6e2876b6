import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuNodes, cpuQuantity, DEFAULT_LOADER, loaderFitCheck, loaderLeftoversFrom, loaderManifests, loaderPodHourly, loaderResources, memMiB, type LoaderSpec } from './loaders.ts';
import { costAt, DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import { loaderCommand as localCommand } from '../load/remote/processes.ts';
import type { Node } from './k8s-types.ts';

const spec: LoaderSpec = { ...DEFAULT_LOADER, namespace: 'ns', release: 'nimble-nim', session: 's1', count: 3 };

test('manifests: an indexed Job of N loader pods from a public node image, the bundle from a ConfigMap, off GPU nodes, nothing secret', () => {
  const [cm, job] = loaderManifests(spec, { 'loader.mjs': 'a', 'worker.mjs': 'b' });
  assert.equal(cm.kind, 'ConfigMap');
  assert.deepEqual(Object.keys(cm.data), ['loader.mjs', 'worker.mjs']);
  assert.equal(job.kind, 'Job');
  assert.equal(job.metadata.name, 'nimble-nim-loader');
  assert.equal(job.spec.completionMode, 'Indexed');
  assert.equal(job.spec.completions, 3);
  assert.equal(job.spec.parallelism, 3);
  assert.equal(job.spec.backoffLimit, 0);
  assert.ok(job.spec.activeDeadlineSeconds > 0, 'the Job ends by itself if nimble vanished');
  const pod = job.spec.template.spec;
  const c = pod.containers[0];
  assert.equal(c.image, 'node:20-slim');
  assert.deepEqual(c.command, ['node', '/opt/nimble/loader.mjs', '--listen', '9400', '--host', '127.0.0.1', '--idle-exit', '600']);
  assert.equal('env' in c, false, 'no environment: the key, if any, comes over the port-forward');
  assert.deepEqual(c.resources, { requests: { cpu: '1', memory: '1024Mi' }, limits: { memory: '1024Mi' } });
  assert.equal(pod.tolerations, undefined, 'no toleration of the GPU taint');
  assert.deepEqual(pod.affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions, [{ key: 'nvidia.com/gpu.present', operator: 'DoesNotExist' }]);
  assert.equal(pod.volumes[0].configMap.name, cm.metadata.name);
  for (const o of [cm, job, job.spec.template]) assert.equal(o.metadata.labels['nimble.dev/role'], 'loader');
  // The local loader processes run the same command, with the bundle's directory for the mount.
  assert.deepEqual(localCommand('/opt/nimble', 9400).slice(0, 4), c.command.slice(0, 4));
  const gpuOk = loaderManifests({ ...spec, allowGpuNode: true }, {})[1].spec.template.spec;
  assert.equal(gpuOk.affinity.nodeAffinity, undefined);
  assert.equal(gpuOk.tolerations?.[0].key, 'nvidia.com/gpu');
});

test('cost: loader pods are priced per OCPU and GB like an E4.Flex node, and appear as cost lines', () => {
  const rs = loaderResources(spec);
  assert.deepEqual(rs.map((r) => [r.id, r.priceItem, r.quantity]), [['loaders-cpu', 'VM.Standard.E4.Flex.ocpu', 1.5], ['loaders-memory', 'VM.Standard.E4.Flex.memory-gb', 3.22]]);
  const resources = Object.fromEntries(rs.map((r) => [r.id, { resource: r, startedAt: 0 }]));
  const c = costAt(resources, 3_600_000, DEFAULT_PRICE_TABLE);
  const expected = 1.5 * 0.025 + 3.22 * 0.0015;
  assert.ok(Math.abs(c.totalUsd - expected) < 1e-9, `${c.totalUsd}`);
  assert.ok(c.lines.every((l) => l.running));
});

test('quantities: CPU and memory as kubectl writes them', () => {
  assert.equal(cpuQuantity('1'), 1);
  assert.equal(cpuQuantity('500m'), 0.5);
  assert.equal(cpuQuantity('3920m'), 3.92);
  assert.equal(memMiB('1024Mi'), 1024);
  assert.equal(memMiB('16Gi'), 16384);
  assert.equal(memMiB('16314044Ki'), 16314044 / 1024);
});

const node = (name: string, cpu: string, mem: string, o: { gpu?: boolean; taint?: string; ready?: boolean } = {}): Node => ({
  metadata: { name, labels: o.gpu ? { 'nvidia.com/gpu.present': 'true' } : ({} as Record<string, string>) },
  spec: o.taint ? { taints: [{ key: o.taint, effect: 'NoSchedule' }] } : {},
  status: { allocatable: { cpu, memory: mem, ...(o.gpu ? { 'nvidia.com/gpu': '1' } : {}) }, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

test('fit: CPU nodes only (no GPU node, no tainted or NotReady node); pass, warn when the pool is short, fail when none fits', () => {
  const nodes = [node('gpu', '30', '200Gi', { gpu: true, taint: 'nvidia.com/gpu' }), node('cpu-a', '3920m', '14Gi'), node('tainted', '8', '32Gi', { taint: 'dedicated' }), node('down', '8', '32Gi', { ready: false })];
  const cpu = cpuNodes(nodes);
  assert.deepEqual(cpu.map((n) => n.name), ['cpu-a']);
  assert.deepEqual(cpuNodes(nodes, true).map((n) => n.name), ['gpu', 'cpu-a']);
  assert.equal(loaderFitCheck(cpu, spec).status, 'pass');
  const short = loaderFitCheck(cpu, { ...spec, count: 5 });
  assert.equal(short.status, 'warn');
  assert.match(short.detail, /at most 3 of 5/);
  const none = loaderFitCheck(cpu, { ...spec, cpu: 8 });
  assert.equal(none.status, 'fail');
  assert.match(none.fix!, /--loader-cpu/);
  assert.equal(loaderFitCheck([], spec).status, 'fail');
});

test('status: running loader pods are priced from their requests; loader Jobs are listed; finished pods and other objects are not', () => {
  const [, job] = loaderManifests(spec, {});
  const pod = (name: string, phase: string) => ({ kind: 'Pod', metadata: { name, namespace: 'ns', labels: job.spec.template.metadata.labels }, spec: { ...job.spec.template.spec, nodeName: 'cpu-a' }, status: { phase } });
  const items = [{ ...job, status: { active: 2 } }, pod('l-0', 'Running'), pod('l-1', 'Pending'), pod('l-2', 'Succeeded'), { kind: 'Pod', metadata: { name: 'nim', namespace: 'ns', labels: {} }, spec: {}, status: { phase: 'Running' } }];
  const left = loaderLeftoversFrom(items as never);
  assert.deepEqual(left.map((l) => [l.kind, l.name]), [['job', 'nimble-nim-loader'], ['pod', 'l-0'], ['pod', 'l-1']]);
  const perPod = loaderPodHourly(pod('x', 'Running') as never);
  assert.ok(Math.abs(perPod - (0.5 * 0.025 + 1.073741824 * 0.0015)) < 1e-9);
  assert.equal(left[1].hourlyUsd, perPod);
  assert.match(left[1].detail, /loader pod on cpu-a, Running/);
});
