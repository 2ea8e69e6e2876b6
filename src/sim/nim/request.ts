// Validation of a generation request body into what the engine needs. Pure: body in, either a
// parsed request or an HTTP status with a message that says what to fix.
import type { Kind } from './format.ts';
import { countChatPromptTokens, countPromptTokens, messageText, type MessageContent } from './tokens.ts';

export interface GenRequest {
  kind: Kind;
  model: string;
  promptTokens: number;
  maxTokens: number;
  minTokens: number;
  ignoreEos: boolean;
  stream: boolean;
  includeUsage: boolean;
}

export type Parsed = { ok: true; req: GenRequest } | { ok: false; status: number; message: string; param?: string };

export interface ParseLimits {
  model: string;
  maxModelLen: number;
  /** KV capacity in tokens; a request larger than it could never be admitted. Infinity when not gated. */
  kvCacheTokens: number;
  /** max_tokens when the request gives none. */
  defaultMaxTokens: number;
}

const bad = (message: string, param?: string): Parsed => ({ ok: false, status: 400, message, param });

function optInt(body: Record<string, unknown>, key: string, min: number): number | undefined | string {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) return `'${key}' must be an integer ≥ ${min}, got ${JSON.stringify(v)}`;
  return v;
}

export function parseGenRequest(kind: Kind, raw: string, lim: ParseLimits): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    return bad(`request body is not valid JSON (${(e as Error).message}); send a JSON object with Content-Type: application/json`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return bad('request body must be a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || !b.model) return bad(`'model' is required: use '${lim.model}' (see GET /v1/models)`, 'model');
  if (b.model !== lim.model) {
    return { ok: false, status: 404, message: `model not found: '${b.model}' is not served here; this server serves '${lim.model}' (GET /v1/models)`, param: 'model' };
  }

  let promptTokens: number;
  if (kind === 'chat') {
    const msgs = b.messages;
    if (!Array.isArray(msgs) || msgs.length === 0) return bad(`'messages' is required: a non-empty array of {role, content}`, 'messages');
    for (const [i, m] of msgs.entries()) {
      if (!m || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
        return bad(`messages[${i}] must be an object with a string 'role' and a 'content'`, 'messages');
      }
      const c = (m as { content?: unknown }).content;
      if (c !== undefined && c !== null && typeof c !== 'string' && !Array.isArray(c)) {
        return bad(`messages[${i}].content must be a string or an array of content parts`, 'messages');
      }
    }
    promptTokens = countChatPromptTokens(msgs as Array<{ content?: MessageContent }>);
  } else {
    let p = b.prompt;
    if (Array.isArray(p) && p.length === 1 && typeof p[0] === 'string') p = p[0];
    if (typeof p !== 'string') return bad(`'prompt' is required: a string (batched prompts are not supported by the simulator)`, 'prompt');
    promptTokens = countPromptTokens(messageText(p));
  }

  const nvext = (b.nvext && typeof b.nvext === 'object' ? b.nvext : {}) as Record<string, unknown>;
  const maxT = optInt(b, 'max_tokens', 1) ?? optInt(b, 'max_completion_tokens', 1);
  if (typeof maxT === 'string') return bad(maxT, 'max_tokens');
  const minT = optInt(b, 'min_tokens', 0) ?? optInt(nvext, 'min_tokens', 0);
  if (typeof minT === 'string') return bad(minT, 'min_tokens');
  const ieos = b.ignore_eos ?? nvext.ignore_eos;
  if (ieos !== undefined && typeof ieos !== 'boolean') return bad(`'ignore_eos' must be true or false`, 'ignore_eos');
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') return bad(`'stream' must be true or false`, 'stream');
  const so = b.stream_options;
  if (so !== undefined && so !== null && (typeof so !== 'object' || Array.isArray(so))) return bad(`'stream_options' must be an object`, 'stream_options');

  const maxTokens = maxT ?? lim.defaultMaxTokens;
  const minTokens = Math.min(minT ?? 0, maxTokens);
  const total = promptTokens + maxTokens;
  if (total > lim.maxModelLen) {
    return bad(
      `This model's maximum context length is ${lim.maxModelLen} tokens. However, you requested ${total} tokens ` +
        `(${promptTokens} in the prompt, ${maxTokens} in the completion). Reduce the prompt or max_tokens.`,
    );
  }
  if (Math.max(1, promptTokens) + maxTokens > lim.kvCacheTokens) {
    return bad(
      `prompt + max_tokens = ${total} tokens cannot fit in this server's KV cache (${lim.kvCacheTokens} tokens); reduce the prompt or max_tokens.`,
    );
  }
  return {
    ok: true,
    req: {
      kind,
      model: b.model,
      promptTokens,
      maxTokens,
      minTokens,
      ignoreEos: ieos === true,
      stream: b.stream === true,
      includeUsage: !!(so && (so as { include_usage?: unknown }).include_usage === true),
    },
  };
}
