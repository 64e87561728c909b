// Multiple-choice letters (GPQA: A-D; MMLU-Pro style up to J) as models write them.
//
//   parse_choice("\\text{(C)}", /*allow_lower=*/true);   // 'C'
//   parse_choice("c", /*allow_lower=*/false);            // nullopt
#pragma once

#include <optional>
#include <string_view>

namespace boxed::metrics {

// The letter when `text` is one choice: "C", "(C)", "C.", "C)", "\\text{C}", "\\textbf{(C)}",
// "C) 42 m/s" (a letter followed by ")" or "." and the option text). Lower case only when
// `allow_lower` (inside a box the letter is unambiguous; in running text "a" is an article).
std::optional<char> parse_choice(std::string_view text, bool allow_lower);

// The letter a whole response (or its final part) answers, as lighteval's IndicesExtraction and
// simple-evals' multilingual answer regexes read them (sources below), in this order:
//   kMarker   the last answer marker: "Answer: C", "the answer is (C)", "Answer: \"C\"",
//             "**Answer:** C", and markers in other languages from simple-evals' common.py
//             MULTILINGUAL_ANSWER_REGEXES ("答案：B", "Réponse : C", "Antwort: D", "Respuesta: A",
//             "Ответ: B", ...); letters written as full-width Ｃ, Arabic ج or Bengali ড map to A-D
//             as simple-evals' normalize_extracted_answer does. Then a bold "**C**".
//   kLine     the last line starting with a letter and its option text: "(D) Alina", "D) Alina",
//             "C Cecile" (lighteval: a letter at the start, then space or punctuation).
//   kSentence the last sentence names exactly one letter: "therefore I think it's B." ("I" is the
//             pronoun; a sentence-initial "A" before a lower-case word is the article).
// Ambiguity gives no answer, never a guess, and stops the search: "Answer: B or C", "it is
// either A or D".
enum class ChoiceRule { kNone, kMarker, kLine, kSentence };
struct ChoiceFind {
  std::optional<char> letter;
  ChoiceRule rule = ChoiceRule::kNone;
  bool ambiguous = false;
};
ChoiceFind find_choice(std::string_view text);

}  // namespace boxed::metrics
