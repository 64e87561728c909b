#include "metrics/math_latex.h"

#include <array>
#include <cctype>
#include <utility>

#include "metrics/math_forms.h"

namespace boxed::metrics {
namespace {

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::string out;
  out.reserve(s.size());
  std::size_t pos = 0;
  while (true) {
    const std::size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out.append(to);
    pos = hit + from.size();
  }
  if (pos == 0) return;
  out.append(s, pos);
  s = std::move(out);
}

// Replaces the control word `\name` (not a prefix of a longer word: "\left" but not "\leftarrow").
void replace_command(std::string& s, std::string_view name, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  std::size_t pos = 0;
  bool changed = false;
  while (true) {
    const std::size_t hit = s.find(name, pos);
    if (hit == std::string::npos) break;
    const std::size_t end = hit + name.size();
    if (end < s.size() && is_alpha(s[end])) {
      out.append(s, pos, end - pos);
      pos = end;
      continue;
    }
    out.append(s, pos, hit - pos);
    out.append(to);
    pos = end;
    changed = true;
  }
  if (!changed) return;
  out.append(s, pos);
  s = std::move(out);
}

// Unit words dropped after a number when written bare ("5 cm", "18.90 dollars"). Single letters
// are never units here: "5m" may be 5 times m. Source: the units that occur in MATH answers
// (Hendrycks et al. 2021 test split) and in R1-distill responses to MATH-500.
constexpr std::array<std::string_view, 49> kUnitWords = {
    "cm",      "mm",      "km",     "meters",  "meter",   "metres",  "inches", "inch",
    "feet",    "foot",    "ft",     "yards",   "yard",    "miles",   "mile",   "units",
    "unit",    "square",  "sq",     "degrees", "degree",  "cents",   "cent",   "dollars",
    "dollar",  "hours",   "hour",   "minutes", "minute",  "seconds", "second", "days",
    "mph",     "pounds",  "lbs",    "kg",      "grams",   "liters",  "gallons", "students",
    "people",  "ways",    "points", "sec",     "cubic",   "radians", "percent", "pct",
    "percentage"};

bool is_unit_word(std::string_view w) {
  for (std::string_view u : kUnitWords) {
    if (w.size() == u.size()) {
      bool same = true;
      for (std::size_t i = 0; i < w.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(w[i])) != u[i]) same = false;
      }
      if (same) return true;
    }
  }
  return false;
}

// Drops "^2", "^{3}" right after a removed unit ("cm^2").
std::size_t skip_unit_power(std::string_view s, std::size_t i) {
  std::size_t j = i;
  while (j < s.size() && is_space(s[j])) ++j;
  if (j < s.size() && s[j] == '^') {
    if (j + 1 < s.size() && is_digit(s[j + 1])) return j + 2;
    if (j + 3 < s.size() && s[j + 1] == '{' && is_digit(s[j + 2]) && s[j + 3] == '}') return j + 4;
  }
  return i;
}

// True when the words are only letters, spaces and dots: a unit or a text answer.
bool is_words(std::string_view w) {
  bool any = false;
  for (char c : w) {
    if (is_alpha(c)) {
      any = true;
    } else if (!is_space(c) && c != '.') {
      return false;
    }
  }
  return any;
}

bool has_math_before(const std::string& out) {
  std::string_view t = trim(out);
  if (t.empty()) return false;
  const char last = t.back();
  return last != '(' && last != ',' && last != '{' && last != '[' && last != '=';
}

