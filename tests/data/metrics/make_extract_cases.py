#!/usr/bin/env python3
"""Writes extract_cases.jsonl: table-driven cases for boxed::metrics::extract_answer.

The expected answers below are written by hand (what a careful human reads as the model's final
answer); nothing here runs the code under test. Run from anywhere:
    python3 tests/data/metrics/make_extract_cases.py
Each row: text, format (math|integer|choice), mode (strict|flexible), answer (str or null),
source (none|boxed|marker|last_number|choice_pattern), from_thinking, note.
"""
import json
import os

M, I, C = "math", "integer", "choice"
S, F = "strict", "flexible"
cases = []


def case(text, fmt, mode, answer, source, from_thinking, note):
    cases.append(dict(text=text, format=fmt, mode=mode, answer=answer, source=source,
                      from_thinking=from_thinking, note=note))


def both(text, fmt, answer, source, from_thinking, note):
    case(text, fmt, S, answer, source, from_thinking, note + " (strict)")
    case(text, fmt, F, answer, source, from_thinking, note + " (flexible)")


# --- \boxed forms -------------------------------------------------------------------------------
both(r"So the answer is $\boxed{5}$.", M, "5", "boxed", False, "plain box inside $")
both(r"\boxed{\frac{1}{2}}", M, r"\frac{1}{2}", "boxed", False, "nested braces balanced")
both(r"\boxed{\frac{\sqrt{3}}{2}}", M, r"\frac{\sqrt{3}}{2}", "boxed", False, "two levels of nested braces")
both(r"\boxed{\left( 3, \frac{\pi}{2} \right)}", M, r"\left( 3, \frac{\pi}{2} \right)", "boxed", False,
     "MATH-500 polar answer kept exactly as written")
both(r"\boxed {7}", M, "7", "boxed", False, r"space between \boxed and brace")
both(r"\boxed  {  12 }", M, "12", "boxed", False, "spaces around content are trimmed")
both(r"The answer is $\boxed 5$.", M, "5", "boxed", False, r"\boxed 5 without braces, ended by $")
both(r"Thus \boxed 42", M, "42", "boxed", False, r"\boxed 42 at end of text")
both(r"Thus \boxed 42.", M, "42", "boxed", False, r"\boxed 42 followed by a sentence period")
both(r"\fbox{9}", M, "9", "boxed", False, r"\fbox is a box too")
both(r"\boxed\boxed5", M, "5", "boxed", False,
     r"a box command right after \boxed is not its argument (was read as '\boxed5, 5'; fuzz)")
both(r"\boxed 3\boxed 4", M, "3, 4", "boxed", False,
     r"an unbraced box ends where the next box begins: adjacent boxes, one answer (was '4')")
both(r"First \boxed{3}, then after checking, \boxed{4}.", M, "4", "boxed", False, "several boxes: last wins")
both(r"\boxed{1} \fbox{2}", M, "1, 2", "boxed", False, r"adjacent \boxed and \fbox: one answer of two parts")
both(r"The roots are \boxed{1} and \boxed{-2}.", M, "1, -2", "boxed", False, "boxes joined by 'and' are one answer")
both(r"$\boxed{1}\boxed{2}$", M, "1, 2", "boxed", False, "boxes with nothing between are joined")
both(r"\boxed{3}, wait, no: \boxed{4}", M, "4", "boxed", False, "words between boxes: a correction, last wins")
both(r"\boxed{\boxed{8}}", M, "8", "boxed", False, "nested boxes: the last-starting (inner) box")
both(r"\boxed{\{1,2\}}", M, r"\{1,2\}", "boxed", False, r"escaped braces \{ \} do not unbalance")
both(r"\boxed{a \} b}", M, r"a \} b", "boxed", False, r"a lone escaped \} inside the box")
both(r"Final: \boxed{x^{2}+y^{2}}", M, r"x^{2}+y^{2}", "boxed", False, "several brace groups")
both(r"\boxed{\begin{pmatrix} 1 \\ 2 \end{pmatrix}}", M, r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", "boxed",
     False, "matrix with row break inside box")
both(r"\boxed{(-\infty, 0]}", M, r"(-\infty, 0]", "boxed", False, "interval with mismatched brackets")
both(r"\boxed{}", M, None, "none", False, "empty box is no answer")
both(r"\boxed{5} and then \boxed{}", M, "5", "boxed", False, "empty last box falls back to earlier box")
both(r"\boxed{   }", M, None, "none", False, "box of spaces is empty")
both(r"We get \boxed{\frac{1", M, None, "none", False, "truncated box (no closing brace) is not an answer")
both(r"\boxed{3} ... so the answer is \boxed{\frac{1", M, "3", "boxed", False,
     "truncated final box falls back to the last complete box")
