#!/usr/bin/env python3
"""Teacher-forced next-token parity of boxed's CPU forward against llama.cpp on a GGUF model.

For each model, llama.cpp's `llama-perplexity --kl-divergence-base FILE` tokenizes real text
(MATH-500 problems and solutions), cuts it into chunks of --ctx tokens, runs each chunk from an
empty KV cache and saves its next-token log-probabilities for the second half of every chunk.
This script feeds exactly those token ids (read back from that file, so the input is identical
by construction) through `boxed logits --tokens ... --logits-out` and compares, position by
position:

  * top-1 agreement: argmax of boxed's logits == argmax of llama.cpp's saved log-probabilities;
  * KL(llama.cpp || boxed) = sum_i p_llama(i) * (log p_llama(i) - log p_boxed(i)), with boxed's
    log-softmax taken over its full vocabulary in float64. Like llama.cpp's own
    `--kl-divergence` report, the sum runs over the tokens whose saved llama.cpp log-probability
    is above -16 (the file clips everything more than 16 nats below the top token; those tokens
    carry the mass reported as `llama_mass_below_-16`).
  * the perplexity of the scored tokens under each engine.

The saved file's layout (llama.cpp tools/perplexity/perplexity.cpp, perplexity() and
process_logits()/log_softmax()): "_logits_" (8 bytes), int32 n_ctx, int32 n_vocab, int32 n_chunk,
int32 tokens[n_chunk * n_ctx] (as tokenized, before any BOS substitution), then for every chunk
and every scored position p in [n_ctx/2, n_ctx-2] (predicting token p+1) a record of
nv = 2*((n_vocab+1)/2) + 4 uint16: the first four hold float32 scale and float32 min_log_prob,
the next n_vocab hold q_i with log p_i = scale * q_i + min_log_prob (q_i = 0 means "at or below
max_log_prob - 16"). The first token of each chunk is replaced by BOS when the vocabulary's
add_bos flag is set.

Usage (about 10 minutes on two busy cores for both models):
  tools/llama_cpp/compare_logits.py --boxed build/bin/boxed \\
      --out tests/bench/results/llama_cpp_logit_parity.md
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

LLAMA_BIN = os.path.expanduser("~/.cache/boxed-llama.cpp/build/bin")
MODELS_DIR = os.path.expanduser("~/.cache/boxed-models")
DEFAULT_MODELS = ["smollm2-135m-instruct-q4_1.gguf", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"]
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def default_text():
    """../shared/datasets/math500/test.jsonl beside the checkout (or beside the main checkout,
    for a git worktree elsewhere)."""
    roots = [REPO]
    common = subprocess.run(["git", "-C", REPO, "rev-parse", "--path-format=absolute",
                             "--git-common-dir"], capture_output=True, text=True).stdout.strip()
    if common:
        roots.append(os.path.dirname(common))
    for root in roots:
        path = os.path.join(root, "..", "shared", "datasets", "math500", "test.jsonl")
        if os.path.exists(path):
            return os.path.normpath(path)
    return os.path.normpath(os.path.join(REPO, "..", "shared", "datasets", "math500", "test.jsonl"))
KL_CUTOFF = -16.0  # llama.cpp perplexity.cpp kl_divergence: terms with p_log_base > -16


def write_text(jsonl_path, out_path, n_chars):
    """MATH-500 problems and their solutions, concatenated, until n_chars characters."""
    parts, total = [], 0
    with open(jsonl_path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for key in ("problem", "solution"):
                if rec.get(key):
                    parts.append(rec[key])
                    total += len(rec[key]) + 2
            if total >= n_chars:
                break
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n\n".join(parts))


def gguf_bos(model_path):
    import gguf  # reference package, tools/ only

    reader = gguf.GGUFReader(model_path)

    def scalar(key):
        field = reader.fields.get(key)
        return None if field is None else field.parts[field.data[0]][0]

    add_bos = scalar("tokenizer.ggml.add_bos_token")
    return bool(add_bos) if add_bos is not None else False, scalar("tokenizer.ggml.bos_token_id")


def read_llama_file(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"_logits_":
        raise SystemExit(f"{path}: expected magic '_logits_' at byte 0, found {data[:8]!r}")
    n_ctx, n_vocab, n_chunk = np.frombuffer(data, np.int32, 3, 8)
    off = 8 + 12
    tokens = np.frombuffer(data, np.int32, n_chunk * n_ctx, off)
    off += 4 * n_chunk * n_ctx
    nv = 2 * ((n_vocab + 1) // 2) + 4
    n_scored = n_ctx - 1 - n_ctx // 2
    want = off + 2 * nv * n_scored * n_chunk
    if len(data) != want:
        raise SystemExit(f"{path}: expected {want} bytes for {n_chunk} chunks of {n_ctx} "
                         f"(n_vocab {n_vocab}), found {len(data)}")
    records = np.frombuffer(data, np.uint16, nv * n_scored * n_chunk, off).reshape(
        n_chunk, n_scored, nv)
    return int(n_ctx), int(n_vocab), int(n_chunk), tokens.reshape(n_chunk, n_ctx), records


def llama_logprobs(record, n_vocab):
    head = record[:4].copy().view(np.float32)
    scale, min_log_prob = float(head[0]), float(head[1])
    return scale * record[4:4 + n_vocab].astype(np.float64) + min_log_prob


def log_softmax(x):
    x = x.astype(np.float64)
    m = x.max()
    return x - (m + np.log(np.exp(x - m).sum()))


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def transformers_model(model_path):
    """The GGUF file dequantised by transformers (its gguf loader), float32, eval mode: the float
    reference both engines are measured against with --transformers."""
    import torch  # reference packages, tools/ only
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(2)
    model = AutoModelForCausalLM.from_pretrained(os.path.dirname(model_path),
                                                 gguf_file=os.path.basename(model_path),
                                                 torch_dtype=torch.float32)
    return model.eval()


def transformers_logits(model, ids):
    import torch

    with torch.no_grad():
        return model(torch.tensor([ids], dtype=torch.long)).logits[0].double().numpy()


def compare_model(args, model_path, work):
    name = os.path.basename(model_path)
    base = os.path.join(work, name + ".kld")
    ppl = run(["nice", "-n", str(args.nice), os.path.join(args.llama_bin, "llama-perplexity"),
               "-m", model_path, "-f", args.text_file, "-c", str(args.ctx), "-b", str(args.ctx),
               "--chunks", str(args.chunks), "-t", str(args.threads),
               "--kl-divergence-base", base] + args.llama_extra.split())
    n_ctx, n_vocab, n_chunk, tokens, records = read_llama_file(base)
    add_bos, bos = gguf_bos(model_path)
    first = n_ctx // 2
    kls, same, mass_below, nll_l, nll_b, margins_when_differ = [], 0, [], [], [], []
    # With --transformers: top-1 of each engine against the float reference, same positions.
    hf = transformers_model(model_path) if args.transformers else None
    same_hf = {"boxed": 0, "llama.cpp": 0}
    max_abs_hf = 0.0
    for c in range(n_chunk):
        chunk = tokens[c].copy()
        if add_bos:
            chunk[0] = bos
        raw = os.path.join(work, "boxed.f32")
        run(["nice", "-n", str(args.nice), args.boxed, "logits", "--model", model_path,
             "--tokens", ",".join(map(str, chunk.tolist())), "--logits-out", raw])
        logits = np.fromfile(raw, np.float32)
        if logits.size % n_ctx != 0:
            raise SystemExit(f"{raw}: {logits.size} floats is not a multiple of {n_ctx} positions")
        vocab_b = logits.size // n_ctx
        if vocab_b != n_vocab:
            raise SystemExit(f"{name}: boxed vocab {vocab_b} != llama.cpp n_vocab {n_vocab}")
        logits = logits.reshape(n_ctx, vocab_b)
        ref = transformers_logits(hf, chunk.tolist()) if hf is not None else None
        for j, p in enumerate(range(first, n_ctx - 1)):
            lp_l = llama_logprobs(records[c, j], n_vocab)
            lp_b = log_softmax(logits[p])
            keep = lp_l > KL_CUTOFF
            p_l = np.exp(lp_l[keep])
            kls.append(float((p_l * (lp_l[keep] - lp_b[keep])).sum()))
            mass_below.append(max(0.0, 1.0 - float(p_l.sum())))
            top_l, top_b = int(np.argmax(lp_l)), int(np.argmax(logits[p]))
            if top_l == top_b:
                same += 1
            else:
                margins_when_differ.append(float(lp_l[top_l] - lp_l[top_b]))
            if ref is not None:
                top_r = int(np.argmax(ref[p][:n_vocab]))
                same_hf["boxed"] += top_b == top_r
                same_hf["llama.cpp"] += top_l == top_r
                max_abs_hf = max(max_abs_hf, float(np.abs(ref[p][:n_vocab] - logits[p]).max()))
            nxt = int(tokens[c, p + 1])
            nll_l.append(-float(lp_l[nxt]))
            nll_b.append(-float(lp_b[nxt]))
        os.remove(raw)
    kls = np.array(kls)
    n = len(kls)
    ppl_line = re.findall(r"Final estimate: PPL = ([0-9.]+)", ppl.stdout + ppl.stderr)
    extra = {}
    if hf is not None:
        extra = {"top1_agreement_boxed_vs_transformers": same_hf["boxed"] / n,
                 "top1_agreement_llama_vs_transformers": same_hf["llama.cpp"] / n,
                 "max_abs_logit_diff_boxed_vs_transformers": max_abs_hf}
    return extra | {
        "model": name, "n_ctx": n_ctx, "chunks": n_chunk, "n_vocab": n_vocab,
        "scored_positions": n, "text_tokens_used": n_chunk * n_ctx,
        "top1_agreement": same / n, "top1_disagreements": n - same,
        "llama_logprob_margin_at_disagreements": sorted(round(m, 4) for m in margins_when_differ),
        "kl_mean": float(kls.mean()), "kl_p99": float(np.quantile(kls, 0.99)),
        "kl_max": float(kls.max()), "kl_median": float(np.median(kls)),
        "llama_mass_below_-16_mean": float(np.mean(mass_below)),
        "ppl_llama": float(np.exp(np.mean(nll_l))), "ppl_boxed": float(np.exp(np.mean(nll_b))),
        "ppl_llama_reported": float(ppl_line[-1]) if ppl_line else None,
    }


def markdown(results, args, commit, date):
    lines = [
        "# boxed vs llama.cpp: teacher-forced next-token parity on real GGUF models", "",
        f"- date: {date}", f"- boxed commit: {commit}",
        f"- command: `{' '.join(sys.argv)}`",
        f"- text: MATH-500 test problems and solutions (../shared/datasets/math500/test.jsonl),"
        f" tokenized by llama.cpp; {args.chunks} chunks of {args.ctx} tokens per model, each from an"
        f" empty cache, positions {args.ctx // 2}..{args.ctx - 2} of every chunk scored"
        " (llama-perplexity's scheme); boxed gets the same token ids.",
        "- llama.cpp: its CPU backend (quantized activations, its own kernels), "
        f"`llama-perplexity -c {args.ctx} -b {args.ctx} --chunks {args.chunks} -t {args.threads}"
        " --kl-divergence-base`; boxed: `boxed logits --tokens ... --logits-out` (CPU forward).",
        "- KL direction: KL(llama.cpp || boxed), per position, in nats, over the tokens whose"
        " llama.cpp log-probability is above -16 (as llama.cpp's own --kl-divergence; the saved"
        " llama.cpp log-probabilities are 16-bit quantized, step = 16/65535 of the top-to-floor"
        " range).", "",
        "| model | positions | top-1 agreement | KL mean | KL median | KL p99 | KL max |"
        " PPL llama.cpp | PPL boxed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['model']} | {r['scored_positions']} | {100 * r['top1_agreement']:.2f} %"
            f" ({r['top1_disagreements']} differ) | {r['kl_mean']:.2e} | {r['kl_median']:.2e} |"
            f" {r['kl_p99']:.2e} | {r['kl_max']:.2e} | {r['ppl_llama']:.4f} | {r['ppl_boxed']:.4f} |")
    if all("top1_agreement_boxed_vs_transformers" in r for r in results):
        lines += ["", "Both engines against the float reference (`--transformers`: transformers"
                  " loads the same GGUF dequantised and runs the same token ids in float32), on the"
                  " same positions:", "",
                  "| model | top-1 boxed = transformers | top-1 llama.cpp = transformers |"
                  " max abs logit diff boxed vs transformers |", "|---|---|---|---|"]
        for r in results:
            lines.append(f"| {r['model']} | {100 * r['top1_agreement_boxed_vs_transformers']:.2f} % |"
                         f" {100 * r['top1_agreement_llama_vs_transformers']:.2f} % |"
                         f" {r['max_abs_logit_diff_boxed_vs_transformers']:.2e} |")
    lines += ["", "Where the top-1 differs, llama.cpp's log-probability margin between its own top"
              " token and boxed's top token (nats; small = a near-tie):", ""]
    for r in results:
        lines.append(f"- {r['model']}: {r['llama_logprob_margin_at_disagreements']}")
    lines += ["", "Raw figures:", "", "```json", json.dumps(results, indent=1), "```", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boxed", default=os.path.join(REPO, "build", "bin", "boxed"))
    ap.add_argument("--llama-bin", default=LLAMA_BIN)
    ap.add_argument("--models", nargs="+",
                    default=[os.path.join(MODELS_DIR, m) for m in DEFAULT_MODELS])
    ap.add_argument("--text", default=default_text(), help="MATH-500 style jsonl")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--chunks", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nice", type=int, default=5)
    ap.add_argument("--llama-extra", default="",
                    help="more llama-perplexity options, e.g. '-ctk f32 -ctv f32' (f32 KV cache)")
    ap.add_argument("--transformers", action="store_true",
                    help="also run transformers' float forward on the same tokens (needs torch)")
    ap.add_argument("--out", help="write the markdown report here")
    args = ap.parse_args()
    for path in [args.boxed, args.text] + args.models:
        if not os.path.exists(path):
            raise SystemExit(f"not found: {path}")
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = []
    with tempfile.TemporaryDirectory(prefix="boxed_llamacmp_") as work:
        args.text_file = os.path.join(work, "text.txt")
        # ~3 characters per token is a safe under-estimate for LaTeX-heavy text; 2x margin.
        write_text(args.text, args.text_file, 2 * 4 * args.ctx * args.chunks)
        for model in args.models:
            r = compare_model(args, model, work)
            print(json.dumps(r), flush=True)
            results.append(r)
    report = markdown(results, args, commit, date)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(report)
    print(report)


if __name__ == "__main__":
    main()
