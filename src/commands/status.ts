// `nimble status`: the leftover check — nimble-labelled releases, pods, load balancers and volumes
// still running, with their cost — in plain text or --json. Needs no NGC key.

import type { Leftover } from '../core/cluster.ts';
import { formatUsd } from '../core/cost.ts';
import { findKept, findLeftovers } from '../kube/cleanup.ts';
import { kubeTarget } from '../kube/preflight.ts';
import type { CommandIo } from './io.ts';
import { KUBE_FLAGS, kubeCommand, out } from './kube-context.ts';

export function formatLeftovers(list: Leftover[]): string {
  if (!list.length) return 'No nimble resources found: nothing is running up a bill.';
  const rows = list.map((l) => [l.kind, `${l.namespace}/${l.name}`, l.hourlyUsd ? `${formatUsd(l.hourlyUsd)}/h` : '—', l.detail]);
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), ['KIND', 'NAME', 'COST'][i].length));
  const line = (r: string[]) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}  ${r[3]}`;
  const total = list.reduce((a, l) => a + l.hourlyUsd, 0);
  return [line(['KIND', 'NAME', 'COST', 'DETAIL']), ...rows.map(line), '', `Running cost of what is left: ${formatUsd(total)}/h (${formatUsd(total * 24 * 30)} per 30 days). Remove it with: nimble cleanup`].join('\n');
}

/** Secrets and namespaces nimble left (no running cost, but a credential or a place). Empty: nothing. */
export function formatKept(list: Leftover[]): string {
  if (!list.length) return '';
  return ['', 'Also left by nimble (no running cost):', ...list.map((k) => `  ${k.kind.padEnd(9)} ${k.kind === 'namespace' ? k.name : `${k.namespace}/${k.name}`}  ${k.detail}`)].join('\n');
}

const STATUS_USAGE =
  'nimble status [--namespace NS] [--context C] [--kubeconfig FILE] [--json]\n  Lists nimble-labelled helm releases, GPU pods, loader pods and Jobs, load balancers and model-cache volumes still in the cluster, with their running cost.';

/** nimble status [--namespace NS] [--context C] [--kubeconfig F] [--json] */
export function statusCommand(argv: string[], io?: CommandIo): Promise<number> {
  return kubeCommand('status', argv, io, KUBE_FLAGS, STATUS_USAGE, async (v, exec, io) => {
    const t = await kubeTarget(exec);
    const list = await findLeftovers(exec, { namespace: v.namespace, fallbackNamespace: t.namespace });
    const kept = await findKept(exec, { namespace: v.namespace });
    if (v.json) out(io, JSON.stringify({ context: t.context, leftovers: list, kept, hourlyUsd: list.reduce((a, l) => a + l.hourlyUsd, 0) }, null, 2));
    else {
      out(io, `Context ${t.context} (${t.server})${v.namespace ? `, namespace ${v.namespace}` : ', all namespaces'}`);
      out(io, formatLeftovers(list));
      if (kept.length) out(io, formatKept(kept));
    }
    return 0;
  });
}
