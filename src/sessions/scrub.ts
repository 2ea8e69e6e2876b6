// Secrets never reach a session file. The cycle should not put them in events in the first place;
// this is defence in depth: every string written is scrubbed of API-key and bearer-token shapes,
// of the values of secret-looking environment variables, and of fields named like secrets.

const REDACTED = '[redacted]';

/** Key shapes: NGC personal keys (nvapi-…), bearer tokens, OpenAI-style sk-… keys. */
const SECRET_PATTERNS: RegExp[] = [
  /nvapi-[A-Za-z0-9_\-]{8,}/g,
  /\b(Bearer)\s+[A-Za-z0-9._~+\/\-]{8,}=*/gi,
  /\bsk-[A-Za-z0-9_\-]{16,}/g,
];

/** Field names whose values are secrets wherever they appear (spec.env, flags, headers). */
// Anchored at the end so 'tokenSource' or 'maxTokens' are not taken for secrets.
const SECRET_KEY = /(api[_-]?key|token|secret|password|passwd|authorization|credentials?)$/i;

/** Values of environment variables that hold secrets (NGC_API_KEY, NIMBLE_API_KEY, …). */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v && v.length >= 8 && SECRET_KEY.test(k)) out.push(v);
  }
  return out;
}

export function scrubString(s: string, secrets: readonly string[] = []): string {
  let out = s;
  for (const secret of secrets) if (secret && out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const re of SECRET_PATTERNS) {
    out = out.replace(re, (_m, bearer?: string) => (typeof bearer === 'string' ? `${bearer} ${REDACTED}` : REDACTED));
  }
  return out;
}

/** A deep copy of `value` with every secret-looking string redacted. */
export function scrubValue<T>(value: T, secrets: readonly string[] = []): T {
  const walk = (v: unknown, key: string | null): unknown => {
    if (typeof v === 'string') return key !== null && SECRET_KEY.test(key) && v.length > 0 ? REDACTED : scrubString(v, secrets);
    if (Array.isArray(v)) return v.map((x) => walk(x, null));
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = walk(x, k);
      return o;
    }
    return v;
  };
  return walk(value, null) as T;
}
