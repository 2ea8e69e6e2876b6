// Cost model: a price table as data (OCI list prices, January 2026, from
// ../shared/reference/targets-and-prices.md §3), and cost = rate × elapsed for every paid resource.
// Every cost nimble prints names the table it came from; users can override it (src/app/config.ts).

import type { PaidResource } from './cluster.ts';
import type { ResourceSpan } from './session-state.ts';
import { usdText } from './format.ts';

export type PriceUnit = 'gpu-hour' | 'hour' | 'gb-month';

export interface PriceItem {
  label: string;
  unit: PriceUnit;
  usd: number;
  note?: string;
}

export interface PriceTable {
  name: string;
  currency: 'USD';
  items: Record<string, PriceItem>;
}

export const HOURS_PER_MONTH = 730;

export const OCI_LIST_2026_01: PriceTable = {
  name: 'oci-list-2026-01',
  currency: 'USD',
  items: {
    'VM.GPU.A10.1': { label: 'GPU node VM.GPU.A10.1 (1× A10)', unit: 'gpu-hour', usd: 2.0 },
    'VM.GPU.A10.2': { label: 'GPU node VM.GPU.A10.2 (2× A10)', unit: 'gpu-hour', usd: 2.0 },
    'BM.GPU.A10.4': { label: 'GPU node BM.GPU.A10.4 (4× A10)', unit: 'gpu-hour', usd: 2.0 },
    'BM.GPU4.8': { label: 'GPU node BM.GPU4.8 (8× A100 40 GB)', unit: 'gpu-hour', usd: 3.05 },
    'BM.GPU.A100-v2.8': { label: 'GPU node BM.GPU.A100-v2.8 (8× A100 80 GB)', unit: 'gpu-hour', usd: 4.0 },
    'BM.GPU.H100.8': { label: 'GPU node BM.GPU.H100.8 (8× H100)', unit: 'gpu-hour', usd: 10.0 },
    'BM.GPU.H200.8': { label: 'GPU node BM.GPU.H200.8 (8× H200)', unit: 'gpu-hour', usd: 10.0 },
    'BM.GPU.L40S.4': { label: 'GPU node BM.GPU.L40S.4 (4× L40S)', unit: 'gpu-hour', usd: 3.5 },
    'VM.GPU3.1': { label: 'GPU node VM.GPU3.1 (1× V100)', unit: 'gpu-hour', usd: 2.95 },
    'oke-basic': { label: 'OKE control plane (basic)', unit: 'hour', usd: 0 },
    'oke-enhanced': { label: 'OKE control plane (enhanced)', unit: 'hour', usd: 0.1 },
    'oci-flexible-lb': {
      label: 'Flexible load balancer (10 Mbps)',
      unit: 'hour',
      usd: 0.0113,
      note: "the tenancy's first LB and first 10 Mbps are free; billed here as if not",
    },
    'oci-nlb': { label: 'Network load balancer', unit: 'hour', usd: 0 },
    'block-volume-gb-month': { label: 'Block volume (balanced), model cache', unit: 'gb-month', usd: 0.0425 },
    // CPU pool (--load-from cluster): what the loader pods request, priced like an E4.Flex node.
    'VM.Standard.E4.Flex.ocpu': { label: 'CPU node VM.Standard.E4.Flex, per OCPU (2 vCPU)', unit: 'hour', usd: 0.025 },
    'VM.Standard.E4.Flex.memory-gb': { label: 'CPU node VM.Standard.E4.Flex, per GB memory', unit: 'hour', usd: 0.0015 },
  },
};

export const DEFAULT_PRICE_TABLE = OCI_LIST_2026_01;

/** USD per hour for `quantity` units of a price item. Unknown items cost null (shown as unknown). */
export function hourlyRate(table: PriceTable, priceItem: string, quantity: number): number | null {
  const item = table.items[priceItem];
  if (!item) return null;
  const perUnitHour = item.unit === 'gb-month' ? item.usd / HOURS_PER_MONTH : item.usd;
  return perUnitHour * quantity;
}

export interface CostLine {
  id: string;
  priceItem: string;
  label: string;
  quantity: number;
  unit: PriceUnit | 'unknown';
  hours: number;
  usdPerHour: number | null;
  usd: number | null;
  running: boolean;
}

export interface CostBreakdown {
  priceTable: string;
  /** Sum of the known lines. */
  totalUsd: number;
  /** Current burn rate of what is still running. */
  runningUsdPerHour: number;
  lines: CostLine[];
  /** Resources whose price item the table lacks (cost unknown, not 0). */
  unknown: string[];
}

const MS_PER_HOUR = 3_600_000;

/** Cost of every resource span up to session time `at` (ms). */
export function costAt(resources: Record<string, ResourceSpan> | ResourceSpan[], at: number, table: PriceTable): CostBreakdown {
  const spans = Array.isArray(resources) ? resources : Object.values(resources);
  const lines: CostLine[] = [];
  const unknown: string[] = [];
  let total = 0;
  let running = 0;
  for (const span of spans) {
    const { resource } = span;
    const end = span.stoppedAt ?? at;
    const hours = Math.max(0, end - span.startedAt) / MS_PER_HOUR;
    const rate = hourlyRate(table, resource.priceItem, resource.quantity);
    const usd = rate === null ? null : rate * hours;
    const isRunning = span.stoppedAt === undefined;
    if (usd === null) unknown.push(resource.priceItem);
    else total += usd;
    if (isRunning && rate !== null) running += rate;
    lines.push({
      id: resource.id,
      priceItem: resource.priceItem,
      label: resource.label,
      quantity: resource.quantity,
      unit: table.items[resource.priceItem]?.unit ?? 'unknown',
      hours,
      usdPerHour: rate,
      usd,
      running: isRunning,
    });
  }
  return { priceTable: table.name, totalUsd: total, runningUsdPerHour: running, lines, unknown };
}

/** The paid resources of a deployment, as the simulator and the kube driver report them. */
export function deploymentResources(spec: { gpuShape: string; gpuCount: number; cache: { sizeGi: number }; serviceType: string }): PaidResource[] {
  const list: PaidResource[] = [
    { id: 'gpu-node', priceItem: spec.gpuShape, quantity: spec.gpuCount, label: `${spec.gpuCount}× GPU on ${spec.gpuShape}` },
    { id: 'pvc', priceItem: 'block-volume-gb-month', quantity: Math.round(spec.cache.sizeGi * 1.073741824), label: `model cache ${spec.cache.sizeGi} GiB` },
  ];
  if (spec.serviceType === 'LoadBalancer') list.push({ id: 'lb', priceItem: 'oci-flexible-lb', quantity: 1, label: 'load balancer' });
  return list;
}

/** Projected cost of a cycle lasting `hours`, with everything running throughout (an upper bound). */
export function projectCycleCost(resources: PaidResource[], hours: number, table: PriceTable): { usd: number; unknown: string[] } {
  let usd = 0;
  const unknown: string[] = [];
  for (const r of resources) {
    const rate = hourlyRate(table, r.priceItem, r.quantity);
    if (rate === null) unknown.push(r.priceItem);
    else usd += rate * hours;
  }
  return { usd, unknown };
}

/** Monthly cost of keeping a model-cache volume of `gb` between cycles. */
export function keptCacheMonthlyUsd(gb: number, table: PriceTable = DEFAULT_PRICE_TABLE): number {
  return (table.items['block-volume-gb-month']?.usd ?? 0) * gb;
}

/** Money as every view prints it (the one money formatter: ./format.ts). */
export const formatUsd = usdText;
