// Where the chart comes from: NVIDIA's nim-llm on NGC (`nim-llm` or `nim-llm@VERSION`: the default on
// a real cluster), the builtin charts/nimble-nim (offline, simulator), a local directory or .tgz of nim-llm,
// a .tgz URL (fetched in memory into a private temp dir; NGC's helm repo gets the key as basic
// auth in a request header, never on argv), or a repository URL (`helm --repo URL nim-llm`).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUILTIN_CHART = fileURLToPath(new URL('../../charts/nimble-nim', import.meta.url));

/** The nim-llm version nimble's values mapping is checked against (test/integration, values.schema.json). */
export const NIM_LLM_VERSION = '1.1.2';
export const ngcNimLlmUrl = (version = NIM_LLM_VERSION) => `https://helm.ngc.nvidia.com/nim/charts/nim-llm-${version}.tgz`;

export type ChartRef =
  | { kind: 'local'; path: string }
  | { kind: 'url-tgz'; url: string }
  | { kind: 'repo'; repo: string; name: string; version?: string }
  | { kind: 'oci'; ref: string };

/** Classify the spec's `chart` string. Pure. */
export function parseChartRef(chart: string): ChartRef {
  if (chart === 'builtin' || chart === '') return { kind: 'local', path: BUILTIN_CHART };
  const ngc = /^nim-llm(?:@(\d+\.\d+\.\d+[\w.-]*))?$/.exec(chart);
  if (ngc) return { kind: 'url-tgz', url: ngcNimLlmUrl(ngc[1]) };
  if (chart.startsWith('oci://')) return { kind: 'oci', ref: chart };
  if (/^https?:\/\//.test(chart)) {
    if (/\.tgz(\?.*)?$/.test(chart)) return { kind: 'url-tgz', url: chart };
    // repo URL, optionally "URL#name@version"
    const [repo, frag] = chart.split('#');
    const [name, version] = (frag ?? 'nim-llm').split('@');
    return { kind: 'repo', repo: repo.replace(/\/$/, ''), name: name || 'nim-llm', version };
  }
  return { kind: 'local', path: chart };
}

export interface ResolvedChart {
  /** The chart argument(s) for helm upgrade --install. */
  args: string[];
  cleanup: () => Promise<void>;
}

export async function resolveChart(ref: ChartRef, apiKey: string | undefined, fetchImpl: typeof fetch = fetch): Promise<ResolvedChart> {
  const none = async () => {};
  switch (ref.kind) {
    case 'local':
      if (!existsSync(ref.path)) throw new Error(`Chart not found at ${ref.path}: pass --chart builtin, a nim-llm directory or .tgz, or a chart URL.`);
      return { args: [ref.path], cleanup: none };
    case 'oci':
      return { args: [ref.ref], cleanup: none };
    case 'repo':
      return { args: [ref.name, '--repo', ref.repo, ...(ref.version ? ['--version', ref.version] : [])], cleanup: none };
    case 'url-tgz': {
      const headers: Record<string, string> = {};
      if (apiKey && new URL(ref.url).hostname === 'helm.ngc.nvidia.com') {
        headers.authorization = `Basic ${Buffer.from(`$oauthtoken:${apiKey}`).toString('base64')}`;
      }
      const res = await fetchImpl(ref.url, { headers });
      if (!res.ok) {
        const hint = res.status === 401 || res.status === 403 ? ' (NGC refused the key: check NGC_API_KEY and its entitlement)' : '';
        throw new Error(`Downloading the chart ${ref.url} failed: HTTP ${res.status}${hint}.`);
      }
      const dir = await mkdtemp(join(tmpdir(), 'nimble-chart-'));
      const file = join(dir, ref.url.split('/').pop()!.replace(/\?.*$/, ''));
      await writeFile(file, Buffer.from(await res.arrayBuffer()), { mode: 0o600 });
      return { args: [file], cleanup: () => rm(dir, { recursive: true, force: true }) };
    }
  }
}