// Unwraps \text{..}-like wrappers; a wrapper holding words after math is a unit and is dropped;
// "or"/"and" become a comma.
std::string unwrap_text_commands(std::string_view s) {
  static constexpr std::array<std::string_view, 13> kWrappers = {
      "\\text",   "\\textbf", "\\textit",   "\\textrm",   "\\textnormal", "\\mathrm",     "\\mathbf",
      "\\mathit", "\\mbox",   "\\mathsf",   "\\operatorname", "\\boldsymbol", "\\textsf"};
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '\\') {
      std::size_t j = i + 1;
      while (j < s.size() && is_alpha(s[j])) ++j;
      const std::string_view name = s.substr(i, j - i);
      bool wrapper = false;
      for (std::string_view w : kWrappers) wrapper = wrapper || name == w;
      std::size_t k = j;
      while (k < s.size() && is_space(s[k])) ++k;
      if (wrapper && k < s.size() && s[k] == '{') {
        const std::size_t close = matching_brace(s, k);
        if (close != std::string_view::npos) {
          const std::string_view inner = s.substr(k + 1, close - k - 1);
          const std::string_view words = trim(inner);
          if (words == "or" || words == "and" || words == "or " || words == ",") {
            out += ',';
            i = close + 1;
            continue;
          }
          if (is_words(words) && has_math_before(out)) {
            i = skip_unit_power(s, close + 1);  // a unit: "5.4 \\text{ cents}", "15\\mbox{ cm}^2"
            continue;
          }
          out += ' ';
          out.append(unwrap_text_commands(inner));
          out += ' ';
          i = close + 1;
          continue;
        }
      }
      out.append(name);
      i = j;
      if (name.size() == 1 && i < s.size()) out += s[i++];  // "\\{", "\\!", "\\$"
      continue;
    }
    out += s[i++];
  }
  return out;
}

// Strips a surrounding \boxed{..} / \fbox{..} (repeatedly) and unwraps inner ones.
std::string unwrap_boxes(std::string s) {
  for (std::string_view box : {std::string_view("\\boxed"), std::string_view("\\fbox")}) {
    std::size_t pos = 0;
    while ((pos = s.find(box, pos)) != std::string::npos) {
      std::size_t k = pos + box.size();
      while (k < s.size() && is_space(s[k])) ++k;
      if (k < s.size() && s[k] == '{') {
        const std::size_t close = matching_brace(s, k);
        if (close != std::string::npos) {
          s = s.substr(0, pos) + s.substr(k + 1, close - k - 1) + s.substr(close + 1);
          continue;
        }
      }
      pos = k;
    }
  }
  return s;
}

void strip_delimiters(std::string& s) {
  // Every unescaped '$' goes: "$\\frac12$", "$$5$$", "The answer is $5$".
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[i];
      out += s[++i];
      continue;
    }
    if (s[i] != '$') out += s[i];
  }
  s = std::move(out);
  std::string_view t = trim(s);
  while (t.size() >= 4 && ((t.starts_with("\\(") && t.ends_with("\\)")) ||
                           (t.starts_with("\\[") && t.ends_with("\\]")))) {
    t = trim(t.substr(2, t.size() - 4));
  }
  s = std::string(t);
}

// "1\\,000" -> "1000" (a thin space between digit groups).
void join_thin_space_groups(std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "\\,") == 0 && !out.empty() && is_digit(out.back()) && i + 4 < s.size() &&
        is_digit(s[i + 2]) && is_digit(s[i + 3]) && is_digit(s[i + 4])) {
      ++i;
      continue;
    }
    out += s[i];
  }
  s = std::move(out);
}

// Spacing commands: "\\!" goes (so "10,\\!080" joins), "\\," "\\:" "\\;" "\\ " "~" become a
// space. "\\\\" (a matrix row break) is kept whole: its second backslash is not a command.
void replace_spacing(std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char next = s[i + 1];
      if (next == '!') {
        ++i;
        // "11,\\! 111": the space after a grouping "\\!" goes too.
        if (!out.empty() && out.back() == ',') {
          while (i + 1 < s.size() && s[i + 1] == ' ') ++i;
        }
        continue;
      }
      if (next == ',' || next == ':' || next == ';' || next == ' ') {
        out += ' ';
        ++i;
        continue;
      }
      out += s[i];
      out += s[++i];
      continue;
    }
    out += s[i] == '~' ? ' ' : s[i];
  }
  s = std::move(out);
}

void collapse_spaces(std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  s = std::string(trim(out));
}

