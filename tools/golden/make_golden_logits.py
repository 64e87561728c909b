#!/usr/bin/env python3
"""Golden logits of the tiny Qwen2 and Llama models, from Hugging Face transformers.

The C++ test tests/inference/cpu/golden_logits_test.cc regenerates the same model directories
with make_tiny_model(dir, arch, seed) (the writer is deterministic) and compares the CPU forward
against the logits written here, so the C++ tests never need Python.

Usage (from the repository root, after building `boxed`):
    python3 tools/golden/make_golden_logits.py --boxed build/bin/boxed --out tests/data/golden

For each architecture: `boxed make-tiny-model DIR --arch A --seed S`, then
transformers.AutoModelForCausalLM.from_pretrained(DIR, dtype=float32, attn_implementation=
"eager") -- the BF16 weights are widened to fp32 exactly, so both sides compute in fp32 over the
same numbers -- and each case's token sequence is run on its own (batch 1, no padding). A case
records the logits at a few positions of its sequence.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import torch
import transformers

SEEDS = {"qwen2": 11, "llama": 23}


def token_sequence(length, vocab_size, salt):
    """A fixed pseudo-random token sequence (a linear congruential walk, no RNG library)."""
    ids, state = [], salt
    for _ in range(length):
        state = (state * 1103515245 + 12345) % (2**31)
        ids.append(state % vocab_size)
    return ids


def cases_for(arch, vocab_size, original_max_positions):
    cases = [
        {"note": "a single token: attention over one position", "length": 1, "salt": 1},
        {"note": "a short prompt, logits at every position", "length": 6, "salt": 2,
         "positions": "all"},
        {"note": "crosses KV block boundaries (16-token blocks)", "length": 37, "salt": 3},
    ]
    if arch == "llama":
        cases.append({"note": "longer than original_max_position_embeddings ({}): positions where "
                              "llama3 scaling matters most".format(original_max_positions),
                      "length": original_max_positions + 36, "salt": 4})
    # Sequences the C++ test also runs together in one batch (the multi-sequence case).
    cases.append({"note": "multi-sequence batch member A", "length": 9, "salt": 5, "batch": "m"})
    cases.append({"note": "multi-sequence batch member B", "length": 21, "salt": 6, "batch": "m"})
    cases.append({"note": "multi-sequence batch member C", "length": 3, "salt": 7, "batch": "m"})
    for case in cases:
        case["tokens"] = token_sequence(case.pop("length"), vocab_size, case.pop("salt"))
        n = len(case["tokens"])
        which = case.pop("positions", None)
        case["positions"] = list(range(n)) if which == "all" else sorted({0, n // 2, n - 1})
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxed", required=True, help="path to the boxed binary")
    parser.add_argument("--out", required=True, help="output directory (tests/data/golden)")
    args = parser.parse_args()
    torch.manual_seed(0)  # nothing random is drawn; set for good measure
    for arch, seed in SEEDS.items():
        with tempfile.TemporaryDirectory() as tmp:
            model_dir = os.path.join(tmp, arch)
            subprocess.run([args.boxed, "make-tiny-model", model_dir, "--arch", arch, "--seed",
                            str(seed)], check=True)
            model = transformers.AutoModelForCausalLM.from_pretrained(
                model_dir, dtype=torch.float32, attn_implementation="eager")
            model.eval()
            config = json.load(open(os.path.join(model_dir, "config.json")))
            original = (config.get("rope_scaling") or {}).get("original_max_position_embeddings", 0)
            cases = cases_for(arch, config["vocab_size"], original)
            with torch.no_grad():
                for case in cases:
                    ids = torch.tensor([case["tokens"]], dtype=torch.long)
                    logits = model(input_ids=ids).logits[0]  # [n, vocab]
                    case["logits"] = [[float(v) for v in logits[p].tolist()]
                                      for p in case["positions"]]
        golden = {
            "generator": "tools/golden/make_golden_logits.py",
            "reference": "transformers {} / torch {}, fp32, eager attention".format(
                transformers.__version__, torch.__version__),
            "arch": arch,
            "seed": seed,
            "vocab_size": config["vocab_size"],
            "cases": cases,
        }
        path = os.path.join(args.out, "tiny_{}_logits.json".format(arch))
        with open(path + ".tmp", "w") as f:
            json.dump(golden, f, indent=None, separators=(",", ":"))
            f.write("\n")
        os.replace(path + ".tmp", path)
        print("wrote", path, file=sys.stderr)


if __name__ == "__main__":
    main()