both(r"\boxed{2}\boxed{\boxed{\boxed{", M, "2", "boxed", False, "several unclosed boxes after a complete one")
case("no box here at all", M, S, None, "none", False, "no box in strict mode")
case(r"$$\boxed{10}$$", M, S, "10", "boxed", False, "display math delimiters")
case(r"\[ \boxed{-3} \]", M, S, "-3", "boxed", False, r"\[ \] delimiters")
case("\\boxed{\n\\frac{3}{4}\n}", M, S, r"\frac{3}{4}", "boxed", False, "newlines inside the box trimmed")
case(r"\boxed{\text{(C)}}", M, S, r"\text{(C)}", "boxed", False, "MATH choice answer kept as written")
case(r"The value is \boxed{x = 5}.", M, S, "x = 5", "boxed", False, "equation kept as written in the box")
case(r"\boxed{10,\!080}", M, S, r"10,\!080", "boxed", False, "thousands separator kept as written")
case("\\boxed{1}\n\\boxed{2}\n\\boxed{3}", M, S, "1, 2, 3", "boxed", False, "three boxes on separate lines: joined")
case("\\boxed{" + "{" * 70 + "1" + "}" * 70 + "}", M, S, None, "none", False, "nesting deeper than the cap is rejected")
case("\\boxed{" + "{" * 30 + "1" + "}" * 30 + "}", M, S, "{" * 30 + "1" + "}" * 30, "boxed", False,
     "nesting under the cap is accepted")
case("\\boxed{" + "x" * 5000 + "}", M, S, None, "none", False, "content longer than the answer cap is rejected")
case(r"\boxed{5} \boxed{" + "x" * 5000 + "}", M, S, "5", "boxed", False, "over-long last box falls back")
case(r"\boxedfoo{3}", M, S, None, "none", False, r"\boxedfoo is another command, not a box")
case(r"\boxed5", M, S, "5", "boxed", False, r"\boxed5: TeX reads one token after the command")

# --- </think> handling ------------------------------------------------------------------------
both("<think>\nLet me try 3... \\boxed{3}\n</think>\nThe answer is \\boxed{4}.", M, "4", "boxed", False,
     "answer after </think> wins over boxes in the thinking")
both("Okay, I think it's 7. \\boxed{7}\n</think>\n\nSo \\boxed{8}", M, "8", "boxed", False,
     "</think> without <think> (R1-distill template already emitted it)")
both("Hmm so it's \\boxed{6}.\n</think>\n\nI could not decide.", M, "6", "boxed", True,
     "nothing after </think>: falls back to the thinking part")
case("<think> So maybe \\boxed{12} or more. Let me re-check", M, S, "12", "boxed", True,
     "truncated response: <think> never closed, answer from the thinking part")
case("<think>a</think><think>\\boxed{1}</think> final \\boxed{2}", M, S, "2", "boxed", False,
     "after the last </think>")
case("<think>a</think> first \\boxed{1} </think> then \\boxed{2}", M, S, "2", "boxed", False,
     "several </think>: the part after the last one is the answer")
case("<think>x \\boxed{1}</think> y \\boxed{2} </think> nothing", M, S, "2", "boxed", True,
     "nothing after the last </think>: search before it, the last box there wins")
case("<think>no answers at all</think>", M, S, None, "none", False, "no answer anywhere")
case("\\boxed{5}</think>", M, S, "5", "boxed", True, "</think> at the very end: answer from thinking")
case("</think>\\boxed{5}", M, S, "5", "boxed", False, "</think> at the very start")
case("plain response without tags \\boxed{9}", M, S, "9", "boxed", False,
     "no tags: the whole text is the answer part, not thinking")

