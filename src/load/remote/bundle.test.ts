import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLoaderBundle, CONFIGMAP_LIMIT_BYTES } from './bundle.ts';

test('the loader bundle (loader.mjs + worker.mjs) fits a ConfigMap with room to spare', async () => {
  const b = await buildLoaderBundle();
  try {
    assert.deepEqual(Object.keys(b.files), ['loader.mjs', 'worker.mjs']);
    assert.ok(b.bytes < 0.8 * CONFIGMAP_LIMIT_BYTES, `${b.bytes} bytes`);
    assert.ok(!/from ?["']undici["']/.test(b.files['worker.mjs']), 'undici is bundled, not imported (the node image has no node_modules)');
  } finally {
    b.remove();
  }
});
