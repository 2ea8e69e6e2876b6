// bench soak-rss only (NIMBLE_BENCH_MEM=1): where a thread's heap and the process's resident set go.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const MB = 1 / 1048576;

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