# --- flexible markers (math) ---------------------------------------------------------------------
case(r"The final answer is $\frac{1}{2}$.", M, F, r"\frac{1}{2}", "marker", False, "final answer is $..$")
case(r"The final answer is $\frac{1}{2}$.", M, S, None, "none", False, "strict mode ignores markers")
case("Answer: 42", M, F, "42", "marker", False, "Answer: marker")
case("**Answer:** 17", M, F, "17", "marker", False, "markdown bold Answer marker")
case("**Final Answer**: 3/4", M, F, "3/4", "marker", False, "bold Final Answer with colon outside")
case("Final answer: x = 2.", M, F, "x = 2", "marker", False, "trailing sentence period dropped")
case("the answer is \\(\\sqrt{2}\\)", M, F, r"\sqrt{2}", "marker", False, r"answer in \( \) delimiters")
case("answer is \\[ 7 \\]", M, F, "7", "marker", False, r"answer in \[ \] delimiters")
case("Answer: 5\nAnswer: 6\n", M, F, "6", "marker", False, "last marker wins")
case("Answer: 5\nand the final \\boxed{6}", M, F, "6", "boxed", False, "a box beats a marker in flexible mode")
case("Answer $ 9 $", M, F, "9", "marker", False, "'Answer' right before inline math")
case(r"Answer \( (9+1) \)", M, F, "(9+1)", "marker", False, r"'Answer' right before \( \)")
case("Let me check the answer again. It is 5.", M, F, "5", "last_number", False,
     "'the answer' without is/: is not a marker; the last plain number is (Math-Verify's ExprExtractionConfig)")
case("The answer is\n", M, F, None, "none", False, "marker followed by nothing")
case("I believe the FINAL ANSWER IS 12", M, F, "12", "marker", False, "marker is case-insensitive")
case("The answer is 12 for math", M, F, "12 for math", "marker", False,
     "rest of the line kept as written; the grader decides")
case("Final Answer: The final answer is 12,000,023. I hope it is correct.", M, F, "12,000,023", "marker",
     False, "Minerva format: the sentence ends at '. '")
case("Final Answer: The volume of $ABCDEFGH$ is 120. I hope it is correct.", M, F, "120", "marker", False,
     "the value after the last ' is ' of the marked sentence")
case("Final Answer: The final answer is 16386.16.", M, F, "16386.16", "marker", False,
     "a decimal point is not a sentence end")
case("Answer: it is $x=2$", M, F, "x=2", "marker", False, "dollar-wrapped value after ' is '")
case("<think>the answer is 3</think> Hmm.", M, F, "3", "marker", True, "marker only in thinking part")
case("<think>\\boxed{3}</think> The final answer is 4.", M, F, "4", "marker", False,
     "marker after </think> wins over a box in the thinking part")
case("We find 12 ways.", M, F, "12", "last_number", False,
     "no box, marker or math: the last plain number (Math-Verify parser.py lazy_expr_regex, priority 300)")
case("We find 12 ways.", M, S, None, "none", False, "strict mode never uses the last number")
case(r"The final answer is $\$32,\!348$.", M, F, r"\$32,\!348", "marker", False,
     r"escaped \$ inside $..$ does not end the math")
case(r"The final answer is $x = \$5$ and more", M, F, r"x = \$5", "marker", False,
     r"escaped dollar then the closing $")

# --- integer (AIME) ---------------------------------------------------------------------------------
case(r"\boxed{025}", I, S, "025", "boxed", False, "leading zeros kept as written (grader compares)")
case(r"\boxed{25}", I, F, "25", "boxed", False, "boxed integer")
case("So there are 204 ways.", I, F, "204", "last_number", False, "last number fallback for integer tasks")
case("So there are 204 ways.", I, S, None, "none", False, "no last-number fallback in strict mode")
case("Between 3 and 5 there are 1,000 points.", I, F, "1,000", "last_number", False,
     "last number with thousands comma, as written")
case("We get -12.", I, F, "-12", "last_number", False, "negative last number, period not included")
case("x = 3.5 so 7", I, F, "7", "last_number", False, "last of several numbers")
case("The answer is 33, clearly.", I, F, "33, clearly", "marker", False,
     "marker wins over the last number")
case("<think>maybe 5</think> I got 6", I, F, "6", "last_number", False, "last number after </think>")
case("<think>maybe 5</think> no idea", I, F, "5", "last_number", True, "last number only in thinking")
case("values 1, 2, 3,", I, F, "3", "last_number", False, "trailing comma after a number dropped")
case("no numbers here", I, F, None, "none", False, "nothing numeric")
case(r"\boxed{\text{ } 117}", I, S, r"\text{ } 117", "boxed", False, "integer box with noise kept as written")
case("Answer: 070", I, F, "070", "marker", False, "integer marker with leading zero")

