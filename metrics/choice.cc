#include "metrics/choice.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "metrics/math_latex.h"

namespace boxed::metrics {
namespace {

// Strips "\\text{...}"-like wrappers and "$" around the whole text.
std::string_view unwrap(std::string_view s) {
  for (int round = 0; round < 4; ++round) {
    s = trim(s);
    bool changed = false;
    if (s.size() >= 2 && s.front() == '$' && s.back() == '$') {
      s = s.substr(1, s.size() - 2);
      changed = true;
    }
    for (std::string_view w : {"\\text{", "\\textbf{", "\\mathrm{", "\\mathbf{", "\\textrm{",
                               "\\boxed{", "\\mbox{"}) {
      if (s.starts_with(w) && matching_brace(s, w.size() - 1) == s.size() - 1) {
        s = s.substr(w.size(), s.size() - w.size() - 1);
        changed = true;
      }
    }
    if (s.size() >= 4 && s.starts_with("**") && s.ends_with("**")) {
      s = s.substr(2, s.size() - 4);
      changed = true;
    }
    if (!changed) break;
  }
  return trim(s);
}

}  // namespace

std::optional<char> parse_choice(std::string_view text, bool allow_lower) {
  std::string_view s = unwrap(text);
  bool parenthesised = false;
  if (s.size() >= 3 && s[0] == '(' && s[2] == ')') {
    parenthesised = true;
    s = std::string_view(s.data() + 1, s.size() - 1);  // "C) ..." from here on
  }
  if (s.empty()) return std::nullopt;
  const char c = s[0];
  const bool upper = c >= 'A' && c <= 'J';
  const bool lower = c >= 'a' && c <= 'j';
  if (!upper && !(lower && allow_lower)) return std::nullopt;
  std::string_view rest = s.substr(1);
  if (parenthesised) rest = rest.substr(1);
  rest = trim(rest);
  const char letter = upper ? c : static_cast<char>(c - 'a' + 'A');
  if (rest.empty()) return letter;
  if (rest == "." || rest == ")" || rest == ":") return letter;
  // "C) 42 m/s", "C. 42 m/s", "(C) 42 m/s": a letter and then the option's text.
  if (parenthesised || rest[0] == ')' || rest[0] == '.' || rest[0] == ':') {
    if (rest[0] == ')' || rest[0] == '.' || rest[0] == ':') rest = trim(rest.substr(1));
    if (!rest.empty() && rest[0] != '(' ) return letter;
  }
  return std::nullopt;
}

namespace {

// One letter as a choice: A-J, full-width Ａ-Ｊ, and the Arabic and Bengali letters simple-evals
// maps to A-D (simple-evals common.py, normalize_extracted_answer).
#define BOXED_CHOICE_LETTER "[A-J]|[Ａ-Ｊ]|أ|ب|ج|د|অ|ব|ড|ঢ"
// After a letter: not a letter or digit of a word it would start ("Both", "بسبب").
#define BOXED_CHOICE_END "(?:[^A-Za-z0-9\\x{0600}-\\x{06FF}\\x{0980}-\\x{09FF}]|$)"

char to_ascii_letter(std::string_view s) {
  static constexpr std::pair<std::string_view, char> kMap[] = {
      {"أ", 'A'}, {"ب", 'B'}, {"ج", 'C'}, {"د", 'D'}, {"অ", 'A'}, {"ব", 'B'}, {"ড", 'C'}, {"ঢ", 'D'}};
  if (s.size() == 1) return s[0] >= 'a' && s[0] <= 'j' ? static_cast<char>(s[0] - 'a' + 'A') : s[0];
  // Full-width Ａ (U+FF21, EF BC A1) .. Ｊ (U+FF2A).
  if (s.size() == 3 && static_cast<unsigned char>(s[0]) == 0xEF && static_cast<unsigned char>(s[1]) == 0xBC) {
    return static_cast<char>('A' + (static_cast<unsigned char>(s[2]) - 0xA1));
  }
  for (const auto& [from, to] : kMap) {
    if (s == from) return to;
  }
  return 0;
}

struct Hit {
  std::size_t at = 0;   // start of the match
  std::size_t end = 0;  // end of the letter
  char letter = 0;
};

// The last match of `re` in `text`; group 1 is the letter.
std::optional<Hit> last_hit(const RE2& re, std::string_view text) {
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece groups[2];
  std::size_t pos = 0;
  std::optional<Hit> last;
  while (pos < text.size() && re.Match(input, pos, text.size(), RE2::UNANCHORED, groups, 2)) {
    const auto at = static_cast<std::size_t>(groups[0].data() - text.data());
    const auto end = static_cast<std::size_t>(groups[1].data() - text.data()) + groups[1].size();
    last = Hit{at, end, to_ascii_letter(std::string_view(groups[1].data(), groups[1].size()))};
    pos = std::max(at + groups[0].size(), at + 1);
  }
  return last;
}

// "Answer: B or C", "答案：B或C": a second, different letter right after the first.
bool names_another_letter(std::string_view rest, char letter) {
  static const RE2 kOther("^\\)?\\**\\s*(?:or|and|/|,|或|和)\\s*\\(?(" BOXED_CHOICE_LETTER ")\\)?" BOXED_CHOICE_END);
  re2::StringPiece input(rest.data(), std::min<std::size_t>(rest.size(), 64));
  std::string other;
  if (!RE2::PartialMatch(input, kOther, &other)) return false;
  return to_ascii_letter(other) != letter;
}

ChoiceFind marker_choice(std::string_view text) {
  // English "answer" needs no colon ("the answer is (C)"); the other languages' markers are
  // those of simple-evals' MULTILINGUAL_ANSWER_REGEXES (each followed by a colon there; the
  // Chinese/Japanese/Korean "答案是", "答えは", "정답은" forms are added here).
  static const RE2 kMarked(
      "(?:(?i:answer|r[ée]ponse|antwort|respuesta|risposta|resposta|jawaban|javob|cevap|jibu|ответ|відповідь)"
      "(?:\\s+is)?\\s*[:：]?"
      "|答案\\s*(?:是|为|：|:)?|答え\\s*(?:は|：|:)?|回答\\s*[：:]|解答\\s*[：:]|答复\\s*[：:]|答曰\\s*[：:]"
      "|答\\s*[：:]|정답\\s*(?:은|:)?|답변\\s*:|답\\s*:|उत्तर\\s*:|উত্তর\\s*[:ঃ]?"
      "|الإجابة(?: النهائية| الصحيحة)?(?: هي)?\\s*:|الجواب\\s*:|إجابة\\s*:)"
      "[\\s*\"'“”‘’「」『』]*(?:\\$|\\\\text\\{|\\\\textbf\\{|\\\\mathrm\\{)*[\\s\"'“”‘’]*"
      "\\(?(" BOXED_CHOICE_LETTER ")\\)?" BOXED_CHOICE_END);
  // Lower case only in parentheses: in "the answer is a bit subtle" "a" is an article.
  static const RE2 kMarkedLower(R"((?i:answer)(?:\s+is)?\s*:?[\s*]*\(([a-j])\))");
  static const RE2 kBold(R"(\*\*\(?([A-J])\)?(?:\*\*|[.:)]))");
  std::optional<Hit> hit = last_hit(kMarked, text);
  if (auto lower = last_hit(kMarkedLower, text); lower && (!hit || lower->at > hit->at)) hit = lower;
  if (!hit) hit = last_hit(kBold, text);
  if (!hit || hit->letter == 0) return {};
  if (names_another_letter(text.substr(hit->end), hit->letter)) return {.ambiguous = true};
  return {.letter = hit->letter, .rule = ChoiceRule::kMarker};
}

// The first two and the last two non-empty lines of `text` (trimmed), without splitting all of it.
struct Lines {
  std::string_view first, second, penultimate, last;
};
Lines edge_lines(std::string_view text) {
  Lines l;
  std::size_t start = 0;
  while (start < text.size() && l.second.empty()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(start, end - start));
    if (!line.empty()) (l.first.empty() ? l.first : l.second) = line;
    start = end + 1;
  }
  std::size_t end = text.size();
  while (end > 0) {
    const std::size_t nl = text.rfind('\n', end - 1);
    const std::size_t begin = nl == std::string_view::npos ? 0 : nl + 1;
    const std::string_view line = trim(text.substr(begin, end - begin));
    if (!line.empty()) {
      if (!l.last.empty()) {
        l.penultimate = line;
        break;
      }
      l.last = line;
    }
    if (nl == std::string_view::npos) break;
    end = nl;
  }
  return l;
}

// A line that starts with a choice letter and its option text, or is the letter alone:
// "(D) Alina", "D) Alina", "D. Alina", "C Cecile", "**C**", "C." (lighteval's answer_re_start:
// the letter, then punctuation, a space or the end).
std::optional<char> option_line(std::string_view line) {
  static const RE2 kLine(R"(^\**\(?([A-J])\)?\**(?:[.:)]\s*\S|\s+[A-Z0-9\\$(]|[.:)]?\s*$))");
  std::string letter;
  if (!RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), kLine, &letter)) return std::nullopt;
  if (letter == "I" && line.size() > 1 && line[1] == ' ') return std::nullopt;  // the pronoun
  if (letter == "A" && line.size() > 2 && line[1] == ' ' && std::islower(static_cast<unsigned char>(line[2]))) {
    return std::nullopt;  // "A cat ...": the article
  }
  return letter[0];
}

