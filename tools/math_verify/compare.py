#!/usr/bin/env python3
"""boxed's grader side by side with Math-Verify (huggingface/Math-Verify, `pip install math-verify`).

Builds a few thousand (gold, response) pairs, grades them with `boxed grade --task math` and with
Math-Verify (`verify(parse(gold), parse(response))`), reports the agreement rate and speed ratio,
and classifies every disagreement as boxed right / Math-Verify right / ambiguous.

How the pairs are built (all deterministic; no model output is needed):
  1. MATH-500 reference solutions: gold = the row's "answer", response = the full "solution".
  2. Systematic rewrites of each MATH-500 gold answer, each rewrite a rule whose verdict is known
     from the rule itself (see REWRITES below): equivalent forms ("\\frac{a}{b}" -> "a/b", a
     terminating fraction -> its decimal, a bare solution list reversed, "^\\circ" dropped,
     "x = " prefixed, thousands separators added, ...) and non-equivalent ones (integer + 1,
     fraction inverted, negated, tuple reversed, interval end bracket flipped, non-terminating
     fraction rounded to 3 decimals, set written as a tuple, a variable renamed, ...). Each
     rewritten answer is put into an R1-style response: "<think>...</think> ... $\\boxed{pred}$".
The expected verdict of a pair is the rule's verdict (the reference solution pairs: equal). A
disagreement is classified by which grader matches the expected verdict; rules whose verdict is a
matter of convention are marked ambiguous, and judgements.json overrides single cases by hand,
each with its reason.

Usage (from the repository root, after building):
    python3 tools/math_verify/compare.py --boxed build/bin/boxed [--math500 PATH/test.jsonl]
Writes tools/math_verify/results.md (summary) and tools/math_verify/disagreements.jsonl.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MATH500 = os.path.join(ROOT, "..", "shared", "datasets", "math500", "test.jsonl")  # --math500 overrides

FILLER = ("Let me work through this step by step. We set up the equation and simplify; "
          "checking the arithmetic once more, the computation is consistent.")


def split_top(s, sep=","):
    parts, depth, cur = [], 0, ""
    i = 0
    while i < len(s):
        c = s[i]
        if s.startswith("\\{", i) or s.startswith("\\}", i):
            depth += 1 if s[i + 1] == "{" else -1
            cur += s[i:i + 2]
            i += 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur)
    return parts


INT = re.compile(r"^-?\d+$")
FRAC = re.compile(r"^(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}$")
NUMERIC = re.compile(r"^[-\d\\{}.\s^a-z]*$")


def frac_value(g):
    m = FRAC.match(g)
    if not m:
        return None
    sign, a, b = m.groups()
    if int(b) == 0:
        return None
    return Fraction(int(a), int(b)) * (-1 if sign else 1), sign, a, b


def terminating(f):
    d = f.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def decimal_of(f):
    s = f"{float(f):.12f}".rstrip("0").rstrip(".")
    return s


def is_plain_expression(g):
    return not any(t in g for t in ("\\text", "\\mbox", "(", "[", "\\{", ",", "=", "\\in", "\\cup", "pmatrix"))


# Each rewrite: (name, verdict, ambiguous, description, function gold -> pred or None).
REWRITES = []


def rewrite(name, verdict, description, ambiguous=False):
    def deco(fn):
        REWRITES.append((name, verdict, ambiguous, description, fn))
        return fn
    return deco


@rewrite("boxed_space", True, r"'\boxed {g}' with a space before the brace")
def _(g):
    return None  # handled in the response template (see make_response)


@rewrite("dfrac", True, r"\frac written as \dfrac")
def _(g):
    return g.replace("\\frac", "\\dfrac") if "\\frac" in g and "\\dfrac" not in g else None


@rewrite("slash_fraction", True, r"\frac{a}{b} written a/b")
def _(g):
    v = frac_value(g)
    return f"{v[1]}{v[2]}/{v[3]}" if v else None


@rewrite("fraction_to_decimal", True, "terminating fraction written as its exact decimal")
def _(g):
    v = frac_value(g)
    return decimal_of(v[0]) if v and terminating(v[0]) else None


@rewrite("integer_dot_zero", True, "integer written with .0")
def _(g):
    return g + ".0" if INT.match(g) else None


@rewrite("strip_left_right", True, r"\left and \right removed")
def _(g):
    return g.replace("\\left", "").replace("\\right", "") if "\\left" in g else None


@rewrite("x_equals", True, "number prefixed with 'x = '")
def _(g):
    return "x = " + g if (INT.match(g) or frac_value(g)) else None


@rewrite("remove_spaces", True, "spaces removed (where no command is followed by a letter)")
def _(g):
    if " " not in g or "\\text" in g or "\\mbox" in g or re.search(r"\\[a-zA-Z]+ [a-zA-Z0-9]", g):
        return None
    return g.replace(" ", "")


THOUSANDS = re.compile(r"^-?(\\\$)?\d{1,3}(,(\\!)? ?\d{3})+$")


@rewrite("list_reversed", True, "bare list of solutions in reverse order")
def _(g):
    if g.startswith(("(", "[", "\\{", "\\left", "\\begin")) or THOUSANDS.match(g):
        return None
    parts = split_top(g)
    if len(parts) < 2:
        return None
    return ", ".join(p.strip() for p in reversed(parts))


@rewrite("set_reversed", True, "set elements in reverse order")
def _(g):
    if not (g.startswith("\\{") and g.endswith("\\}")):
        return None
    parts = split_top(g[2:-2])
    return "\\{" + ",".join(reversed(parts)) + "\\}" if len(parts) > 1 else None


@rewrite("degrees_dropped", True, r"^\circ removed")
def _(g):
    return g.replace("^\\circ", "") if "^\\circ" in g else None


@rewrite("text_unwrapped", True, r"\text{X} written X")
def _(g):
    m = re.match(r"^\\text\{(.*)\}$", g)
    return m.group(1) if m else None


@rewrite("thousands_commas", True, "integer >= 1000 written with comma thousands separators")
def _(g):
    return f"{int(g):,}" if INT.match(g) and abs(int(g)) >= 1000 else None


@rewrite("sum_commuted", True, "two-term sum a + b written b + a")
def _(g):
    if not is_plain_expression(g):
        return None
    parts = g.split(" + ")
    if len(parts) != 2 or not parts[0].strip() or parts[0].strip().startswith("-"):
        return None
    return parts[1].strip() + " + " + parts[0].strip()


@rewrite("tuple_left_right", True, r"tuple wrapped in \left( \right)")
def _(g):
    if g.startswith("(") and g.endswith(")") and len(split_top(g[1:-1])) >= 2:
        return "\\left" + g[:-1] + "\\right)"
    return None


@rewrite("bmatrix", True, "pmatrix written as bmatrix")
def _(g):
    return g.replace("pmatrix", "bmatrix") if "pmatrix" in g else None


@rewrite("times_ten_power", True, r"integer with trailing zeros in scientific notation a \times 10^{k}")
def _(g):
    if not INT.match(g) or not g.endswith("00") or g.startswith("-"):
        return None
    k = len(g) - len(g.rstrip("0"))
    return f"{g[:-k]} \\times 10^{{{k}}}"


@rewrite("integer_plus_one", False, "integer + 1")
def _(g):
    return str(int(g) + 1) if INT.match(g) else None


@rewrite("fraction_inverted", False, "fraction a/b inverted to b/a")
def _(g):
    v = frac_value(g)
    if not v or v[2] == v[3] or int(v[2]) == 0:
        return None
    return f"{v[1]}\\frac{{{v[3]}}}{{{v[2]}}}"


@rewrite("negated", False, "plain expression negated")
def _(g):
    if not is_plain_expression(g) or g.strip() in ("0",) or "^\\circ" in g or "_" in g:
        return None
    return "-(" + g + ")"


@rewrite("tuple_reversed", False, "tuple / ordered pair with its elements reversed")
def _(g):
    inner = None
    if g.startswith("(") and g.endswith(")"):
        inner = g[1:-1]
    elif g.startswith("\\left(") and g.endswith("\\right)"):
        inner = g[6:-7]
    if inner is None:
        return None
    parts = [p.strip() for p in split_top(inner)]
    if len(parts) < 2 or len(set(parts)) < len(parts) or parts == parts[::-1]:
        return None
    return "(" + ", ".join(reversed(parts)) + ")"


@rewrite("interval_open_to_closed", False, "interval/pair with its opening '(' made '['")
def _(g):
    if not g.startswith("(") or "\\infty" in g.split(",")[0]:
        return None
    parts = split_top(g[1:-1])
    return "[" + g[1:] if len(parts) == 2 and g[-1] in ")]" else None


@rewrite("rounded_decimal", False, "non-terminating fraction rounded to 3 decimals")
def _(g):
    v = frac_value(g)
    return f"{float(v[0]):.3f}" if v and not terminating(v[0]) else None


@rewrite("sqrt_changed", False, r"\sqrt{n} changed to \sqrt{n+1}")
def _(g):
    m = re.search(r"\\sqrt\{(\d+)\}", g)
    if not m:
        return None
    return g[:m.start()] + f"\\sqrt{{{int(m.group(1)) + 1}}}" + g[m.end():]


@rewrite("pi_dropped", False, r"\pi factor dropped")
def _(g):
    if "\\pi" not in g or not is_plain_expression(g):
        return None
    out = g.replace("\\pi", "").strip()
    return out if out and out not in ("-",) and not out.endswith(("{}", "+", "-")) and "{}" not in out else None


@rewrite("set_as_tuple", False, r"set \{a,b\} written as the tuple (a,b)")
def _(g):
    if g.startswith("\\{") and g.endswith("\\}"):
        return "(" + g[2:-2] + ")"
    return None


@rewrite("list_as_tuple", False, "bare solution list 'a, b' written as the tuple '(a, b)'", ambiguous=True)
def _(g):
    if g.startswith(("(", "[", "\\{", "\\left", "\\begin")) or "\\text" in g or THOUSANDS.match(g):
        return None
    parts = split_top(g)
    return "(" + g + ")" if len(parts) == 2 else None


@rewrite("variable_renamed", False, "the variable x (or n, k, r) renamed")
def _(g):
    for v, w in (("x", "t"), ("n", "m"), ("k", "j"), ("r", "s")):
        if re.search(rf"(?<![a-zA-Z\\]){v}(?![a-zA-Z])", g) and w not in g and "=" not in g and "\\in" not in g:
            return re.sub(rf"(?<![a-zA-Z\\]){v}(?![a-zA-Z])", w, g)
    return None


@rewrite("choice_changed", False, r"multiple-choice letter changed")
def _(g):
    m = re.match(r"^\\text\{\(([A-E])\)\}$", g)
    if not m:
        return None
    other = "A" if m.group(1) != "A" else "B"
    return f"\\text{{({other})}}"


@rewrite("last_digit_changed", False, "the last digit of the answer changed")
def _(g):
    m = list(re.finditer(r"\d", g))
    if not m or "_" in g or "pmatrix" in g or "\\mbox" in g or "\\text" in g:
        return None
    d = m[-1]
    new = str((int(d.group()) + 1) % 10)
    return g[:d.start()] + new + g[d.end():]



@rewrite("mixed_number", True, r"improper fraction written as a mixed number 'q\frac{r}{b}'")
def _(g):
    v = frac_value(g)
    if not v or v[0] <= 1 or v[0].denominator == 1:
        return None
    q, r = divmod(v[0].numerator, v[0].denominator)
    return f"{q}\\frac{{{r}}}{{{v[0].denominator}}}"


@rewrite("plain_text_sqrt", True, r"\sqrt{n} written sqrt(n), \pi written pi")
def _(g):
    if "\\sqrt" not in g and "\\pi" not in g:
        return None
    if not is_plain_expression(g) or "\\frac" in g:
        return None
    out = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", g).replace("\\pi", "pi")
    return out if "\\" not in out else None


@rewrite("cdot_product", True, r"coefficient times root/pi written with \cdot")
def _(g):
    m = re.match(r"^(\d+) ?(\\sqrt\{\d+\}|\\pi)$", g)
    return f"{m.group(1)} \\cdot {m.group(2)}" if m else None


@rewrite("rationalised", True, r"\frac{\sqrt{a}}{b} written with the root in the denominator")
def _(g):
    m = re.match(r"^\\frac\{\\sqrt\{(\d+)\}\}\{(\d+)\}$", g)
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    # sqrt(a)/b = a / (b sqrt(a))
    return f"\\frac{{{a}}}{{{b}\\sqrt{{{a}}}}}"


@rewrite("degrees_added", True, r"integer answer given with ^\circ")
def _(g):
    return g + "^\\circ" if INT.match(g) and not g.startswith("-") else None


@rewrite("unit_added", True, r"number given with a unit \text{ units} (gold has none)")
def _(g):
    return g + "\\text{ units}" if INT.match(g) else None


@rewrite("boxed_text_letter", True, r"choice \text{(C)} answered as the bare letter C")
def _(g):
    m = re.match(r"^\\text\{\(([A-E])\)\}$", g)
    return m.group(1) if m else None


@rewrite("interval_as_inequality", True, r"interval (a, \infty) written as x > a")
def _(g):
    m = re.match(r"^\((-?\d+),\s*\\infty\)$", g)
    if m:
        return f"x > {m.group(1)}"
    m = re.match(r"^\(-\\infty,\s*(-?\d+)\]$", g)
    return f"x \\le {m.group(1)}" if m else None


@rewrite("solutions_as_equations", True, "solution list written as 'x = a, x = b'")
def _(g):
    if g.startswith(("(", "[", "\\{", "\\left", "\\begin")) or "\\text" in g or THOUSANDS.match(g):
        return None
    parts = split_top(g)
    if len(parts) < 2:
        return None
    return ", ".join("x = " + p.strip() for p in parts)


@rewrite("marker_not_boxed", True, "response with 'The final answer is $g$.' and no box")
def _(g):
    return None  # handled in build_pairs (response template)


@rewrite("latex_not_boxed", True, "response ending 'Thus we obtain $g$.' with no box and no marker")
def _(g):
    return None  # handled in build_pairs (response template)


@rewrite("double_escaped", True, r"every backslash doubled, as in a JSON-escaped copy (\\frac)")
def _(g):
    return g.replace("\\", "\\\\") if re.search(r"\\[A-Za-z]", g) else None


@rewrite("mixed_number_text", True, r"improper fraction \frac{a}{b} written as the mixed number 'q r/b'")
def _(g):
    m = re.match(r"^\\frac\{(\d+)\}\{(\d+)\}$", g)
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    if a <= b or a % b == 0:
        return None
    return f"{a // b} {a % b}/{b}"


@rewrite("irrational_rounded", False, "irrational answer rounded to 3 decimals")
def _(g):
    if "\\sqrt" not in g and "\\pi" not in g:
        return None
    try:
        from math_verify import parse
        v = parse("$" + g + "$")
        x = float(v[0].evalf()) if v else None
    except Exception:
        return None
    return f"{x:.3f}" if x is not None and abs(x) < 1e6 else None


@rewrite("irrational_15_digits", True, "irrational answer as a 15-significant-digit decimal", ambiguous=True)
def _(g):
    if "\\sqrt" not in g and "\\pi" not in g:
        return None
    try:
        from math_verify import parse
        v = parse("$" + g + "$")
        x = v[0].evalf(20) if v else None
        return f"{float(x):.15g}" if x is not None and x.is_real else None
    except Exception:
        return None


@rewrite("tuple_as_set", False, "ordered pair / tuple (a, b) written as the set {a, b}")
def _(g):
    inner = None
    if g.startswith("(") and g.endswith(")"):
        inner = g[1:-1]
    elif g.startswith("\\left(") and g.endswith("\\right)"):
        inner = g[6:-7]
    if inner is None or len(split_top(inner)) < 2:
        return None
    return "\\{" + inner + "\\}"


@rewrite("interval_close_flipped", False, "interval/pair with its closing bracket flipped")
def _(g):
    if not g.startswith(("(", "[")) or "\\cup" in g or "\\infty" in g.split(",")[-1]:
        return None
    if len(split_top(g[1:-1])) != 2:
        return None
    return g[:-1] + ("]" if g[-1] == ")" else ")")


@rewrite("conjugate", False, "complex answer conjugated")
def _(g):
    m = re.match(r"^(-?\d+) ?([+-]) ?(\d*)i$", g)
    if not m:
        return None
    return f"{m.group(1)} {'-' if m.group(2) == '+' else '+'} {m.group(3)}i"


@rewrite("matrix_transposed", False, "column vector written as a row vector")
def _(g):
    if "pmatrix" not in g or "&" in g:
        return None
    body = g.replace("\\begin{pmatrix}", "").replace("\\end{pmatrix}", "")
    return "\\begin{pmatrix}" + " & ".join(x.strip() for x in body.split("\\\\")) + "\\end{pmatrix}"


@rewrite("hedged", False, "two candidate answers given for one: 'g or g+1'")
def _(g):
    return f"{g} \\text{{ or }} {int(g) + 1}" if INT.match(g) else None


def make_response(pred, space=False):
    box = "\\boxed {" if space else "\\boxed{"
    return (f"<think>\n{FILLER}\n</think>\n\nTherefore, the final answer is ${box}{pred}}}$.")


def build_pairs(math500):
    rows = [json.loads(l) for l in open(math500)]
    pairs = []
    for r in rows:
        pairs.append(dict(id=r["unique_id"] + "#solution", gold=r["answer"], response=r["solution"],
                          pred=r["answer"], rule="reference_solution", expected=True, ambiguous=False,
                          description="MATH-500 reference solution against its own answer"))
    for r in rows:
        g = r["answer"]
        for name, verdict, ambiguous, description, fn in REWRITES:
            if name == "boxed_space":
                pred, response = g, make_response(g, space=True)
            elif name == "marker_not_boxed":
                pred = g
                response = f"<think>\n{FILLER}\n</think>\n\nThe final answer is ${g}$."
            elif name == "latex_not_boxed":
                pred = g
                response = f"<think>\n{FILLER}\n</think>\n\nThus we obtain ${g}$."
            else:
                pred = fn(g)
                if pred is None or pred == g:
                    continue
                response = make_response(pred)
            pairs.append(dict(id=f"{r['unique_id']}#{name}", gold=g, response=response, pred=pred,
                              rule=name, expected=verdict, ambiguous=ambiguous,
                              description=description))
    return pairs


def run_boxed(binary, pairs):
    payload = "\n".join(json.dumps({"gold": p["gold"], "pred": p["response"]}) for p in pairs) + "\n"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([binary, "grade", "--task", "math"], input=payload, capture_output=True,
                          text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = [json.loads(l) for l in proc.stdout.splitlines()]
    return out, wall, cpu, proc.stderr.strip()


def run_math_verify(pairs):
    from math_verify import parse, verify
    results = []
    t0 = time.perf_counter()
    c0 = time.process_time()
    for p in pairs:
        try:
            gold = parse("$" + p["gold"] + "$")
            answer = parse(p["response"])
            ok = bool(verify(gold, answer))
            shown = answer[1] if len(answer) > 1 else (str(answer[0]) if answer else None)
        except Exception as e:  # Math-Verify raises on a few inputs; count as not equal
            ok, shown = False, f"error: {e}"
        results.append((ok, shown))
    return results, time.perf_counter() - t0, time.process_time() - c0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--boxed", default=os.path.join(ROOT, "build", "bin", "boxed"))
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--math500", default=MATH500, help="MATH-500 test.jsonl (default: ../shared beside the repository)")
    args = ap.parse_args()
    pairs = build_pairs(args.math500)
    judgements = json.load(open(os.path.join(HERE, "judgements.json")))
    boxed, boxed_wall, boxed_cpu, boxed_summary = run_boxed(args.boxed, pairs)
    mv, mv_wall, mv_cpu = run_math_verify(pairs)
    import math_verify
    mv_version = getattr(math_verify, "__version__", None)
    if mv_version is None:
        from importlib.metadata import version
        mv_version = version("math-verify")

    by_rule = {}
    disagreements = []
    n_agree = 0
    verdicts = {"boxed right": 0, "Math-Verify right": 0, "ambiguous": 0}
    correct = {"boxed": 0, "Math-Verify": 0}
    for p, b, (m, m_shown) in zip(pairs, boxed, mv):
        be = bool(b["equal"])
        stats = by_rule.setdefault(p["rule"], dict(n=0, agree=0, boxed_ok=0, mv_ok=0,
                                                   expected=p["expected"], description=p["description"]))
        stats["n"] += 1
        stats["boxed_ok"] += be == p["expected"]
        stats["mv_ok"] += m == p["expected"]
        correct["boxed"] += be == p["expected"]
        correct["Math-Verify"] += m == p["expected"]
        if be == m:
            n_agree += 1
            stats["agree"] += 1
            continue
        judgement = judgements.get(p["id"])
        if judgement:
            verdict, reason = judgement["verdict"], judgement["reason"]
        elif p["ambiguous"]:
            verdict, reason = "ambiguous", f"rule '{p['rule']}': {p['description']} — a matter of convention"
        else:
            verdict = "boxed right" if be == p["expected"] else "Math-Verify right"
            reason = (f"rule '{p['rule']}' ({p['description']}) makes the pair "
                      f"{'equal' if p['expected'] else 'not equal'}")
        verdicts[verdict] += 1
        disagreements.append(dict(id=p["id"], gold=p["gold"], pred=p["pred"], rule=p["rule"],
                                  boxed=be, math_verify=m, boxed_answer=b.get("pred_answer"),
                                  math_verify_answer=m_shown, verdict=verdict, reason=reason))

    n = len(pairs)
    with open(os.path.join(args.out, "disagreements.jsonl"), "w") as f:
        for d in disagreements:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    lines = [
        "# boxed vs Math-Verify",
        "",
        f"Generated by `python3 tools/math_verify/compare.py` (do not edit by hand). "
        f"Math-Verify {mv_version}; boxed summary: `{boxed_summary}`.",
        "",
        f"- pairs: {n} ({sum(1 for p in pairs if p['rule'] == 'reference_solution')} MATH-500 reference solutions, "
        f"{sum(1 for p in pairs if p['rule'] != 'reference_solution')} rewrites of the 500 gold answers)",
        f"- agreement: {n_agree}/{n} = {100.0 * n_agree / n:.2f}%",
        f"- matches the rule's expected verdict: boxed {correct['boxed']}/{n} "
        f"({100.0 * correct['boxed'] / n:.2f}%), Math-Verify {correct['Math-Verify']}/{n} "
        f"({100.0 * correct['Math-Verify'] / n:.2f}%)",
        f"- disagreements: {len(disagreements)} — boxed right {verdicts['boxed right']}, "
        f"Math-Verify right {verdicts['Math-Verify right']}, ambiguous {verdicts['ambiguous']} "
        f"(every case with its reason in disagreements.jsonl)",
        f"- speed: boxed {boxed_wall:.3f} s wall / {boxed_cpu:.3f} s CPU (whole process, 2 threads); "
        f"Math-Verify {mv_wall:.1f} s wall / {mv_cpu:.1f} s CPU (one process); "
        f"ratio {mv_wall / boxed_wall:.0f}x wall, {mv_cpu / max(boxed_cpu, 1e-9):.0f}x CPU",
        "",
        "## Per rewrite rule",
        "",
        "| rule | expected | pairs | agree | boxed matches expected | Math-Verify matches expected |",
        "|---|---|---|---|---|---|",
    ]
    for rule, s in by_rule.items():
        lines.append(f"| {rule} ({s['description']}) | {'equal' if s['expected'] else 'not equal'} | "
                     f"{s['n']} | {s['agree']} | {s['boxed_ok']} | {s['mv_ok']} |")
    lines += ["", "## Disagreements", "", "| id | gold | pred | boxed | Math-Verify | verdict | reason |",
              "|---|---|---|---|---|---|---|"]
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")
    for d in disagreements:
        lines.append(f"| {esc(d['id'])} | `{esc(d['gold'])}` | `{esc(d['pred'])}` | {d['boxed']} | "
                     f"{d['math_verify']} | {d['verdict']} | {esc(d['reason'])} |")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines[:12]))


if __name__ == "__main__":
    main()