# --- choice (GPQA) ------------------------------------------------------------------------------------
both(r"\boxed{C}", C, "C", "boxed", False, "boxed letter")
both(r"\boxed{\text{C}}", C, "C", "boxed", False, r"\text-wrapped boxed letter")
both(r"\boxed{(C)}", C, "C", "boxed", False, "parenthesised boxed letter")
both(r"\boxed{\textbf{(B)}}", C, "B", "boxed", False, "bold parenthesised letter")
both(r"\boxed{c}", C, "C", "boxed", False, "lower-case letter inside a box is unambiguous")
both(r"\boxed{D) 42 m/s}", C, "D", "boxed", False, "letter followed by option text")
both(r"\boxed{B.}", C, "B", "boxed", False, "letter with period")
both(r"\boxed{A}", C, "A", "boxed", False, "letter A in a box")
case(r"\boxed{42}", C, S, "42", "boxed", False, "a box without a letter is returned as written")
case("Answer: C", C, F, "C", "choice_pattern", False, "Answer: letter")
case("Answer: C", C, S, None, "none", False, "strict mode: boxes only")
case("Therefore, the answer is (C).", C, F, "C", "choice_pattern", False, "the answer is (C)")
case("the answer is B", C, F, "B", "choice_pattern", False, "the answer is B (no parens)")
case("The correct option is **C**", C, F, "C", "choice_pattern", False, "bold letter")
case("**Answer: D**", C, F, "D", "choice_pattern", False, "bold Answer: D")
case("**Answer:** A", C, F, "A", "choice_pattern", False, "bold marker then letter A")
case("the answer is a bit subtle, so let me think.", C, F, None, "none", False,
     "English article 'a' is not the letter A")
case("the answer is a", C, F, None, "none", False, "bare lower-case 'a' after marker is ambiguous")
case("the answer is (c)", C, F, "C", "choice_pattern", False, "lower case in parentheses is unambiguous")
case("Answer: A is wrong; the answer is (B)", C, F, "B", "choice_pattern", False, "last marked letter wins")
case("I think **B** is plausible. Answer: D", C, F, "D", "choice_pattern", False,
     "marked answer wins over bold letter")
case("Answer: Both are plausible", C, F, None, "none", False, "capital B starting a word is not a letter")
case("<think>Answer: A</think> Therefore \\boxed{B}", C, F, "B", "boxed", False, "box after </think>")
case("<think>Answer: A</think> Hmm", C, F, "A", "choice_pattern", True, "letter only in thinking part")
case("Answer: $\\text{C}$", C, F, "C", "choice_pattern", False, r"Answer: $\text{C}$")
case("**(B)**", C, F, "B", "choice_pattern", False, "bold parenthesised letter")
case("Answer:C", C, F, "C", "choice_pattern", False, "no space after colon")
case("The answer is K", C, F, None, "none", False, "letters past J are not choices")

# --- flexible MATH without a box or marker: last math environment, then last number ------------
# Convention: Math-Verify 0.9.0 parser.py (lazy_latex_regex priority 300 "plain LaTeX", then
# lazy_expr_regex "plain number"); boxed order documented in metrics/extract.h.
MV = " (Math-Verify parser.py make_latex_env_pattern)"
case(r"So the area is $\frac{3}{2}$.", M, F, r"\frac{3}{2}", "latex", False, "last inline $..$" + MV)
case(r"So the area is $\frac{3}{2}$.", M, S, None, "none", False, "strict mode reads boxes only")
case(r"First $x = 1$, then we get $y = 7$.", M, F, "y = 7", "latex", False, "the environment that ends last wins" + MV)
case(r"The result is \(\sqrt{2}\) exactly.", M, F, r"\sqrt{2}", "latex", False, r"inline \( \)" + MV)
case("Therefore\n\\[\n\\frac{\\pi}{4}\n\\]\n", M, F, r"\frac{\pi}{4}", "latex", False, r"display \[ \] over lines" + MV)
case("We obtain $$ 2^{10} $$ as claimed.", M, F, "2^{10}", "latex", False, "display $$..$$" + MV)
case(r"It costs \$5 and the count is $12$.", M, F, "12", "latex", False, r"an escaped \$ is a dollar sign, not math")
case("Pay 5$ now, then 7.", M, F, "7", "last_number", False,
     "a $ right after a digit opens no math (Math-Verify (?<!\\\\|\\d)\\$)")
case("So $x$ is\nlarge: 15", M, F, "x", "latex", False,
     "a variable mention is still the last math: LaTeX before numbers (Math-Verify lets them compete by position)")
case(r"Answer: 7, since $x = 3$.", M, F, "7, since $x = 3$", "marker", False,
     "an answer marker beats bare LaTeX (Math-Verify priority 100 vs 300)")
case(r"$x=4$ and \boxed{5}", M, F, "5", "boxed", False, "a box beats bare LaTeX")
case("The value is $$ unclosed and then 42", M, F, "42", "last_number", False,
     "an unclosed $$ is no environment; the last number is read")
