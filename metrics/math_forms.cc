#include "metrics/math_forms.h"

#include <re2/re2.h>

#include <cctype>
#include <vector>

#include "metrics/math_latex.h"

namespace boxed::metrics {
namespace {

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

void undouble_backslashes(std::string& s) {
  // A run of exactly two backslashes before a letter is a doubled command; a run of one is a
  // plain command ("\\begin{pmatrix}a\\\\b" is single-escaped: its "\\\\b" is a row break).
  bool doubled_command = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') continue;
    std::size_t run = 0;
    while (i + run < s.size() && s[i + run] == '\\') ++run;
    if (i + run < s.size() && is_alpha(s[i + run])) {
      if (run == 1) return;  // a single-escaped command: the text is not double-escaped
      if (run == 2) doubled_command = true;
    }
    i += run - 1;
  }
  if (!doubled_command) return;
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out += s[i++];
      continue;
    }
    std::size_t run = 0;
    while (i + run < s.size() && s[i + run] == '\\') ++run;
    out.append(run % 2 == 0 ? run / 2 : run, '\\');
    i += run;
  }
  s = std::move(out);
}

void degrees_in_trig(std::string& s) {
  bool trig = false;
  for (std::string_view f : {"\\sin", "\\cos", "\\tan", "\\cot", "\\sec", "\\csc", "sin(", "cos(", "tan("}) {
    if (s.find(f) != std::string::npos) trig = true;
  }
  if (!trig) return;
  static constexpr std::string_view kDegrees[] = {"^{\\circ}", "^\\circ", "^{\\circ }", "^ \\circ", "^{ \\circ}",
                                                  "\u00b0", "\\degree"};
  for (std::string_view deg : kDegrees) {
    for (std::size_t at; (at = s.find(deg)) != std::string::npos;) {
      // The number (digits and '.') or single letter before the degree sign.
      std::size_t begin = at;
      while (begin > 0 && (is_digit(s[begin - 1]) || s[begin - 1] == '.')) --begin;
      if (begin == at && at > 0 && is_alpha(s[at - 1]) && (at < 2 || !is_alpha(s[at - 2]))) begin = at - 1;
      if (begin == at) {
        s.erase(at, deg.size());  // nothing to convert: drop the sign
        continue;
      }
      const std::string value = s.substr(begin, at - begin);
      s.replace(begin, at + deg.size() - begin, "(" + value + "\\pi/180)");
    }
  }
}

void mixed_number(std::string& s) {
  static const RE2 kMixed(R"(^(-?)(\d+)\s+(\d+)\s*/\s*(\d+)$)");
  std::string sign, whole, num, den;
  if (RE2::FullMatch(s, kMixed, &sign, &whole, &num, &den)) {
    s = sign + whole + "\\frac{" + num + "}{" + den + "}";
  }
}

void text_matrix(std::string& s) {
  const std::string_view t = trim(s);
  if (t.size() < 4 || !t.starts_with("[[") || !t.ends_with("]]")) return;
  // Rows: "[a, b]" groups separated by commas at depth 1.
  std::vector<std::string> rows;
  std::size_t i = 1;
  while (i < t.size() - 1) {
    while (i < t.size() - 1 && (t[i] == ' ' || t[i] == ',')) ++i;
    if (i >= t.size() - 1) break;
    if (t[i] != '[') return;
    const std::size_t close = t.find(']', i);
    if (close == std::string_view::npos || t.substr(i + 1, close - i - 1).find('[') != std::string_view::npos) return;
    std::string row(t.substr(i + 1, close - i - 1));
    for (char& c : row) {
      if (c == ',') c = '&';
    }
    rows.push_back(std::move(row));
    i = close + 1;
  }
  if (rows.empty()) return;
  std::string out = "\\begin{pmatrix}";
  for (std::size_t r = 0; r < rows.size(); ++r) out += (r ? "\\\\" : "") + rows[r];
  s = out + "\\end{pmatrix}";
}

std::optional<int> time_answer(std::string_view raw) {
  if (raw.find(':') == std::string_view::npos || raw.size() > 64) return std::nullopt;  // the common case, cheaply
  // "$20:34$", "8:34 \\text{P.M.}", "\\mathrm{8:34\\ PM}": wrappers off, text kept (clean_latex
  // would drop "P.M." after a number as a unit word).
  std::string s;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    bool unwrapped = false;
    for (std::string_view w : {"\\text{", "\\mathrm{", "\\mbox{", "\\textrm{"}) {
      if (raw.substr(i).starts_with(w)) {
        const std::size_t close = matching_brace(raw, i + w.size() - 1);
        if (close == std::string_view::npos) return std::nullopt;
        s += raw.substr(i + w.size(), close - i - w.size());
        i = close;
        unwrapped = true;
        break;
      }
    }
    if (unwrapped) continue;
    if (raw[i] == '$' || raw[i] == '~') continue;
    if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == ' ' || raw[i + 1] == ',')) {
      s += ' ';
      ++i;
      continue;
    }
    s += raw[i];
  }
  return time_of_day(trim(s));
}

std::optional<int> time_of_day(std::string_view s) {
  static const RE2 kTime(R"(^(\d{1,2}):(\d{2})(?::\d{2})?\s*(?i:(a\.?\s*m\.?|p\.?\s*m\.?))?$)");
  std::string hours_text, minutes_text, meridiem;
  if (!RE2::FullMatch(re2::StringPiece(s.data(), s.size()), kTime, &hours_text, &minutes_text, &meridiem)) {
    return std::nullopt;
  }
  int hours = std::stoi(hours_text);
  const int minutes = std::stoi(minutes_text);
  if (minutes > 59) return std::nullopt;
  if (!meridiem.empty()) {
    if (hours < 1 || hours > 12) return std::nullopt;
    const bool pm = meridiem[0] == 'p' || meridiem[0] == 'P';
    hours = hours % 12 + (pm ? 12 : 0);
  } else if (hours > 23) {
    return std::nullopt;
  }
  return hours * 60 + minutes;
}

}  // namespace boxed::metrics
