#!/usr/bin/env bash
# Decode speed of boxed's CPU engine beside llama.cpp's, in one run on this machine, on the same
# GGUF files with the same thread count:
#   batch 1:                 `boxed bench --samples 1`   vs `llama-bench -n TG` (its tg test)
#   64 samples, one prompt:  `boxed bench --samples 64` vs `llama-batched-bench -pps -npl 64`
#                            (the prompt prefilled once and shared, as boxed samples)
# boxed both exact (f32, the default) and with `--cpu-activations q8` (int8 activations, as
# llama.cpp computes).
# plus prefill of one PP-token prompt (`llama-bench -p PP`). Each tool runs REPS times per case,
# alternating, and every figure is kept. boxed bench also measures the bytes a decode step reads
# and the machine's read bandwidth in the same run.
#
#   tools/llama_cpp/bench_side_by_side.sh [OUT.md]   (default tests/bench/results/llama_cpp_speed.md)
#
# Environment: LLAMA_BIN (default ~/.cache/boxed-llama.cpp/build/bin), MODELS (space-separated
# GGUF paths; default the two real models of ../shared/models/fetch.sh), BOXED (build/bin/boxed),
# THREADS (2), PP (128), TG (64), BATCH (64), REPS (2), NICE (command prefix, e.g. "nice -n -20"
# to keep other work on a shared machine from skewing the figures), RAW (render the table from
# this file of raw records, one JSON object a line, instead of measuring).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/tests/bench/results/llama_cpp_speed.md}"
llama_bin="${LLAMA_BIN:-$HOME/.cache/boxed-llama.cpp/build/bin}"
models_dir="${BOXED_MODELS_DIR:-$HOME/.cache/boxed-models}"
models="${MODELS:-$models_dir/smollm2-135m-instruct-q4_1.gguf $models_dir/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf}"
boxed="${BOXED:-$root/build/bin/boxed}"
threads="${THREADS:-2}"
pp="${PP:-128}"
tg="${TG:-64}"
batch="${BATCH:-64}"
reps="${REPS:-2}"
read -r -a prefix <<< "${NICE:-}"
for f in "$boxed" "$llama_bin/llama-bench" "$llama_bin/llama-batched-bench"; do
  [ -x "$f" ] || { echo "bench_side_by_side.sh: missing $f" >&2; exit 1; }
done

raw="$(mktemp)"; trap 'rm -f "$raw"' EXIT
# Every measurement becomes one JSON line in $raw: the tool's own figures, then our tags
# {"model" (file name), "tool", "case", "rep"} over any field of the same name.
record() { python3 -c 'import json,sys; d=json.loads(sys.argv[2]); d.update(json.loads(sys.argv[1])); print(json.dumps(d))' "$1" "$2" >> "$raw"; }

if [ -n "${RAW:-}" ]; then cp "$RAW" "$raw"; models=""; fi
for model in $models; do
  [ -f "$model" ] || { echo "bench_side_by_side.sh: missing $model" >&2; exit 1; }
  name="$(basename "$model")"
  for rep in $(seq 1 "$reps"); do
    for c in "1 f32" "1 q8" "$batch f32" "$batch q8"; do
      read -r samples activations <<< "$c"
      case_name="decode batch $samples"
      [ "$activations" = f32 ] || case_name="$case_name $activations"
      echo "== $name: boxed bench, $case_name (rep $rep)" >&2
      j="$("${prefix[@]}" "$boxed" bench --backend cpu --model "$model" --prompts 1 --samples "$samples" \
            --prompt-tokens "$pp" --max-tokens "$tg" --threads "$threads" --cpu-activations "$activations" --json)"
      record "{\"model\": \"$name\", \"tool\": \"boxed\", \"case\": \"$case_name\", \"rep\": $rep}" "$j"
    done
    echo "== $name: llama-bench (rep $rep)" >&2
    # -o jsonl: one object per test (pp then tg) with avg_ts, the tokens/s over -r repetitions.
    while IFS= read -r line; do
      [ -n "$line" ] || continue
      record "{\"model\": \"$name\", \"tool\": \"llama-bench\", \"rep\": $rep}" "$line"
    done < <("${prefix[@]}" "$llama_bin/llama-bench" -m "$model" -t "$threads" -p "$pp" -n "$tg" -r 2 -o jsonl 2>/dev/null)
    echo "== $name: llama-batched-bench (rep $rep)" >&2
    while IFS= read -r line; do
      case "$line" in "{"*) record "{\"model\": \"$name\", \"tool\": \"llama-batched-bench\", \"rep\": $rep}" "$line" ;; esac
    done < <("${prefix[@]}" "$llama_bin/llama-batched-bench" -m "$model" -t "$threads" -tb "$threads" \
               -c $((pp + batch * tg + 256)) -b 2048 -ub 512 -npp "$pp" -ntg "$tg" -npl "1,$batch" -pps \
               --output-format jsonl 2>&1)
  done
done

if [ -z "${RAW:-}" ]; then
  # When and where: the machine's load at the end of the measurements, the commit measured.
  record "{\"tool\": \"machine\"}" "{\"date\": \"$(date -u '+%Y-%m-%d %H:%M') UTC\", \"commit\": \"$(git -C "$root" rev-parse --short HEAD)\", \"loadavg\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
fi

