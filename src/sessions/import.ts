// Import another tool's result files as a nimble session (file reading here; mapping in
// src/core/import-results.ts).

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { PriceTable } from '../core/cost.ts';
import type { NimbleEvent } from '../core/events.ts';
import { ImportError, importResults, parseResultText, type ImportFormat } from '../core/import-results.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession, type SessionSummary } from '../core/session-summary.ts';
import type { ShapeId } from '../core/sweep-types.ts';
import { newSessionId } from './store.ts';

export interface ImportFilesOptions {
  format?: ImportFormat;
  shape?: ShapeId;
  gpuShape?: string;
  gpuCount?: number;
  model?: string;
  priceTable: PriceTable;
  nimbleVersion: string;
  now?: Date;
}

export function importResultFiles(paths: string[], o: ImportFilesOptions): { summary: SessionSummary; events: NimbleEvent[]; notes: string[]; format: ImportFormat } {
  const raws = paths.map((p) => {
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (err) {
      throw new ImportError(`${p}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      return parseResultText(text);
    } catch (err) {
      throw new ImportError(`${p}: ${(err as Error).message}`);
    }
  });
  const now = o.now ?? new Date();
  const r = importResults(raws, {
    id: newSessionId(now, 'import'),
    nimbleVersion: o.nimbleVersion,
    importedAt: now,
    source: paths.map((p) => basename(p)).join(', '),
    shape: o.shape,
    gpuShape: o.gpuShape,
    gpuCount: o.gpuCount,
    model: o.model,
    priceTable: o.priceTable.name,
  }, o.format);
  return { summary: summarizeSession(reduceAll(r.events), o.priceTable), events: r.events, notes: r.notes, format: r.format };
}
