#!/usr/bin/env python3
"""Reference logits of the real GGUF models from transformers, for
tests/inference/cpu/gguf_golden_test.cc (label `model`).

transformers loads a GGUF file dequantised (through the `gguf` package's reference
dequantisation, un-permuting Llama's q/k) into a float32 model; with eager attention its forward
is the float reference boxed's CPU forward must match over the same dequantised weights.

For each model, over the first N tokens of a real text (math500 problems and solutions from
../shared/datasets, tokenized by transformers' GGUF tokenizer, no BOS), the golden keeps per
position the 20 best ids with their logits and the logits of a fixed set of ids spread over the
vocabulary. Output: tests/data/golden/gguf/<model>.json.

    python3 tools/golden/make_gguf_golden.py [--models-dir ~/.cache/boxed-models]
        [--datasets ../shared/datasets] [--positions 300]
"""
import argparse
import json
import os
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

MODELS = ["smollm2-135m-instruct-q4_1.gguf", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"]
TOP = 20
FIXED = 16

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", ".."))
ap = argparse.ArgumentParser()
ap.add_argument("--models-dir", default=os.path.expanduser("~/.cache/boxed-models"))
# ../shared beside the checkout (a worktree may sit one level deeper: also try ../../shared).
shared = next((p for p in (os.path.join(root, "..", "shared"), os.path.join(root, "..", "..", "shared"))
               if os.path.isdir(p)), os.path.join(root, "..", "shared"))
ap.add_argument("--datasets", default=os.path.normpath(os.path.join(shared, "datasets")))
ap.add_argument("--positions", type=int, default=300)
ap.add_argument("--out", default=os.path.join(root, "tests", "data", "golden", "gguf"))
ap.add_argument("models", nargs="*", default=MODELS)
args = ap.parse_args()

text = ""
with open(os.path.join(args.datasets, "math500", "test.jsonl")) as f:
    for line in f:
        row = json.loads(line)
        text += "Problem: " + row["problem"] + "\nSolution: " + row["solution"] + "\n\n"
        if len(text) > 8 * args.positions:
            break

torch.set_grad_enabled(False)
os.makedirs(args.out, exist_ok=True)
for name in args.models:
    tok = AutoTokenizer.from_pretrained(args.models_dir, gguf_file=name)
    ids = tok(text, add_special_tokens=False)["input_ids"][: args.positions]
    assert len(ids) == args.positions, (name, len(ids))
    model = AutoModelForCausalLM.from_pretrained(args.models_dir, gguf_file=name,
                                                 torch_dtype=torch.float32,
                                                 attn_implementation="eager")
    model.eval()
    logits = model(torch.tensor([ids])).logits[0].float()  # [positions, vocab]
    vocab = logits.shape[1]
    fixed = [int(i * (vocab - 1) / (FIXED - 1)) for i in range(FIXED)]
    positions = []
    for p in range(len(ids)):
        values, top = torch.topk(logits[p], TOP)
        positions.append({
            "top_ids": top.tolist(),
            "top_logits": [round(v, 6) for v in values.tolist()],
            "fixed_logits": [round(v, 6) for v in logits[p, fixed].tolist()],
        })
    golden = {
        "model": name,
        "generator": "tools/golden/make_gguf_golden.py",
        "reference": f"transformers {__import__('transformers').__version__}, float32, eager attention",
        "tie_word_embeddings": bool(model.config.tie_word_embeddings),
        "vocab_size": vocab,
        "tokens": ids,
        "fixed_ids": fixed,
        "positions": positions,
    }
    out = os.path.join(args.out, name.replace(".gguf", ".json"))
    with open(out, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print(out, os.path.getsize(out), "bytes", file=sys.stderr)