// Drops bare unit words at the end: "5 cm^2", "18.90 dollars", "10 sq units".
void strip_trailing_units(std::string& s) {
  while (true) {
    std::string_view t = trim(s);
    std::size_t end = t.size();
    // optional ^2 / ^{2}
    std::size_t word_end = end;
    if (end >= 2 && t[end - 2] == '^' && is_digit(t[end - 1])) word_end = end - 2;
    if (end >= 4 && t[end - 4] == '^' && t[end - 3] == '{' && is_digit(t[end - 2]) && t[end - 1] == '}')
      word_end = end - 4;
    std::size_t word_begin = word_end;
    while (word_begin > 0 && is_alpha(t[word_begin - 1])) --word_begin;
    if (word_begin == word_end || word_begin == 0) return;
    if (word_begin > 0 && t[word_begin - 1] == '\\') return;  // a command such as \pi
    const char before = t[word_begin - 1];
    if (!(is_space(before) || is_digit(before) || before == '}' || before == ')')) return;
    if (!is_unit_word(t.substr(word_begin, word_end - word_begin))) return;
    std::string_view rest = trim(t.substr(0, word_begin));
    if (rest.empty()) return;
    s = std::string(rest);
  }
}

// "58,500" and "-11,111,111,100.5" -> digits only; lists like "1,-2" and "3, 5, 7" stay.
void join_thousands(std::string& s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const std::size_t first = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  const std::size_t lead = i - first;
  if (lead < 1 || lead > 3) return;
  int n_groups = 0;
  // One separator throughout: "1,000,000" or "1 000 000" (a space, as Math-Verify's tests write).
  const char sep = i < s.size() && s[i] == ' ' ? ' ' : ',';
  while (i < s.size() && s[i] == sep) {
    for (std::size_t k = 1; k <= 3; ++k) {
      if (i + k >= s.size() || !is_digit(s[i + k])) return;
    }
    i += 4;
    ++n_groups;
  }
  if (n_groups == 0) return;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size()) return;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i != s.size()) return;
  std::string out;
  for (char c : s) {
    if (c != sep) out += c;
  }
  s = std::move(out);
}

// "204_5", "4210_{5}": the base subscript of a numeral is dropped so digits compare as written.
void drop_base_subscripts(std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && !out.empty() && is_digit(out.back())) {
      // Only when the numeral is not part of a name ("a_1" keeps its subscript: out ends in 'a').
      std::size_t b = out.size();
      while (b > 0 && (is_digit(out[b - 1]) || out[b - 1] == '.')) --b;
      if (b > 0 && (is_alpha(out[b - 1]) || out[b - 1] == '_')) {
        out += s[i];
        continue;
      }
      std::size_t j = i + 1;
      if (j < s.size() && is_digit(s[j])) {
        i = j;
        continue;
      }
      if (j < s.size() && s[j] == '{') {
        std::size_t k = j + 1;
        while (k < s.size() && is_digit(s[k])) ++k;
        if (k < s.size() && s[k] == '}' && k > j + 1) {
          i = k;
          continue;
        }
      }
    }
    out += s[i];
  }
  s = std::move(out);
}

}  // namespace

std::string_view trim(std::string_view t) {
  while (!t.empty() && is_space(t.front())) t.remove_prefix(1);
  while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
  return t;
}

