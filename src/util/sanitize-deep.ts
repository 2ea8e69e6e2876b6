// sanitizeText over every string in a value (an event, a summary, a row), for views that render
// structured data: Ink draws what it is given, so untrusted text is cleaned before it gets there.
import { sanitizeText } from './sanitize.ts';

export function sanitizeDeep<T>(v: T): T {
  if (typeof v === 'string') return sanitizeText(v) as T;
  if (Array.isArray(v)) return v.map(sanitizeDeep) as T;
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = sanitizeDeep(x);
    return out as T;
  }
  return v;
}
