// The user's config file: `$NIMBLE_CONFIG` or ~/.config/nimble/config.json. Holds a price table
// override (named, so every cost still says which table it used), a daily budget and a sessions
// directory. A bad file is a clear error naming the file and the field, never a silent default.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { sanitizeText } from '../util/sanitize.ts';
import { z } from 'zod';
import { SHAPE_IDS } from '../core/sweep-types.ts';
import { DEFAULT_PRICE_TABLE, type PriceItem, type PriceTable } from '../core/cost.ts';
import type { SlaConfigFile } from '../core/sla-report.ts';

export interface NimbleConfig {
  priceTable: PriceTable;
  dailyBudgetUsd?: number;
  sessionsDir?: string;
  /** SLA targets for pattern reports (src/core/sla-report.ts), laid over seed 001's. */
  sla?: SlaConfigFile;
  /** The file read, or null when none exists (defaults). */
  source: string | null;
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly detail: string) {
    super(`config ${file}: ${detail}`);
    this.name = 'ConfigError';
  }
}

const unit = z.enum(['gpu-hour', 'hour', 'gb-month']);
const itemOverride = z.strictObject({
  label: z.string().min(1).optional(),
  unit: unit.optional(),
  usd: z.number().nonnegative(),
  note: z.string().optional(),
});

const configSchema = z.strictObject({
  $schema: z.string().optional(),
  priceTable: z
    .strictObject({
      name: z.string().min(1),
      currency: z.literal('USD').optional(),
      items: z.record(z.string().min(1), itemOverride),
    })
    .optional(),
  dailyBudgetUsd: z.number().positive().optional(),
  sessionsDir: z.string().min(1).optional(),
  sla: z
    .strictObject({
      ...slaFields(),
      shapes: z.partialRecord(z.enum(SHAPE_IDS), z.strictObject(slaFields())).optional(),
    })
    .optional(),
});

function slaFields() {
  return {
    ttftP95Ms: z.number().positive().optional(),
    outputTokPerS: z.number().positive().optional(),
    kvCacheMax: z.number().min(0).max(1).optional(),
    successRate: z.number().min(0).max(1).optional(),
    recoveryS: z.number().nonnegative().optional(),
    spikeErrorRate: z.number().min(0).max(1).optional(),
  };
}

export function configPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): { path: string; explicit: boolean } {
  if (env.NIMBLE_CONFIG) return { path: resolve(env.NIMBLE_CONFIG), explicit: true };
  const base = env.XDG_CONFIG_HOME || join(home, '.config');
  return { path: join(base, 'nimble', 'config.json'), explicit: false };
}

/** DEFAULT_PRICE_TABLE with the user's items laid over it, under the user's table name. */
export function overridePriceTable(base: PriceTable, name: string, items: Record<string, Partial<PriceItem> & { usd: number }>, file = '(config)'): PriceTable {
  const merged: Record<string, PriceItem> = { ...base.items };
  for (const [key, o] of Object.entries(items)) {
    const prev = base.items[key];
    if (!prev && (!o.label || !o.unit)) {
      throw new ConfigError(file, `priceTable.items.${key}: a new price item needs "label" and "unit" (gpu-hour, hour or gb-month)`);
    }
    merged[key] = { label: o.label ?? prev!.label, unit: o.unit ?? prev!.unit, usd: o.usd, ...(o.note ?? prev?.note ? { note: o.note ?? prev!.note } : {}) };
  }
  return { name, currency: 'USD', items: merged };
}

export function parseConfig(raw: unknown, file: string, home: string = homedir()): NimbleConfig {
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    const field = i.path.length ? i.path.join('.') : '(top level)';
    throw new ConfigError(file, `${field}: ${i.message}`);
  }
  const c = r.data;
  const priceTable = c.priceTable ? overridePriceTable(DEFAULT_PRICE_TABLE, sanitizeText(c.priceTable.name), c.priceTable.items, file) : DEFAULT_PRICE_TABLE;
  let sessionsDir: string | undefined;
  if (c.sessionsDir) {
    const d = c.sessionsDir.startsWith('~/') ? join(home, c.sessionsDir.slice(2)) : c.sessionsDir;
    sessionsDir = resolve(dirname(file), d);
  }
  return { priceTable, dailyBudgetUsd: c.dailyBudgetUsd, sessionsDir, ...(c.sla ? { sla: c.sla as SlaConfigFile } : {}), source: file };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): NimbleConfig {
  const { path, explicit } = configPath(env, home);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { priceTable: DEFAULT_PRICE_TABLE, source: null };
    throw new ConfigError(path, code === 'ENOENT' ? 'file not found (named by NIMBLE_CONFIG)' : `cannot read (${code ?? (err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, `not valid JSON (${(err as Error).message})`);
  }
  return parseConfig(raw, path, home);
}
