#!/usr/bin/env python3
"""Writes distribution_cases.jsonl: sampler inputs and the distribution Hugging Face transformers'
logits warpers produce for them (TemperatureLogitsWarper -> TopKLogitsWarper -> TopPLogitsWarper
-> MinPLogitsWarper, the order of GenerationMixin._get_logits_processor), as an independent
reference for tests/inference/sampler/sampler_test.cc.

Run from the repository root:  python3 tests/data/sampler/make_distribution_cases.py
Needs torch and transformers (dev time only; the C++ test reads the committed JSONL).
"""
import json
import math
import pathlib

import numpy as np
import torch
from transformers.generation.logits_process import (MinPLogitsWarper, TemperatureLogitsWarper,
                                                    TopKLogitsWarper, TopPLogitsWarper)

OUT = pathlib.Path(__file__).with_name("distribution_cases.jsonl")


def hf_distribution(logits, temperature, top_k, top_p, min_p):
    scores = torch.tensor([logits], dtype=torch.float64)
    ids = torch.zeros((1, 1), dtype=torch.long)
    warpers = [TemperatureLogitsWarper(temperature)]
    if top_k > 0:
        warpers.append(TopKLogitsWarper(top_k=top_k))
    if top_p < 1.0:
        warpers.append(TopPLogitsWarper(top_p=top_p))
    if min_p > 0.0:
        warpers.append(MinPLogitsWarper(min_p=min_p))
    for w in warpers:
        scores = w(ids, scores)
    probs = torch.softmax(scores, dim=-1)[0].tolist()
    return {str(i): p for i, p in enumerate(probs) if p > 0.0}


def check_no_ties_and_margins(logits, temperature, top_p):
    """Ties and cumulative sums within 1e-6 of top_p would make the cut depend on rounding."""
    finite = [x for x in logits if math.isfinite(x)]
    assert len(set(finite)) == len(finite), "tied logits: torch.topk order is unspecified"
    if top_p < 1.0:
        w = np.exp((np.array(finite) - max(finite)) / temperature)
        cum = np.cumsum(np.sort(w / w.sum())[::-1])
        assert np.min(np.abs(cum - top_p)) > 1e-6, "top_p lies on a cumulative boundary"


def main():
    rng = np.random.default_rng(20261129)
    ln = lambda ps: [math.log(p) for p in ps]
    cases = [
        ("plain softmax, T=1, no truncation", ln([0.4, 0.25, 0.15, 0.1, 0.06, 0.04]),
         1.0, 0, 1.0, 0.0),
        ("DeepSeek-R1 defaults: T=0.6, top_p=0.95", rng.normal(0, 2, 12).tolist(),
         0.6, 0, 0.95, 0.0),
        ("hot temperature flattens, top_k=3 cuts", rng.normal(0, 1, 10).tolist(),
         1.7, 3, 1.0, 0.0),
        ("top_p=0.5 keeps the smallest prefix reaching 0.5", ln([0.05, 0.3, 0.15, 0.35, 0.1, 0.05 - 1e-3]),
         1.0, 0, 0.5, 0.0),
        ("min_p=0.1 drops tokens under a tenth of the best", ln([0.02, 0.5, 0.04, 0.2, 0.06, 0.18]),
         1.0, 0, 1.0, 0.1),
        ("all four filters, top_k before top_p before min_p", rng.normal(0, 1.5, 20).tolist(),
         0.7, 8, 0.9, 0.05),
        ("masked tokens (-inf) are never drawn", [1.0, float("-inf"), 0.5, float("-inf"), -0.25, 2.0],
         1.0, 0, 1.0, 0.0),
        ("wide vocabulary: top_p keeps more than the first 64-token window",
         rng.normal(0, 0.5, 1000).tolist(), 1.0, 0, 0.9, 0.0),
        ("wide vocabulary with top_k larger than the kept mass", rng.normal(0, 3, 500).tolist(),
         0.6, 100, 0.95, 0.0),
        ("cold temperature sharpens", rng.normal(0, 1, 16).tolist(), 0.3, 0, 1.0, 0.0),
    ]
    with OUT.open("w") as f:
        for note, logits, temperature, top_k, top_p, min_p in cases:
            check_no_ties_and_margins(logits, temperature, top_p)
            row = {"note": note, "logits": [x if math.isfinite(x) else "-inf" for x in logits],
                   "temperature": temperature, "top_k": top_k, "top_p": top_p, "min_p": min_p,
                   "expected": hf_distribution(logits, temperature, top_k, top_p, min_p)}
            f.write(json.dumps(row) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