std::optional<char> letters_named(std::string_view text);

ChoiceFind line_choice(const Lines& lines) {
  if (lines.first.empty()) return {};
  // Only the response's first line (lighteval anchors this pattern at the start); a list of
  // options ("A) ...\nB) ...") is a restatement, not an answer.
  // An answer line is short: "(D) Alina", not a paragraph that happens to start with "A ".
  if (lines.first.size() > 256) return {};
  const std::optional<char> first = option_line(lines.first);
  if (!first) return {};
  if (!lines.second.empty() && option_line(lines.second)) return {};
  // "A) 1 B) 2" on one line, "B or C": the line names another letter, so it is no answer line.
  if (letters_named(lines.first) == '?') return {};
  return {.letter = first, .rule = ChoiceRule::kLine};
}

// The standalone letters of `text` (at most `limit` bytes): nullopt when none, '?' when two
// differ. "I" is the pronoun; an "A" before a lower-case word is the article.
std::optional<char> letters_named(std::string_view text) {
  static const RE2 kLetter(R"((?:^|[^A-Za-z0-9'])\(?([A-J])\)?(?:[^A-Za-z0-9']|$))");
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece groups[2];
  std::size_t pos = 0;
  std::optional<char> found;
  while (pos < text.size() && kLetter.Match(input, pos, text.size(), RE2::UNANCHORED, groups, 2)) {
    const auto at = static_cast<std::size_t>(groups[1].data() - text.data());
    pos = at + 1;
    const char letter = groups[1][0];
    if (letter == 'I') continue;  // the pronoun
    const std::string_view after = text.substr(at + 1);
    if (letter == 'A' && after.size() > 1 && after[0] == ' ' && std::islower(static_cast<unsigned char>(after[1]))) {
      continue;  // "A good choice ...": the article
    }
    if (found && *found != letter) return '?';
    found = letter;
  }
  return found;
}

