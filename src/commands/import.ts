// `nimble import <file>...`: GuideLLM or vllm bench results saved as a session.

import { resolve } from 'node:path';
import { saveSession } from '../sessions/store.ts';
import { importResultFiles } from '../sessions/import.ts';
import { NIMBLE_VERSION } from '../util/version.ts';
import { choiceFlag, intFlag, parse, UsageError } from '../cli/args.ts';
import { SHAPE_IDS } from '../core/workloads.ts';
import type { CommandIo } from './io.ts';
import { guarded, SESSIONS_DIR_FLAG, sessionCtx } from './session-context.ts';

const USAGE = 'usage: nimble import <file> [<file>...] [--format guidellm|vllm] [--shape support|summary|coding] [--gpu-shape S] [--gpu-count N] [--model M]';

const OPTIONS = {
  ...SESSIONS_DIR_FLAG,
  format: { type: 'string' },
  shape: { type: 'string' },
  'gpu-shape': { type: 'string' },
  'gpu-count': { type: 'string' },
  model: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export function importCommand(argv: string[], io?: CommandIo): Promise<number> {
  return guarded(io, (io) => {
    const { values: f, positionals } = parse(argv, OPTIONS, USAGE, true);
    if (!positionals.length) throw new UsageError(USAGE, USAGE);
    const format = choiceFlag('format', f.format, ['guidellm', 'vllm'] as const, USAGE);
    const shape = choiceFlag('shape', f.shape, SHAPE_IDS, USAGE);
    const gpuCount = intFlag('gpu-count', f['gpu-count'], USAGE);
    const ctx = sessionCtx(io, f['sessions-dir']);
    const r = importResultFiles(positionals.map((file) => resolve(io.cwd, file)), {
      format,
      shape,
      gpuShape: f['gpu-shape'],
      gpuCount,
      model: f.model,
      priceTable: ctx.config.priceTable,
      nimbleVersion: NIMBLE_VERSION,
    });
    const path = saveSession(ctx.dir, r.summary, r.events, { env: io.env });
    if (f.json) io.stdout.write(JSON.stringify({ id: r.summary.id, path, format: r.format, levels: r.summary.levels.length, notes: r.notes }, null, 2) + '\n');
    else {
      io.stdout.write(`imported ${r.summary.levels.length} level(s) from ${r.format} as session ${r.summary.id}\n  ${path}\n`);
      for (const n of r.notes) io.stdout.write(`  note: ${n}\n`);
    }
    return 0;
  });
}
