// Test data shared by tests across the layers (core, sim, kube, ui, sessions): one deploy spec with
// the project's defaults, so a new DeploySpec field is added in one place. Tests only.
import type { DeploySpec } from './cluster.ts';

/** llama-3.1-8b on one A10 behind a LoadBalancer, built-in chart; override what a test is about. */
export function testDeploySpec(over: Partial<DeploySpec> = {}): DeploySpec {
  return {
    release: 'llama',
    namespace: 'ns',
    model: 'meta/llama-3.1-8b-instruct',
    image: 'nvcr.io/nim/meta/llama-3.1-8b-instruct',
    imageTag: '1.3.3',
    gpuShape: 'VM.GPU.A10.1',
    gpuCount: 1,
    cache: { keep: false, sizeGi: 50, storageClass: 'oci-bv' },
    serviceType: 'LoadBalancer',
    probeProfile: 'small',
    levers: { cachedModel: false, prePulledImage: false, warmNode: true, parallelLoadBalancer: true, sizedProbes: true },
    chart: 'builtin',
    ...over,
  };
}