case("We get $\n5$ hmm 8", M, F, "8", "last_number", False, "inline $..$ does not span lines" + MV)
case("So $x=2$. Thus \\boxed{\\frac{1", M, F, "x=2", "latex", False,
     "a truncated final box: fallbacks read only the text before it")
case(r"<think>$7$</think> no math after", M, F, "7", "latex", True, "math only in the thinking part")
case("The answer follows: $$$$ then 3", M, F, "3", "last_number", False, "an empty $$$$ is skipped")

# --- flexible choice: the long tail (lighteval IndicesExtractionConfig, simple-evals) ------------
LE = " (lighteval extractive_match_utils lazy_indices_regex)"
SE = " (simple-evals common.py MULTILINGUAL_ANSWER_REGEXES)"
case('Answer: "C"', C, F, "C", "choice_pattern", False, "quoted letter after the marker" + LE)
case("Answer: 'B'.", C, F, "B", "choice_pattern", False, "single-quoted letter")
case("The answer is “D”", C, F, "D", "choice_pattern", False, "typographic quotes")
case("(D) Alina", C, F, "D", "choice_line", False, "letter and its option text, parenthesised" + LE)
case("C Cecile\n\nShe is the only one who fits.", C, F, "C", "choice_line", False,
     "first line: a letter and option text" + LE)
case("D) 42 m/s", C, F, "D", "choice_line", False, "letter, ) and option text")
case("B", C, F, "B", "choice_line", False, "the letter alone")
case("A cat is on the mat.", C, F, None, "none", False, "'A' before a lower-case word is the article")
case("A) 1\nB) 2\nC) 3\nD) 4", C, F, None, "none", False, "a restated option list is not an answer")
case("Looking at the data, the second mechanism dominates.\nTherefore I think it's B.", C, F, "B",
     "choice_sentence", False, "the one letter of the last sentence" + LE)
case("Both options fail except one. So the right one is (C)", C, F, "C", "choice_sentence", False,
     "parenthesised letter in the last sentence")
case("I checked everything. I am sure it is D", C, F, "D", "choice_sentence", False, "'I' is the pronoun, not a letter")
case("It is between B and C.", C, F, None, "none", False, "two letters in the last sentence: ambiguous, no answer")
case("Answer: B or C", C, F, None, "none", False, "a hedged marker is ambiguous: no answer, no fallback")
case("<think>Answer: A</think> Answer: B or C", C, F, None, "none", False,
     "an ambiguous final answer does not fall back to the thinking part")
case("答案：C", C, F, "C", "choice_pattern", False, "Chinese marker, full-width colon" + SE)
case("所以答案是B。", C, F, "B", "choice_pattern", False, "Chinese '答案是'")
case("答え：Ｄ", C, F, "D", "choice_pattern", False, "Japanese marker, full-width letter" + SE)
case("정답: A", C, F, "A", "choice_pattern", False, "Korean marker" + SE)
case("Réponse : C", C, F, "C", "choice_pattern", False, "French marker" + SE)
case("Reponse: B", C, F, "B", "choice_pattern", False, "French marker without accent")
case("Antwort: D", C, F, "D", "choice_pattern", False, "German marker" + SE)
case("Respuesta: A", C, F, "A", "choice_pattern", False, "Spanish marker" + SE)
case("Risposta: B", C, F, "B", "choice_pattern", False, "Italian marker" + SE)
case("Resposta: C", C, F, "C", "choice_pattern", False, "Portuguese marker" + SE)
case("Ответ: B", C, F, "B", "choice_pattern", False, "Russian marker")
case("الإجابة: ج", C, F, "C", "choice_pattern", False,
     "Arabic marker and letter jeem = C (simple-evals normalize_extracted_answer)")
case("উত্তর: ড", C, F, "C", "choice_pattern", False, "Bengali marker and letter = C" + SE)
case("Jawaban: D", C, F, "D", "choice_pattern", False, "Indonesian marker" + SE)
case("Antwort: Beide", C, F, None, "none", False, "a word starting with a capital letter is not a letter")
case("Answer: (B) Alina", C, F, "B", "choice_pattern", False, "marker, letter and option text")
case("A) 1 B) 2 C) 3 D) 4", C, F, None, "none", False, "options restated on one line: several letters, no answer")
case("B or C, I cannot decide.", C, F, None, "none", False, "a first line naming two letters is no answer line")


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "extract_cases.jsonl")
with open(out, "w") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases to {out}")
