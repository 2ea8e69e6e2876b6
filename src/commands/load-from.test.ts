import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inClusterUrl, loadFromLine, parseLoadFrom } from './load-from.ts';
import { serviceOfUrl } from '../app/sweep-cluster.ts';

test('--load-from: defaults, checks and the line sessions show', () => {
  assert.deepEqual(parseLoadFrom({}, 'u', { cluster: true }), { kind: 'local', workers: 3, cpu: 1, allowGpuNode: false });
  assert.equal(loadFromLine(parseLoadFrom({}, 'u', { cluster: true })), undefined);
  const c = parseLoadFrom({ 'load-from': 'cluster', 'load-workers': '4', 'loader-cpu': '2' }, 'u', { cluster: true });
  assert.equal(loadFromLine(c), 'cluster (4 pods)');
  assert.equal(loadFromLine(parseLoadFrom({ 'load-from': 'processes', 'load-workers': '2' }, 'u', { cluster: false })), 'local processes (2)');
  assert.throws(() => parseLoadFrom({ 'load-from': 'cluster' }, 'u', { cluster: false }), /needs a cluster.*--load-from processes/);
  assert.throws(() => parseLoadFrom({ 'load-from': 'gpu' }, 'u', { cluster: true }), /local, processes or cluster/);
  assert.throws(() => parseLoadFrom({ 'load-from': 'cluster', 'load-workers': '65' }, 'u', { cluster: true }), /between 1 and 64/);
  assert.throws(() => parseLoadFrom({ 'load-workers': '3' }, 'u', { cluster: true }), /go with --load-from/);
});

test('the in-cluster URL of the release and back to its Service', async () => {
  const url = await inClusterUrl({ release: 'nimble-nim', namespace: 'ns1', servicePort: 18000 });
  assert.equal(url, 'http://nimble-nim-nim.ns1.svc.cluster.local:18000');
  assert.deepEqual(serviceOfUrl(url), { service: 'nimble-nim-nim', namespace: 'ns1', port: 18000 });
  assert.deepEqual(serviceOfUrl('http://my-nim.prod.svc:8000/x'), { service: 'my-nim', namespace: 'prod', port: 8000 });
  assert.equal(serviceOfUrl('http://10.0.0.5:8000'), null);
  assert.equal(serviceOfUrl('https://nim.example.com'), null);
});
