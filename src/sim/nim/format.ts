// Wire formats of the simulated NIM: OpenAI-compatible SSE chunks and JSON bodies, shaped like
// vLLM/NIM output. Per-token chunks are built from a prefix and suffix prepared once per request,
// so a token costs one string concatenation, not a JSON.stringify.
import { FILLER_WORDS } from './tokens.ts';

export type Kind = 'chat' | 'completion';
export type FinishReason = 'stop' | 'length';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Text of output token `index` of request `n`: cheap filler, the first without a leading space. */
export function tokenText(n: number, index: number): string {
  const w = FILLER_WORDS[(index * 7 + n) % FILLER_WORDS.length];
  return index === 0 ? w : ' ' + w;
}

export class StreamFormat {
  private readonly head: string;
  private readonly tokenPrefix: string;
  private readonly tokenSuffix: string;

  constructor(
    readonly kind: Kind,
    readonly id: string,
    model: string,
    created: number,
  ) {
    const object = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    this.head = `{"id":"${id}","object":"${object}","created":${created},"model":${JSON.stringify(model)},`;
    if (kind === 'chat') {
      this.tokenPrefix = `data: ${this.head}"choices":[{"index":0,"delta":{"content":"`;
      this.tokenSuffix = `"},"logprobs":null,"finish_reason":null}]}\n\n`;
    } else {
      this.tokenPrefix = `data: ${this.head}"choices":[{"index":0,"text":"`;
      this.tokenSuffix = `","logprobs":null,"finish_reason":null,"stop_reason":null}]}\n\n`;
    }
  }

  /** Chat only: the first chunk carries the role and empty content, no token (as vLLM/NIM send). */
  role(): string {
    return `data: ${this.head}"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** `text` must be JSON-safe (filler words are). */
  token(text: string): string {
    return this.tokenPrefix + text + this.tokenSuffix;
  }

  finish(reason: FinishReason): string {
    const choice =
      this.kind === 'chat'
        ? `{"index":0,"delta":{},"logprobs":null,"finish_reason":"${reason}","stop_reason":null}`
        : `{"index":0,"text":"","logprobs":null,"finish_reason":"${reason}","stop_reason":null}`;
    return `data: ${this.head}"choices":[${choice}]}\n\n`;
  }

  usage(u: Usage): string {
    return `data: ${this.head}"choices":[],"usage":${JSON.stringify(u)}}\n\n`;
  }

  /** Invalid JSON in a data line, for the malformed-chunk fault. */
  malformed(): string {
    return `data: ${this.head}"choices":[{"index":0,"delta":{"content":"\n\n`;
  }

  static readonly DONE = 'data: [DONE]\n\n';
}

export function completionBody(
  kind: Kind,
  id: string,
  model: string,
  created: number,
  text: string,
  reason: FinishReason,
  usage: Usage,
): unknown {
  const choice =
    kind === 'chat'
      ? { index: 0, message: { role: 'assistant', content: text, tool_calls: [] }, logprobs: null, finish_reason: reason, stop_reason: null }
      : { index: 0, text, logprobs: null, finish_reason: reason, stop_reason: null };
  return { id, object: kind === 'chat' ? 'chat.completion' : 'text_completion', created, model, choices: [choice], usage };
}

const ERROR_TYPE: Record<number, string> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  405: 'MethodNotAllowedError',
  413: 'BadRequestError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

/** OpenAI-style error body. */
export function errorBody(code: number, message: string, param: string | null = null): string {
  return JSON.stringify({ error: { message, type: ERROR_TYPE[code] ?? 'Error', param, code } });
}
