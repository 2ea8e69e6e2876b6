// NVIDIA's nim-llm chart (1.1.2, unmodified) on the test cluster: nimble's values checked against
// the chart's own values.schema.json and values.yaml; a real install through the driver (its
// StatefulSet, probes, the cache PVC mounted, its Service), reached through a real
// `kubectl port-forward` (--service-type ClusterIP) that kwok connects to a simulated NIM; its
// `helm test` hooks; cleanup. kwok plays the pods: the hook pods' curl commands do not really run.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { podSelector } from '../../src/kube/names.ts';
import { buildValues, PROBE_PROFILES } from '../../src/kube/values.ts';
import { useBench, driverFor, kinds, makeSpec, NIM_LINES, NIM_LLM_CHART } from './helpers.ts';

type Obj = Record<string, any>;

/** Every leaf path of `v` (arrays are leaves). */
function paths(v: Obj, prefix: string[] = []): string[][] {
  return Object.entries(v).flatMap(([k, x]) => (x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length ? paths(x, [...prefix, k]) : [[...prefix, k]]));
}

describe("NVIDIA's nim-llm chart on the test cluster", () => {
  const b = useBench();

  test("nimble's values use only keys nim-llm declares, with the types its values.schema.json wants", async () => {
    const schema = JSON.parse(readFileSync(join(NIM_LLM_CHART, 'values.schema.json'), 'utf8'));
    const valuesYaml = readFileSync(join(NIM_LLM_CHART, 'values.yaml'), 'utf8');
    const values = buildValues(makeSpec('x', { env: { A: '1' }, nodeSelector: { 'nvidia.com/gpu.present': 'true' } }), { session: 's', flavour: 'nim-llm' });
    const free = new Set(['labels', 'annotations', 'nodeSelector', 'podAnnotations']); // maps of user keys
    for (const p of paths(values)) {
      // Declared by the schema (walking its properties), or a key of the chart's values.yaml at that depth.
      let node: Obj | undefined = schema;
      let declared = true;
      for (const [i, key] of p.entries()) {
        if (free.has(p[i - 1] ?? '') || free.has(key) && i === p.length - 1) break;
        const next: Obj | undefined = node?.properties?.[key];
        if (next) { node = next; continue; }
        // Not in the schema: the key must appear in values.yaml with the indentation of its depth.
        declared = new RegExp(`^${'  '.repeat(i)}${key.replace(/[.]/g, '\\.')}:`, 'm').test(valuesYaml) || free.has(p[i - 1] ?? '');
        break;
      }
      assert.ok(declared, `values key ${p.join('.')} is not declared by nim-llm`);
    }
    // helm validates the values against values.schema.json on lint/template/install.
    const bad = await execa(b.tc.helm, ['lint', NIM_LLM_CHART, '-f', '-'], { reject: false, env: b.tc.env, input: JSON.stringify({ readinessProbe: { enabled: 'yes' } }) });
    assert.notEqual(bad.exitCode, 0, 'helm enforces the schema (a wrong type fails)');
    const good = await execa(b.tc.helm, ['lint', NIM_LLM_CHART, '-f', '-'], { reject: false, env: b.tc.env, input: JSON.stringify(values) });
    assert.equal(good.exitCode, 0, good.stdout + good.stderr);
  });

  test('installs for real (StatefulSet, probes, PVC, Service); port-forward reaches the NIM; helm test hooks pass; cleanup leaves nothing', async () => {
    const ns = 'nimllm';
    const spec = makeSpec(ns, { chart: NIM_LLM_CHART, serviceType: 'ClusterIP' });
    await b.tc.nimLogs(ns, NIM_LINES);
    await b.tc.forwardTo(ns, b.nim.port);
    const { cluster, cap, emit } = driverFor(b.tc, ns);
    const ep = await cluster.deploy(spec, emit, new AbortController().signal);
    assert.equal(ep.via, 'port-forward');
    const health = await fetch(`${ep.baseUrl}/v1/health/ready`);
    assert.equal(health.status, 200, 'through kubectl port-forward → API server → kwok → simulated NIM');
    const models = (await (await fetch(`${ep.baseUrl}/v1/models`)).json()) as Obj;
    assert.ok(models.data?.length > 0);
    assert.ok(cap.argv.some((a) => a.includes('port-forward')), 'a real kubectl port-forward');

    const sts = await b.tc.json(['get', 'statefulset', '-n', ns, '-l', 'app.kubernetes.io/instance=llama']);
    assert.equal(sts.items.length, 1, 'nim-llm renders a StatefulSet');
    const pod = (await b.tc.json(['get', 'pods', '-n', ns, '-l', podSelector(spec.release)])).items[0];
    const c = pod.spec.containers[0];
    assert.equal(c.startupProbe.failureThreshold, PROBE_PROFILES.small.startup.failureThreshold);
    assert.equal(c.readinessProbe.httpGet.path, '/v1/health/ready');
    assert.equal(pod.spec.volumes.find((v: Obj) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName, 'nimble-cache-meta-llama-3-1-8b-instruct');
    assert.equal(pod.spec.nodeName, 'gpu-node-1');
    assert.equal(pod.status.conditions.find((x: Obj) => x.type === 'Ready').status, 'True');
    for (const want of ['pod.scheduled', 'image.pulling', 'image.pulled', 'container.started', 'nim.log', 'pod.ready']) assert.ok(kinds(cap).includes(want as never), `missing ${want}`);
    assert.ok(cap.signals.some((s) => s.kind === 'nim.log'), 'NIM lines through kubectl logs -f');

    const ht = await execa(b.tc.helm, ['test', spec.release, '-n', ns, '--kubeconfig', b.tc.kubeconfig, '--timeout', '60s'], { reject: false, env: b.tc.env });
    assert.equal(ht.exitCode, 0, ht.stdout + ht.stderr);
    assert.match(ht.stdout, /llama-nim-llm-test-models[\s\S]*Phase:\s+Succeeded/);
    await b.tc.k(['delete', 'pods', '-n', ns, '-l', 'app.kubernetes.io/instance=llama', '--field-selector=status.phase=Succeeded', '--wait=false']);

    const report = await cluster.cleanup(spec, { keepCache: false, removeSecrets: true, removeNamespace: true }, emit);
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.deepEqual(await cluster.leftovers(), []);
  });
});
