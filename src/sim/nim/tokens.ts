// Token counting and token text of the simulated NIM. No real tokenizer: a documented, deterministic
// rule that a load generator can invert exactly.
//
// Rule: split the text on whitespace; each word of up to 8 characters is one token, a longer word
// is one token per started 8 characters (ceil(len / 8)). So "the cat sat" = 3 tokens and a
// 20-character word = 3 tokens. makePrompt(n) builds a text that counts as exactly n tokens.
//
// Chat: the prompt is every message's text counted as above, plus the chat-template overhead
// CHAT_TEMPLATE_TOKENS.base (begin-of-text + the assistant header the template appends) and
// CHAT_TEMPLATE_TOKENS.perMessage (a role header and end-of-turn per message), roughly what the
// llama-3.1 template adds. One user message of n words therefore counts n + 9 tokens.
import { createRng } from '../../core/rng.ts';

const WORD_CHARS = 8;

export const CHAT_TEMPLATE_TOKENS = { base: 5, perMessage: 4 } as const;

export function countPromptTokens(text: string): number {
  let tokens = 0;
  let wordLen = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // space, \t, \n, \v, \f, \r
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (wordLen) tokens += Math.ceil(wordLen / WORD_CHARS);
      wordLen = 0;
    } else wordLen++;
  }
  if (wordLen) tokens += Math.ceil(wordLen / WORD_CHARS);
  return tokens;
}

/** OpenAI message content: a string, or an array of parts of which the text parts count. */
export type MessageContent = string | null | undefined | Array<{ type?: string; text?: unknown }>;

export function messageText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && typeof p.text === 'string' ? p.text : '')).join(' ');
  }
  return '';
}

export function countChatPromptTokens(messages: ReadonlyArray<{ content?: MessageContent }>): number {
  let n = CHAT_TEMPLATE_TOKENS.base;
  for (const m of messages) n += CHAT_TEMPLATE_TOKENS.perMessage + countPromptTokens(messageText(m.content));
  return n;
}

/** Filler words the simulated model "writes" and makePrompt draws from: all ≤ 8 chars, JSON-safe. */
export const FILLER_WORDS: readonly string[] = [
  'the', 'model', 'serves', 'tokens', 'quickly', 'while', 'cache', 'blocks', 'stay', 'warm',
  'and', 'users', 'read', 'each', 'answer', 'as', 'it', 'streams', 'from', 'GPU',
  'memory', 'to', 'screen', 'so', 'latency', 'matters', 'more', 'than', 'raw', 'speed',
  'in', 'chat',
];

/** A prompt text of exactly `tokens` tokens by countPromptTokens (seed picks the words). */
export function makePrompt(tokens: number, seed = 1): string {
  if (!Number.isInteger(tokens) || tokens < 0) throw new Error(`makePrompt: tokens must be an integer ≥ 0, got ${tokens}`);
  const rnd = createRng(seed);
  const words = new Array<string>(tokens);
  for (let i = 0; i < tokens; i++) words[i] = FILLER_WORDS[Math.floor(rnd() * FILLER_WORDS.length)];
  return words.join(' ');
}

/** Chat messages whose prompt counts exactly `tokens` (≥ template overhead of one message). */
export function makeChatMessages(tokens: number, seed = 1): Array<{ role: 'user'; content: string }> {
  const overhead = CHAT_TEMPLATE_TOKENS.base + CHAT_TEMPLATE_TOKENS.perMessage;
  if (tokens < overhead) throw new Error(`makeChatMessages: a chat prompt is at least ${overhead} tokens (template), asked ${tokens}`);
  return [{ role: 'user', content: makePrompt(tokens - overhead, seed) }];
}

/**
 * How many tokens a request produces. max_tokens is honoured exactly with ignore_eos or when
 * min_tokens ≥ max_tokens; otherwise the model "stops" at a natural length drawn uniformly in
 * [max(min_tokens, 40% of max_tokens), max_tokens] from the request's own seeded draw.
 */
export function outputLength(opts: { maxTokens: number; minTokens: number; ignoreEos: boolean; draw: number }): {
  tokens: number;
  finishReason: 'length' | 'stop';
} {
  const { maxTokens, minTokens, ignoreEos, draw } = opts;
  if (ignoreEos || minTokens >= maxTokens) return { tokens: maxTokens, finishReason: 'length' };
  const lo = Math.max(1, minTokens, Math.ceil(maxTokens * 0.4));
  const n = Math.min(maxTokens, lo + Math.floor(draw * (maxTokens - lo + 1)));
  return { tokens: n, finishReason: n === maxTokens ? 'length' : 'stop' };
}
