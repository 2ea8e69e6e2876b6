// bench soak-rss only (NIMBLE_BENCH_MEM=1): where a thread's heap and the process's resident set go.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export const MB = 1 / 1048576;

/** One thread's heap, MB, with its spaces and its periodic collections (src/util/heap.ts). */
export interface ThreadHeap {
  heapUsed: number;
  heapTotal: number;
  external: number;
  malloced: number;
  spaces: string;
  gcs: number;
  gcMaxMs: number;
}

export function threadHeap(gc: { count: number; maxPauseMs: number } | null): ThreadHeap {
  const h = getHeapStatistics();
  return { heapUsed: h.used_heap_size * MB, heapTotal: h.total_heap_size * MB, external: h.external_memory * MB, malloced: h.malloced_memory * MB, spaces: heapSpaces(), gcs: gc?.count ?? 0, gcMaxMs: gc?.maxPauseMs ?? NaN };
}

/** This thread's V8 spaces, committed size in MB ("new 1.0 old 9.8 code 1.2 lo 0.3 …"). */
export function heapSpaces(): string {
  const short: Record<string, string> = { new_space: 'new', old_space: 'old', code_space: 'code', large_object_space: 'lo', new_large_object_space: 'nlo', map_space: 'map', read_only_space: 'ro', code_large_object_space: 'clo' };
  return getHeapSpaceStatistics()
    .map((s) => `${short[s.space_name] ?? s.space_name}=${(s.space_size * MB).toFixed(1)}`)
    .join(' ');
}

/** The process's anonymous and file-backed resident memory, MB, from /proc (Linux). */
export function procRss(): string {
  try {
    const st = readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(st)?.[1] ?? NaN) / 1024;
    return `anon=${kb('RssAnon').toFixed(1)} file=${kb('RssFile').toFixed(1)}`;
  } catch {
    return '';
  }
}
