#include "metrics/choice.h"

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

}  // namespace boxed::metrics
