#!/usr/bin/env python3
"""boxed vs Math-Verify on real model responses (the output of tools/math_verify/real_model.sh).

Reads a `boxed run` directory (completions.jsonl), pairs each response with its MATH-500 gold,
grades it with `boxed grade --task math --mode flexible --explain` and with Math-Verify
(`verify(parse(gold), parse(response))`, its defaults), and writes into tools/math_verify/:
  real_model_results.md           agreement, accuracy by each grader, disagreements by class
  real_model_disagreements.jsonl  every disagreement: both extracted answers, boxed's rule, class
Each disagreement is classified automatically (the class says how) and can be overridden by hand
in real_model_judgements.json ({"<id>": {"verdict": ..., "reason": ...}}):
  no_answer_boxed      boxed extracted nothing, Math-Verify extracted something
  no_answer_mv         the reverse
  different_answer     the two extracted different answers (extraction disagrees)
  same_answer          both extracted the same text but judged it differently (grading disagrees)
Usage: python3 tools/math_verify/real_model.py --run DIR [--run DIR2 ...] [--math500 test.jsonl]
           [--boxed build/bin/boxed]
With several runs (e.g. the same model on boxed's CPU engine and on llama-server, from
tools/llama_cpp/e2e_math500.sh) every response of every run is graded; ids are RUN:problem#sample,
RUN being the run directory's name.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True, action="append",
                    help="boxed run directory (completions.jsonl); repeat for several runs")
    ap.add_argument("--math500", default=os.path.join(ROOT, "..", "shared", "datasets", "math500", "test.jsonl"))
    ap.add_argument("--boxed", default=os.path.join(ROOT, "build", "bin", "boxed"))
    ap.add_argument("--model", default="(unknown model)")
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()

    golds = {}
    for i, line in enumerate(open(args.math500)):
        row = json.loads(line)
        golds[row.get("unique_id", str(i))] = row["answer"]
    pairs = []
    for run in args.run:
        label = os.path.basename(os.path.normpath(run)) if len(args.run) > 1 else ""
        completions = [json.loads(l) for l in open(os.path.join(run, "completions.jsonl")) if l.strip()]
        completions = [c for c in completions if "problem_id" in c and c.get("text") is not None]
        for c in completions:
            gold = golds.get(c["problem_id"])
            if gold is None:
                continue
            prefix = f"{label}:" if label else ""
            pairs.append(dict(id=f"{prefix}{c['problem_id']}#{c['sample']}", gold=gold, response=c["text"],
                              problem=c["problem_id"], finish=c.get("finish_reason"),
                              tokens=c.get("tokens", c.get("completion_tokens"))))

    payload = "\n".join(json.dumps({"gold": p["gold"], "pred": p["response"]}) for p in pairs) + "\n"
    t0 = time.perf_counter()
    proc = subprocess.run([args.boxed, "grade", "--task", "math", "--mode", "flexible", "--explain"],
                          input=payload, capture_output=True, text=True, check=True)
    boxed_wall = time.perf_counter() - t0
    boxed = [json.loads(l) for l in proc.stdout.splitlines()]

    from math_verify import parse, verify
    import math_verify
    from importlib.metadata import version
    t0 = time.perf_counter()
    mv = []
    for p in pairs:
        try:
            answer = parse(p["response"])
            ok = bool(verify(parse("$" + p["gold"] + "$"), answer))
            shown = answer[1] if len(answer) > 1 else (str(answer[0]) if answer else None)
        except Exception as e:  # Math-Verify raises on a few inputs: not equal
            ok, shown = False, f"error: {e}"
        mv.append((ok, shown))
    mv_wall = time.perf_counter() - t0

    judgements_path = os.path.join(HERE, "real_model_judgements.json")
    judgements = json.load(open(judgements_path)) if os.path.exists(judgements_path) else {}
    n = len(pairs)
    agree = 0
    correct = {"boxed": 0, "Math-Verify": 0}
    classes = {}
    disagreements = []
    rules = {}
    same_extraction, extraction_differs = 0, []
    for p, b, (m, m_shown) in zip(pairs, boxed, mv):
        be = bool(b["equal"])
        correct["boxed"] += be
        correct["Math-Verify"] += m
        rules[b.get("rule")] = rules.get(b.get("rule"), 0) + 1
        b_answer = b.get("pred_answer")
        # Verdicts agree trivially on wrong answers; the extracted answers say more. Compared as
        # text after dropping $ and spaces (Math-Verify shows its LaTeX match, boxed its box).
        norm = lambda x: "".join(str(x).strip("$").split())
        if b_answer is not None and m_shown is not None and norm(b_answer) == norm(m_shown):
            same_extraction += 1
        elif be == m:
            extraction_differs.append(dict(id=p["id"], verdict=be, boxed_answer=b_answer,
                                           math_verify_answer=m_shown))
        if be == m:
            agree += 1
            continue
        if b_answer is None:
            cls = "no_answer_boxed"
        elif m_shown is None or str(m_shown).startswith("error"):
            cls = "no_answer_mv"
        elif str(m_shown).strip("$ ") == b_answer.strip("$ "):
            cls = "same_answer"
        else:
            cls = "different_answer"
        judgement = judgements.get(p["id"], {})
        classes[cls] = classes.get(cls, 0) + 1
        disagreements.append(dict(id=p["id"], gold=p["gold"], boxed=be, math_verify=m, boxed_answer=b_answer,
                                  boxed_rule=b.get("rule"), math_verify_answer=m_shown, finish_reason=p["finish"],
                                  cls=cls, verdict=judgement.get("verdict", "unjudged"),
                                  reason=judgement.get("reason", ""),
                                  response_tail=p["response"][-300:]))
    with open(os.path.join(args.out, "real_model_disagreements.jsonl"), "w") as f:
        for d in disagreements:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    verdicts = {}
    for d in disagreements:
        verdicts[d["verdict"]] = verdicts.get(d["verdict"], 0) + 1
    pct = lambda k: 100.0 * k / max(n, 1)
    lines = [
        "# boxed vs Math-Verify on real model responses",
        "",
        f"Generated by `tools/math_verify/real_model.sh` / `real_model.py` (do not edit by hand). Model: "
        f"{args.model}; Math-Verify {getattr(math_verify, '__version__', None) or version('math-verify')}; "
        f"boxed: `{proc.stderr.strip()}`.",
        "",
        "Command: `python3 tools/math_verify/real_model.py " + " ".join(f"--run {r}" for r in args.run) +
        "`; the runs' own commands are in their reports (for the committed results: "
        "`tools/llama_cpp/e2e_math500.sh 30 4 1024`, boxed's CPU engine and llama-server on the same prompts).",
        "",
        f"- responses: {n} ({len(set(p['problem'] for p in pairs))} MATH-500 problems), "
        f"{sum(1 for p in pairs if p['finish'] == 'length')} cut off at the token limit",
        f"- agreement: {agree}/{n} = {pct(agree):.2f}%",
        f"- accuracy: boxed {correct['boxed']}/{n} ({pct(correct['boxed']):.2f}%), "
        f"Math-Verify {correct['Math-Verify']}/{n} ({pct(correct['Math-Verify']):.2f}%)",
        f"- extracted answers: the same text {same_extraction}/{n}; different text with the same verdict "
        f"{len(extraction_differs)} (listed below)",
        f"- disagreements: {len(disagreements)} — by class: "
        + ", ".join(f"{k} {v}" for k, v in sorted(classes.items()))
        + "; by hand verdict: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())),
        f"- speed: boxed {boxed_wall:.3f} s wall (process), Math-Verify {mv_wall:.1f} s wall",
        "",
        "## boxed's deciding rules",
        "",
        "| rule | responses |",
        "|---|---|",
    ]
    for rule, count in sorted(rules.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {rule} | {count} |")
    lines += ["", "## Disagreements", "",
              "| id | gold | boxed answer | boxed | rule | Math-Verify answer | Math-Verify | class | verdict | reason |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")[:120]
    for d in disagreements:
        lines.append(f"| {esc(d['id'])} | `{esc(d['gold'])}` | `{esc(d['boxed_answer'])}` | {d['boxed']} | "
                     f"{esc(d['boxed_rule'])} | `{esc(d['math_verify_answer'])}` | {d['math_verify']} | {d['cls']} | "
                     f"{d['verdict']} | {esc(d['reason'])} |")
    lines += ["", "## Same verdict, different extracted text", "",
              "| id | verdict | boxed answer | Math-Verify answer |", "|---|---|---|---|"]
    for d in extraction_differs:
        lines.append(f"| {esc(d['id'])} | {d['verdict']} | `{esc(d['boxed_answer'])}` | "
                     f"`{esc(d['math_verify_answer'])}` |")
    with open(os.path.join(args.out, "real_model_results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[:10]))


if __name__ == "__main__":
    main()