std::size_t matching_brace(std::string_view text, std::size_t open, int max_depth,
                           std::size_t max_length) {
  int depth = 0;
  const std::size_t limit =
      max_length == std::string_view::npos ? text.size() : std::min(text.size(), open + max_length + 2);
  for (std::size_t i = open; i < limit; ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < limit) {
      ++i;  // "\\{" and "\\}" are literal braces
      continue;
    }
    if (c == '{') {
      if (++depth > max_depth) return std::string_view::npos;
    } else if (c == '}') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

CleanAnswer clean_latex(std::string_view answer) {
  CleanAnswer result;
  std::string s(trim(answer));
  undouble_backslashes(s);  // "\\\\frac{1}{2}" copied out of a JSON or Python string
  degrees_in_trig(s);       // "\\sin(90^\\circ - x)": degrees are pi/180 inside trig functions
  // Unicode spellings models use outside LaTeX.
  replace_all(s, "\u2212", "-");        // minus sign
  replace_all(s, "\u221a", "\\sqrt");   // √
  replace_all(s, "\u03c0", "\\pi ");    // π
  replace_all(s, "\u00d7", "\\times "); // ×
  replace_all(s, "\u00b7", "\\cdot ");  // ·
  replace_all(s, "\u221e", "\\infty "); // ∞
  replace_all(s, "\u2264", "\\leq ");
  replace_all(s, "\u2265", "\\geq ");
  replace_all(s, "\u00b0", "");         // degree sign
  strip_delimiters(s);
  s = unwrap_boxes(std::move(s));
  replace_all(s, "{,}", ",");  // "14{,}916": TeX's comma without math spacing
  replace_all(s, "**", "^");   // "x**2": Python power, as some models write
  replace_all(s, "\\mathbb{R}", "(-\\infty,\\infty)");
  replace_command(s, "\\varnothing", "\\emptyset");
  // Plain-text relations: "x >= 5", "x <= 2", "x != 3".
  replace_all(s, ">=", "\\geq ");
  replace_all(s, "<=", "\\leq ");
  replace_all(s, "!=", "\\neq ");
  // "x \\approx 11" states the value; in "x = \\frac13 \\approx 0.33" the exact value comes first.
  if (const std::size_t at = s.find("\\approx"); at != std::string::npos) {
    if (s.substr(0, at).find('=') != std::string::npos) {
      s.erase(at);
    } else {
      s.replace(at, 7, 1, '=');
    }
  }
  join_thin_space_groups(s);
  replace_spacing(s);
  replace_command(s, "\\qquad", " ");
  replace_command(s, "\\quad", " ");
  replace_command(s, "\\displaystyle", "");
  replace_command(s, "\\textstyle", "");
  // Degrees: "106^\\circ", "30^{\\circ}", "\\degree".
  for (std::string_view deg : {"^{\\circ}", "^\\circ", "^{\\circ }", "^ \\circ", "^{ \\circ}"}) {
    replace_all(s, deg, "");
  }
  replace_command(s, "\\circ", "");
  replace_command(s, "\\degree", "");
  replace_command(s, "\\degrees", "");
  if (s.find('%') != std::string::npos) {
    result.percent = true;
    replace_all(s, "\\%", "");
    replace_all(s, "%", "");
  }
  replace_all(s, "\\$", "");
  replace_command(s, "\\textdollar", "");
  s = unwrap_text_commands(s);
  for (std::string_view size :
       {"\\left", "\\right", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "\\biggl", "\\biggr",
        "\\Biggl", "\\Biggr", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\middle"}) {
    replace_command(s, size, "");
  }
  replace_all(s, "(.", "(");  // "\\left." leaves a lone '.'
  for (std::string_view frac : {"\\dfrac", "\\tfrac", "\\cfrac"}) replace_command(s, frac, "\\frac");
  replace_command(s, "\\dbinom", "\\binom");
  replace_command(s, "\\tbinom", "\\binom");
  replace_command(s, "\\leqslant", "\\leq");
  replace_command(s, "\\geqslant", "\\geq");
  replace_command(s, "\\le", "\\leq");
  replace_command(s, "\\ge", "\\geq");
  replace_command(s, "\\ne", "\\neq");
  replace_command(s, "\\infinity", "\\infty");
  collapse_spaces(s);
  // An ellipsis ("1, 2, 3, ...") is part of the answer, not sentence punctuation.
  while (!s.empty() && (s.back() == '.' || s.back() == ';') && !s.ends_with("...")) {
    // A trailing period ends the sentence; a decimal point needs a digit after it anyway.
    s.pop_back();
    s = std::string(trim(s));
  }
  strip_trailing_units(s);
  drop_base_subscripts(s);
  join_thousands(s);
  mixed_number(s);  // "1 1/2"
  text_matrix(s);   // "[[1, 2], [3, 4]]"
  result.text = std::move(s);
  return result;
}

}  // namespace boxed::metrics
