// Performance profiles of the simulated NIM, as data. Each one is calibrated to the order of
// magnitude of a real GPU + model pair (public vLLM/NIM figures and memory-bandwidth arithmetic),
// not to any single benchmark run: good enough to size against, never a substitute for measuring.
//
// The timing model (see scheduler.ts): one engine step runs the prefill of newly admitted requests
// and one decode token for every request already decoding, so
//   step = (prefills ? prefillOverheadMs + prefillMsPerToken × prompt tokens : 0)
//        + (decoding ? decodeBaseMs + decodePerSeqMs × decoding : 0)
// The prefill step emits each new request's first token (TTFT ≈ one prefill when idle).

export interface NimProfile {
  id: string;
  /** One line for humans. */
  label: string;
  gpu: string;
  /** The id served in /v1/models. */
  model: string;
  /** vLLM max_num_seqs: running-batch slots. */
  maxNumSeqs: number;
  /** KV-cache capacity in tokens (all running requests' prompt + max_tokens must fit). */
  kvCacheTokens: number;
  /** Longest prompt + max_tokens one request may ask for. */
  maxModelLen: number;
  /**
   * Prompt + decode tokens one step may batch (vLLM max_num_batched_tokens, chunked prefill): long
   * or simultaneous prefills are split over steps. vLLM's online-serving default is 2048 on GPUs
   * under ~70 GB and 8192 on A100/H100-class.
   */
  maxBatchedTokens: number;
  prefillOverheadMs: number;
  prefillMsPerToken: number;
  /** Decode step of a batch of one: single-stream inter-token time. */
  decodeBaseMs: number;
  /** Added to every decode step per running sequence. */
  decodePerSeqMs: number;
}

// llama-3.1-8b fp16 KV = 2 (K,V) × 32 layers × 8 KV heads × 128 dims × 2 bytes = 128 KiB per token.
export const PROFILES: Record<string, NimProfile> = {
  // A10 24 GB: 16 GB of weights leave ~3 GB of KV at gpu_memory_utilization 0.9 → ~23k tokens
  // (1440 blocks of 16). 600 GB/s moves the 16 GB of weights in ~27 ms → ~35 tok/s single stream.
  'a10-llama-3.1-8b': {
    id: 'a10-llama-3.1-8b',
    label: 'NVIDIA A10 24 GB · llama-3.1-8b-instruct fp16 (vLLM, TP1)',
    gpu: 'A10 24GB',
    model: 'meta/llama-3.1-8b-instruct',
    maxNumSeqs: 256,
    kvCacheTokens: 23_040,
    maxModelLen: 8_192,
    maxBatchedTokens: 2_048,
    prefillOverheadMs: 12,
    prefillMsPerToken: 0.3, // ~3.3k prompt tok/s
    decodeBaseMs: 28,
    decodePerSeqMs: 0.6, // batch 32 → ~47 ms/step → ~680 tok/s aggregate
  },
  // A10 with AWQ int4 weights (~5.5 GB): much more KV room and faster single-stream decode, a bit
  // slower prefill (dequantisation) and a steeper per-sequence cost at large batches.
  'a10-llama-3.1-8b-int4': {
    id: 'a10-llama-3.1-8b-int4',
    label: 'NVIDIA A10 24 GB · llama-3.1-8b-instruct AWQ int4 (vLLM, TP1)',
    gpu: 'A10 24GB',
    model: 'meta/llama-3.1-8b-instruct',
    maxNumSeqs: 256,
    kvCacheTokens: 122_880,
    maxModelLen: 8_192,
    maxBatchedTokens: 2_048,
    prefillOverheadMs: 14,
    prefillMsPerToken: 0.4,
    decodeBaseMs: 12,
    decodePerSeqMs: 0.7,
  },
  // H100 80 GB SXM: 3.35 TB/s → ~7 ms/token single stream; ~56 GB of KV → ~450k tokens.
  'h100-llama-3.1-8b': {
    id: 'h100-llama-3.1-8b',
    label: 'NVIDIA H100 80 GB · llama-3.1-8b-instruct fp16 (vLLM, TP1)',
    gpu: 'H100 80GB',
    model: 'meta/llama-3.1-8b-instruct',
    maxNumSeqs: 256,
    kvCacheTokens: 450_000,
    maxModelLen: 131_072,
    maxBatchedTokens: 8_192,
    prefillOverheadMs: 8,
    prefillMsPerToken: 0.05, // ~20k prompt tok/s
    decodeBaseMs: 7,
    decodePerSeqMs: 0.08,
  },
};

export const DEFAULT_PROFILE_ID = 'a10-llama-3.1-8b';

export function getProfile(id: string = DEFAULT_PROFILE_ID): NimProfile {
  const p = PROFILES[id];
  if (!p) {
    throw new Error(`unknown sim profile '${id}': choose one of ${Object.keys(PROFILES).join(', ')}`);
  }
  return p;
}

/** Idle figures a profile implies (what a single user sees with nothing else running). */
export function idleFigures(p: NimProfile, promptTokens: number): { ttftMs: number; tokPerS: number } {
  return {
    ttftMs: p.prefillOverheadMs + p.prefillMsPerToken * promptTokens,
    tokPerS: 1000 / (p.decodeBaseMs + p.decodePerSeqMs),
  };
}