python3 - "$raw" "$out" "$threads" "$pp" "$tg" "$batch" "$reps" "${NICE:-}" <<'EOF'
import datetime, json, statistics, subprocess, sys
raw, out, threads, pp, tg, batch, reps, nice = sys.argv[1:]
rows = [json.loads(l) for l in open(raw)]
machine = next(r for r in rows if r["tool"] == "machine")
rows = [r for r in rows if r["tool"] != "machine"]
def med(xs): return statistics.median(xs) if xs else float("nan")
lines = [
    "# boxed vs llama.cpp: CPU decode speed on the same GGUF files",
    "",
    f"- date: {machine['date']}; boxed commit {machine['commit']}; load average at the end {machine['loadavg']} "
    "(other work was running; the measured tools ran at the NICE priority below)",
    f"- command: `{' '.join(['NICE=' + repr(nice)] if nice else [])} tools/llama_cpp/bench_side_by_side.sh` "
    f"(THREADS={threads} PP={pp} TG={tg} BATCH={batch} REPS={reps}); every tool with {threads} threads, runs alternating",
    f"- boxed: `boxed bench --backend cpu --prompts 1 --prompt-tokens {pp} --max-tokens {tg} --samples S --threads {threads} "
    "--cpu-activations A` (A = f32, the exact default, or q8, int8 activations as llama.cpp computes)",
    f"- llama.cpp: `llama-bench -t {threads} -p {pp} -n {tg} -r 2` (batch 1) and "
    f"`llama-batched-bench -t {threads} -npp {pp} -ntg {tg} -npl 1,{batch} -pps` (one shared prompt, {batch} sequences)",
    "- figures are medians over the repetitions (all values in brackets)",
    "",
    "| model | case | boxed tok/s | llama.cpp tok/s | boxed / llama.cpp |",
    "|---|---|---|---|---|",
]
for model in dict.fromkeys(r["model"] for r in rows):
    rs = [r for r in rows if r["model"] == model]
    def vals(tool, pred, key): return [r[key] for r in rs if r["tool"] == tool and pred(r)]
    cases = [
        (f"prefill {pp} tokens", vals("boxed", lambda r: r["case"] == "decode batch 1", "prefill_tokens_per_s"),
         vals("llama-bench", lambda r: r.get("n_prompt") == int(pp) and r.get("n_gen") == 0, "avg_ts")),
        (f"prefill {pp} tokens, boxed `--cpu-activations q8`", vals("boxed", lambda r: r["case"] == "decode batch 1 q8", "prefill_tokens_per_s"),
         vals("llama-bench", lambda r: r.get("n_prompt") == int(pp) and r.get("n_gen") == 0, "avg_ts")),
        ("decode batch 1", vals("boxed", lambda r: r["case"] == "decode batch 1", "decode_tokens_per_s"),
         vals("llama-bench", lambda r: r.get("n_gen") == int(tg) and r.get("n_prompt") == 0, "avg_ts")),
        ("decode batch 1, boxed `--cpu-activations q8`", vals("boxed", lambda r: r["case"] == "decode batch 1 q8", "decode_tokens_per_s"),
         vals("llama-bench", lambda r: r.get("n_gen") == int(tg) and r.get("n_prompt") == 0, "avg_ts")),
        ("decode batch 1 (batched-bench)", [],
         vals("llama-batched-bench", lambda r: r["pl"] == 1, "speed_tg")),
        (f"decode {batch} samples of one prompt", vals("boxed", lambda r: r["case"] == f"decode batch {batch}", "decode_tokens_per_s"),
         vals("llama-batched-bench", lambda r: r["pl"] == int(batch), "speed_tg")),
        (f"decode {batch} samples of one prompt, boxed `--cpu-activations q8`", vals("boxed", lambda r: r["case"] == f"decode batch {batch} q8", "decode_tokens_per_s"),
         vals("llama-batched-bench", lambda r: r["pl"] == int(batch), "speed_tg")),
    ]
    for case, b, l in cases:
        ratio = f"{med(b) / med(l):.2f}" if b and l else "—"
        fb = f"{med(b):.1f} {[round(x, 1) for x in b]}" if b else "—"
        fl = f"{med(l):.1f} {[round(x, 1) for x in l]}" if l else "—"
        lines.append(f"| {model} | {case} | {fb} | {fl} | {ratio} |")
lines += ["", "Bytes a boxed decode step reads (weights + KV) and the read bandwidth that implies, beside the "
          "machine's read bandwidth measured by the same `boxed bench` run:", "",
          "| model | samples | activations | MB per step | implied GB/s | machine read GB/s |", "|---|---|---|---|---|---|"]
for r in rows:
    if r["tool"] == "boxed":
        lines.append(f"| {r['model']} | {r['samples']} | {r.get('cpu_activations', 'f32')} | {r['bytes_per_decode_step'] / 1e6:.1f} | "
                     f"{r['implied_read_gb_per_s']:.2f} | {r['machine_read_gb_per_s']:.2f} |")
lines += ["", "Raw records (`RAW=FILE` renders this page again from them):", "", "```json"] + \
    [json.dumps(r) for r in rows + [machine]] + ["```", ""]
open(out, "w").write("\n".join(lines))
print("\n".join(lines[:20 + 3 * len(rows)]))
EOF