ChoiceFind sentence_choice(const Lines& lines) {
  if (lines.last.empty()) return {};
  // "C) 3\nD) 4": the end of a restated option list, not a sentence.
  if (option_line(lines.last) && !lines.penultimate.empty() && option_line(lines.penultimate)) return {};
  // A sentence is at most its last 512 bytes (a megabyte-long "line" is not one).
  std::string_view sentence = lines.last.substr(lines.last.size() - std::min<std::size_t>(lines.last.size(), 512));
  // The last sentence: after the last ". ", "! " or "? " that has text after it.
  for (std::size_t k = sentence.size(); k-- > 1;) {
    if ((sentence[k - 1] == '.' || sentence[k - 1] == '!' || sentence[k - 1] == '?') && sentence[k] == ' ' &&
        !trim(sentence.substr(k)).empty()) {
      sentence = trim(sentence.substr(k));
      break;
    }
  }
  const std::optional<char> letter = letters_named(sentence);
  if (!letter) return {};
  if (*letter == '?') return {.ambiguous = true};
  return {.letter = letter, .rule = ChoiceRule::kSentence};
}

}  // namespace

ChoiceFind find_choice(std::string_view text) {
  // Markers are searched in the last 8 KB first (from a line start): RE2 costs ~0.15 us per match
  // and a megabyte of "Answer: A" would otherwise cost tens of milliseconds.
  constexpr std::size_t kTailBytes = 8192;
  ChoiceFind m;
  if (text.size() > kTailBytes) {
    const std::size_t nl = text.find('\n', text.size() - kTailBytes);
    if (nl != std::string_view::npos) m = marker_choice(text.substr(nl + 1));
  }
  if (!m.letter && !m.ambiguous) m = marker_choice(text);
  if (m.letter || m.ambiguous) return m;
  const Lines lines = edge_lines(text);
  if (ChoiceFind l = line_choice(lines); l.letter) return l;
  return sentence_choice(lines);
}

}  // namespace boxed::metrics
