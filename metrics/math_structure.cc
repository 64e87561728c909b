#include "metrics/math_structure.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "metrics/math_eval.h"
#include "metrics/math_latex.h"
#include "metrics/math_relations.h"
#include "metrics/numeric_policy.h"

namespace boxed::metrics {
namespace {

constexpr int kMaxAnswerDepth = 8;
constexpr std::size_t kMaxItems = 64;
constexpr int kMaxPlusMinus = 3;

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// Splits `s` at top-level occurrences of `sep` (outside (), [], {}, \{\}).
std::vector<std::string_view> split_top(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      if (s[i + 1] == '{') ++depth;
      if (s[i + 1] == '}') --depth;
      if (depth == 0 && s.compare(i, sep.size(), sep) == 0 && sep.size() > 1 &&
          (i + sep.size() >= s.size() || !is_alpha(s[i + sep.size()]))) {
        parts.push_back(s.substr(start, i - start));
        start = i + sep.size();
        i = start - 1;
        continue;
      }
      if (s[i + 1] == '{' || s[i + 1] == '}') ++i;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (depth == 0 && sep.size() == 1 && c == sep[0]) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

// Index of the bracket closing s[0] ('(' or '['; either closer counts: "(3,4]"), or npos.
std::size_t closing_bracket(std::string_view s) {
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      ++i;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

bool is_simple_variable(const Answer& a) {
  return a.kind == AnswerKind::kExpr && a.expr && a.expr->kind == ExprKind::kVariable;
}

std::string text_key(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// A word of three or more letters that is neither a command nor a function: "Evelyn", "east".
bool looks_like_text(std::string_view s) {
  static constexpr std::array<std::string_view, 20> kMathWords = {
      "sin",  "cos",  "tan", "cot",  "sec", "csc",  "arcsin", "arccos", "arctan", "sinh",
      "cosh", "tanh", "log", "exp",  "sqrt", "pi",  "floor",  "ceil",   "abs",    "ln"};
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '\\') {
      ++i;
      while (i < s.size() && is_alpha(s[i])) ++i;
      continue;
    }
    if (!is_alpha(s[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && is_alpha(s[j])) ++j;
    const std::string_view word = s.substr(i, j - i);
    if (word.size() >= 3 &&
        std::find(kMathWords.begin(), kMathWords.end(), word) == kMathWords.end()) {
      return true;
    }
    i = j;
  }
  return false;
}

// "(C)", "C" (one capital letter A-J), as MATH writes multiple-choice answers: "\\text{(C)}".
std::optional<char> choice_letter(std::string_view s) {
  s = trim(s);
  if (s.size() == 3 && s[0] == '(' && s[2] == ')') s = s.substr(1, 1);
  if (s.size() == 1 && s[0] >= 'A' && s[0] <= 'J') return s[0];
  return std::nullopt;
}

Answer make_text(std::string_view s) {
  Answer a;
  a.kind = AnswerKind::kText;
  a.text = text_key(s);
  return a;
}

Answer parse(std::string_view s, int depth);

Answer parse_items(AnswerKind kind, const std::vector<std::string_view>& parts, int depth) {
  Answer a;
  a.kind = kind;
  for (std::string_view p : parts) {
    if (a.items.size() >= kMaxItems) return make_text("");
    p = trim(p);
    // "19, 46, and 82" / "19, 46, \\text{ and } 82": the connective is not an item.
    for (std::string_view word : {"and ", "or "}) {
      if (kind == AnswerKind::kList && p.starts_with(word)) p = trim(p.substr(word.size()));
    }
    if (kind == AnswerKind::kList && p.empty()) continue;
    Answer item = parse(p, depth + 1);
    // "\\{1\\pm\\sqrt{5},-2\\}": the two solutions of a \\pm join the enclosing set or list.
    if ((kind == AnswerKind::kSet || kind == AnswerKind::kList) && item.kind == AnswerKind::kList) {
      for (Answer& sub : item.items) a.items.push_back(std::move(sub));
    } else {
      a.items.push_back(std::move(item));
    }
  }
  return a;
}

// "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}".
std::optional<Answer> parse_matrix(std::string_view s, int depth) {
  static constexpr std::array<std::string_view, 6> kEnvs = {"pmatrix", "bmatrix", "matrix",
                                                            "Bmatrix", "smallmatrix", "array"};
  // "[\\begin{array}{cc} 1 & 2 \\\\ 3 & 4 \\end{array}]": brackets around an array are its delimiters.
  if (s.size() > 2 && s.front() == '[' && s.back() == ']' && s.substr(1).starts_with("\\begin{array}")) {
    s = trim(s.substr(1, s.size() - 2));
  }
  for (std::string_view env : kEnvs) {
    const std::string begin = "\\begin{" + std::string(env) + "}";
    const std::string end = "\\end{" + std::string(env) + "}";
    if (!s.starts_with(begin) || !s.ends_with(end)) continue;
    std::string_view body = trim(s.substr(begin.size(), s.size() - begin.size() - end.size()));
    if (env == "array" && body.starts_with("{")) {
      const std::size_t spec_end = matching_brace(body, 0);  // the column spec "{cc}"
      if (spec_end == std::string_view::npos) return std::nullopt;
      body = trim(body.substr(spec_end + 1));
    }
    Answer m;
    m.kind = AnswerKind::kMatrix;
    std::vector<std::string_view> rows;
    std::size_t start = 0;
    for (std::size_t i = 0; i + 1 < body.size(); ++i) {
      if (body[i] == '\\' && body[i + 1] == '\\') {
        rows.push_back(body.substr(start, i - start));
        start = i + 2;
        ++i;
      }
    }
    rows.push_back(body.substr(start));
    if (!rows.empty() && trim(rows.back()).empty()) rows.pop_back();
    for (std::string_view row : rows) {
      std::vector<std::string_view> cells = split_top(row, "&");
      if (m.n_rows == 0) m.n_cols = static_cast<int>(cells.size());
      if (static_cast<int>(cells.size()) != m.n_cols) return std::nullopt;
      for (std::string_view cell : cells) {
        if (m.items.size() >= kMaxItems) return std::nullopt;
        m.items.push_back(parse(cell, depth + 1));
      }
      ++m.n_rows;
    }
    return m;
  }
  return std::nullopt;
}

// "f(x)", "g(t)", "f^{-1}(x)", "h(x, y)" on the left of "=": a function being defined, read as
// one variable named by its text (spaces dropped) so that "f(x) = 2x+3" names its value.
std::optional<Answer> function_name(std::string_view lhs) {
  static const RE2 kApplication(R"(^[A-Za-z](?:_\{?\w+\}?)?(?:\^\{?-1\}?)?\s*\(\s*[A-Za-z](?:\s*,\s*[A-Za-z])*\s*\)$)");
  lhs = trim(lhs);
  if (!RE2::FullMatch(re2::StringPiece(lhs.data(), lhs.size()), kApplication)) return std::nullopt;
  Expr v;
  v.kind = ExprKind::kVariable;
  for (char c : lhs) {
    if (c != ' ') v.name += c;
  }
  return expr_answer(std::move(v));
}

// Replaces the first \pm (or \mp) by + and by -.
std::optional<std::pair<std::string, std::string>> expand_plus_minus(std::string_view s) {
  for (std::string_view op : {std::string_view("\\pm"), std::string_view("\\mp")}) {
    const std::size_t at = s.find(op);
    if (at == std::string_view::npos) continue;
    if (at + op.size() < s.size() && is_alpha(s[at + op.size()])) continue;
    const bool plus_first = op == "\\pm";
    std::string a(s.substr(0, at)), b(s.substr(0, at));
    a += plus_first ? "+" : "-";
    b += plus_first ? "-" : "+";
    a += s.substr(at + op.size());
    b += s.substr(at + op.size());
    return std::make_pair(a, b);
  }
  return std::nullopt;
}

Answer parse(std::string_view s, int depth) {
  s = trim(s);
  if (depth > kMaxAnswerDepth || s.empty()) return make_text(s);
  if (auto m = parse_matrix(s, depth)) return *m;
  if (auto parts = split_top(s, "\\cup"); parts.size() > 1) {
    return parse_items(AnswerKind::kUnion, parts, depth);
  }
  // "\\langle 1, 2 \\rangle": a vector, compared as the tuple (1, 2).
  if (s.starts_with("\\langle") && s.ends_with("\\rangle")) {
    std::string_view inner = s.substr(7, s.size() - 14);
    Answer t = parse_items(AnswerKind::kTuple, split_top(inner, ","), depth);
    t.open = '(';
    t.close = ')';
    return t;
  }
  // "x=1 or x=-2", "2 and 3": connectives between solutions.
  std::string joined(s);
  for (std::string_view word : {" or ", " and "}) {
    for (std::size_t at; (at = joined.find(word)) != std::string::npos;) joined.replace(at, word.size(), 1, ',');
  }
  if (joined != s) return parse(joined, depth);
  for (std::string_view sep : {",", ";"}) {
    if (auto parts = split_top(s, sep); parts.size() > 1) {
      return parse_items(AnswerKind::kList, parts, depth);
    }
  }
  // "x \\in [-2,7]".
  if (auto in = split_top(s, "\\in"); in.size() == 2) return parse(in[1], depth + 1);
  if (auto eq = split_top(s, "="); eq.size() >= 2) {
    Answer a;
    a.kind = AnswerKind::kEquation;
    a.items.push_back(function_name(eq.front()).value_or(parse(eq.front(), depth + 1)));
    a.items.push_back(parse(eq.back(), depth + 1));
    // A chain "1 = y = x = 0": its last link's left side, which may name the answer's variable.
    if (eq.size() > 2) a.items.push_back(parse(eq[eq.size() - 2], depth + 1));
    return a;
  }
  if (auto relation = parse_relation(s)) return *relation;
  // "{-2021, 2021}": plain braces around a comma list are a set (as Math-Verify reads them).
  if (s.size() >= 2 && s[0] == '{' && s.back() == '}' && matching_brace(s, 0) == s.size() - 1 &&
      split_top(s.substr(1, s.size() - 2), ",").size() > 1) {
    return parse_items(AnswerKind::kSet, split_top(s.substr(1, s.size() - 2), ","), depth);
  }
  if (s.starts_with("\\{") && s.ends_with("\\}")) {
    std::string_view inner = trim(s.substr(2, s.size() - 4));
    return parse_items(AnswerKind::kSet, split_top(inner, ","), depth);
  }
  if ((s[0] == '(' || s[0] == '[') && closing_bracket(s) == s.size() - 1) {
    std::string_view inner = s.substr(1, s.size() - 2);
    const auto parts = split_top(inner, ",");
    if (parts.size() >= 2) {
      Answer t = parse_items(AnswerKind::kTuple, parts, depth);
      t.open = s[0];
      t.close = s.back();
      return t;
    }
    if (auto letter = choice_letter(s)) {
      Answer c;
      c.kind = AnswerKind::kChoice;
      c.text = std::string(1, *letter);
      return c;
    }
  }
  if (auto letter = choice_letter(s)) {
    Answer c;
    c.kind = AnswerKind::kChoice;
    c.text = std::string(1, *letter);
    return c;
  }
  if (depth < 2 * kMaxPlusMinus) {
    if (auto pm = expand_plus_minus(s)) {
      Answer list;
      list.kind = AnswerKind::kList;
      for (const std::string* half : {&pm->first, &pm->second}) {
        Answer item = parse(*half, depth + 1);
        if (item.kind == AnswerKind::kList) {
          for (Answer& sub : item.items) list.items.push_back(std::move(sub));
        } else {
          list.items.push_back(std::move(item));
        }
      }
      return list;
    }
  }
  if (looks_like_text(s)) return make_text(s);
  if (auto e = parse_expression(s)) return expr_answer(std::move(*e));
  return make_text(s);
}

int infinity_sign(const Expr& e) {
  if (e.kind == ExprKind::kConstant && e.name == "infty") return 1;
  if (e.kind == ExprKind::kNeg) return -infinity_sign(e.children[0]);
  return 0;
}

// The comparison's context: the gold's percent flag, and where to note the deciding rules.
struct Ctx {
  bool percent = false;
  MatchWhy* why = nullptr;
  // The outermost structural rule (the first noted) and the last value rule reached.
  void note_shape(std::string_view rule) const {
    if (why && why->shape.empty()) why->shape = rule;
  }
  void note_value(std::string_view rule) const {
    if (why) why->value = rule;
  }
  // Notes `rule` as the value rule and returns `result`.
  bool decided(std::string_view rule, bool result) const {
    note_value(rule);
    return result;
  }
};

bool match(const Answer& gold, const Answer& pred, const Ctx& cx, int depth);

// A decimal with 6 or more places ("0.333333", "4.666666666666667") is a rounding of a repeating
// decimal: against a rational gold that does not terminate it is equal when it is exactly the
// gold rounded (half up) or truncated at that many places. Six places is Math-Verify's default float_rounding;
// "0.333" and "4.6667" stay unequal to 1/3 and 14/3.
constexpr int kMinDecimalPlaces = kMinRoundedPlaces;  // metrics/numeric_policy.h
// Decimal places of a terminating decimal (denominator 2^a 5^b): max(a, b); -1 if it repeats.
int decimal_places(const Rational& q) {
  Int128 d = q.den();
  int twos = 0, fives = 0;
  while (d % 2 == 0) {
    d /= 2;
    ++twos;
  }
  while (d % 5 == 0) {
    d /= 5;
    ++fives;
  }
  return d == 1 ? std::max(twos, fives) : -1;
}

// floor(n / d) for d > 0.
Int128 floor_div(Int128 n, Int128 d) {
  Int128 q = n / d;
  if ((n % d != 0) && (n < 0)) --q;
  return q;
}

bool long_decimal_matches(const Expr& g, const Expr& p) {
  if (!expression_variables(g).empty() || !expression_variables(p).empty()) return false;
  auto gv = evaluate(g, {});
  auto pv = evaluate(p, {});
  if (!gv || !pv || !gv->exact || !pv->exact) return false;
  const int places = decimal_places(*pv->exact);
  if (places < kMinDecimalPlaces || decimal_places(*gv->exact) >= 0) return false;
  // The prediction must be the gold rounded or truncated at its number of places, exactly.
  auto scale = checked_pow(Rational::integer(10), places);
  auto scaled_gold = scale ? checked_mul(*gv->exact, *scale) : std::nullopt;
  auto scaled_pred = scale ? checked_mul(*pv->exact, *scale) : std::nullopt;
  if (!scaled_gold || !scaled_pred || !scaled_pred->is_integer()) return false;
  const Int128 n = scaled_gold->num(), d = scaled_gold->den();
  const Int128 truncated = n / d;                   // toward zero
  const Int128 rounded = floor_div(2 * n + d, 2 * d);  // half up
  return scaled_pred->num() == truncated || scaled_pred->num() == rounded;
}

// An irrational gold (\\sqrt2, \\pi/4) against a decimal with kMinDecimalPlaces or more places:
// equal when the decimal is the gold rounded (half up) or truncated at its own number of places
// ("1.414214", "1.41421356" for \\sqrt2; not "1.414"). Math-Verify's float_rounding=6 rounds both
// sides to 6 places; this accepts only a correct rounding at the places the model wrote.
bool irrational_decimal_matches(const Expr& g, const Expr& p) {
  constexpr int kMaxPlaces = 15;  // long double carries ~19 significant digits
  if (!expression_variables(g).empty() || !expression_variables(p).empty()) return false;
  auto gv = evaluate(g, {});
  auto pv = evaluate(p, {});
  if (!gv || !pv || gv->exact || !pv->exact || std::abs(gv->z.imag()) > 0) return false;
  const int places = decimal_places(*pv->exact);
  if (places < kMinDecimalPlaces || places > kMaxPlaces) return false;
  const long double gold = gv->z.real();
  if (std::abs(gold) >= 1e3L) return false;
  const long double scale = std::pow(10.0L, places);
  const long double scaled = gold * scale;
  const long double pred = pv->exact->to_long_double() * scale;
  return std::abs(pred - std::floor(scaled + 0.5L)) < 0.5L || std::abs(pred - std::trunc(scaled)) < 0.5L;
}

// The reason two equal (or unequal) expressions were judged so, for explanations.
std::string_view value_rule(const Expr& g, const Expr& p) {
  if (!expression_variables(g).empty() || !expression_variables(p).empty()) return "function_at_points";
  auto gv = evaluate(g, {});
  auto pv = evaluate(p, {});
  if (gv && pv && gv->exact && pv->exact) return "exact_rational";
  return "numeric_tolerance";
}

bool exprs_match(const Expr& g, const Expr& p, const Ctx& cx) {
  const int gi = infinity_sign(g);
  const int pi = infinity_sign(p);
  if (gi != 0 || pi != 0) return cx.decided("infinity", gi == pi);
  if (expressions_equal(g, p)) {
    if (cx.why) cx.note_value(value_rule(g, p));
    return true;
  }
  if (long_decimal_matches(g, p)) return cx.decided("decimal_rounding_of_fraction", true);
  if (irrational_decimal_matches(g, p)) return cx.decided("decimal_rounding_of_irrational", true);
  if (cx.percent) {
    // "50\\%" answered as 0.5.
    Expr scaled;
    scaled.kind = ExprKind::kDiv;
    scaled.children.push_back(g);
    Expr hundred;
    hundred.value = Rational::integer(100);
    scaled.children.push_back(hundred);
    if (expressions_equal(scaled, p)) return cx.decided("percent_as_fraction", true);
  }
  if (cx.why) cx.note_value(value_rule(g, p));
  return false;
}

bool unordered_match(const std::vector<Answer>& gold, const std::vector<Answer>& pred, const Ctx& cx,
                     int depth) {
  if (gold.size() != pred.size()) return false;
  std::vector<bool> used(pred.size(), false);
  for (const Answer& g : gold) {
    bool found = false;
    for (std::size_t j = 0; j < pred.size() && !found; ++j) {
      if (!used[j] && match(g, pred[j], cx, depth + 1)) {
        used[j] = true;
        found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

bool ordered_match(const std::vector<Answer>& gold, const std::vector<Answer>& pred, const Ctx& cx,
                   int depth) {
  if (gold.size() != pred.size()) return false;
  for (std::size_t i = 0; i < gold.size(); ++i) {
    if (!match(gold[i], pred[i], cx, depth + 1)) return false;
  }
  return true;
}

Expr difference(const Answer& eq) {
  Expr d;
  d.kind = ExprKind::kAdd;
  d.children.push_back(*eq.items[0].expr);
  Expr neg;
  neg.kind = ExprKind::kNeg;
  neg.children.push_back(*eq.items[1].expr);
  d.children.push_back(std::move(neg));
  return d;
}

// "f(x)", "g^{-1}(t)": the left side of a function definition (parsed as a variable so named).
bool is_function_name(const Answer& a) {
  return is_simple_variable(a) && a.expr->name.find('(') != std::string::npos;
}

bool match(const Answer& gold, const Answer& pred, const Ctx& cx, int depth) {
  if (depth > 2 * kMaxAnswerDepth + 4) return false;
  const AnswerKind g = gold.kind, p = pred.kind;
  if (g == AnswerKind::kEquation && p == AnswerKind::kEquation) {
    // "f(x) = 2x+3" vs "y = 2x+3": two definitions of one function compare by their right sides
    // (MARIO's evaluator: math_evaluation/core/type_evaluations.py, is_equiv_function).
    if ((is_function_name(gold.items[0]) && is_simple_variable(pred.items[0])) ||
        (is_function_name(pred.items[0]) && is_simple_variable(gold.items[0]))) {
      cx.note_shape("function_definition_rhs");
      return match(gold.items[1], pred.items[1], cx, depth + 1);
    }
    cx.note_shape("equation_sides");
    if (match(gold.items[0], pred.items[0], cx, depth + 1) &&
        match(gold.items[1], pred.items[1], cx, depth + 1)) {
      return true;
    }
    const bool all_expr = gold.items[0].expr && gold.items[1].expr && pred.items[0].expr &&
                          pred.items[1].expr;
    if (all_expr && expressions_proportional(difference(gold), difference(pred))) {
      return cx.decided("equation_proportional", true);
    }
    return false;
  }
  if (g == AnswerKind::kEquation) {
    const bool named = is_simple_variable(gold.items[0]) ||
                       (gold.items.size() > 2 && is_simple_variable(gold.items[2]));
    cx.note_shape(named ? "gold_definition_rhs" : "gold_equation_vs_value");
    return named && match(gold.items[1], pred, cx, depth + 1);
  }
  if (p == AnswerKind::kEquation) {
    // "k = \\frac13", "x+y = 5", "2+3=5": the value after the last "=" is the answer (the reading
    // of Math-Verify and of human graders); "5 = x" is read the other way round.
    const bool reversed = is_simple_variable(pred.items[1]) && !is_simple_variable(pred.items[0]);
    cx.note_shape("pred_equation_value");
    return match(gold, pred.items[reversed ? 0 : 1], cx, depth + 1);
  }
  const bool g_unordered = g == AnswerKind::kSet || g == AnswerKind::kList;
  const bool p_unordered = p == AnswerKind::kSet || p == AnswerKind::kList;
  if (g_unordered && p_unordered) {
    cx.note_shape("unordered_elements");
    return unordered_match(gold.items, pred.items, cx, depth);
  }
  if (p_unordered && pred.items.size() == 1) {
    cx.note_shape("single_element");
    return match(gold, pred.items[0], cx, depth + 1);
  }
  if (g_unordered && gold.items.size() == 1) {
    cx.note_shape("single_element");
    return match(gold.items[0], pred, cx, depth + 1);
  }
  if (g == AnswerKind::kUnion && p == AnswerKind::kUnion) {
    cx.note_shape("union_of_intervals");
    return unordered_match(gold.items, pred.items, cx, depth);
  }
  if (g == AnswerKind::kTuple && p == AnswerKind::kTuple) {
    cx.note_shape(gold.open == pred.open && gold.close == pred.close ? "interval_or_tuple" : "brackets_differ");
    return gold.open == pred.open && gold.close == pred.close &&
           ordered_match(gold.items, pred.items, cx, depth);
  }
  if (g == AnswerKind::kMatrix && p == AnswerKind::kMatrix) {
    cx.note_shape(gold.n_rows == pred.n_rows && gold.n_cols == pred.n_cols ? "matrix_entries" : "matrix_shape_differs");
    return gold.n_rows == pred.n_rows && gold.n_cols == pred.n_cols &&
           ordered_match(gold.items, pred.items, cx, depth);
  }
  // A vector written as a tuple: "(1, 2)" or "[1, 2]" against a one-column or one-row matrix
  // (MARIO: row and column vectors are one answer, latex_parser.py _list_to_mat).
  auto is_vector = [](const Answer& a) { return a.kind == AnswerKind::kMatrix && (a.n_cols == 1 || a.n_rows == 1); };
  auto plain_brackets = [](const Answer& a) {
    return a.kind == AnswerKind::kTuple && ((a.open == '(' && a.close == ')') || (a.open == '[' && a.close == ']'));
  };
  if ((is_vector(gold) && plain_brackets(pred)) || (is_vector(pred) && plain_brackets(gold))) {
    cx.note_shape("vector_as_tuple");
    return ordered_match(gold.items, pred.items, cx, depth);
  }
  if (g == AnswerKind::kChoice || p == AnswerKind::kChoice) {
    auto letter = [](const Answer& a) -> std::string {
      if (a.kind == AnswerKind::kChoice) return a.text;
      if (a.kind == AnswerKind::kExpr && a.expr->kind == ExprKind::kVariable && a.expr->name.size() == 1) {
        return a.expr->name;
      }
      if (a.kind == AnswerKind::kText && a.text.size() == 1) {
        return std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(a.text[0]))));
      }
      return "";
    };
    cx.note_shape("choice_letter");
    const std::string gl = letter(gold);
    return !gl.empty() && gl == letter(pred);
  }
  if (g == AnswerKind::kText || p == AnswerKind::kText) {
    cx.note_shape(g == p ? "text" : "text_vs_math");
    return g == p && !gold.text.empty() && gold.text == pred.text;
  }
  if (g == AnswerKind::kExpr && p == AnswerKind::kExpr) {
    cx.note_shape("value");
    return exprs_match(*gold.expr, *pred.expr, cx);
  }
  cx.note_shape("kinds_differ");
  return false;
}

}  // namespace

Answer parse_answer(std::string_view text) { return parse(text, 0); }

bool answers_match(const Answer& gold, const Answer& pred, bool gold_percent, MatchWhy* why) {
  return match(gold, pred, Ctx{.percent = gold_percent, .why = why}, 0);
}

std::string canonical_text(const Answer& a) {
  switch (a.kind) {
    case AnswerKind::kText:
    case AnswerKind::kChoice:
      return a.text;
    case AnswerKind::kExpr: {
      if (expression_variables(*a.expr).empty()) {
        if (auto v = evaluate(*a.expr, {}); v && v->exact) return v->exact->to_string();
      }
      return to_string(*a.expr);
    }
    case AnswerKind::kEquation:
      return canonical_text(a.items[0]) + "=" + canonical_text(a.items[1]);
    case AnswerKind::kSet:
    case AnswerKind::kList:
    case AnswerKind::kUnion: {
      std::vector<std::string> parts;
      for (const Answer& i : a.items) parts.push_back(canonical_text(i));
      std::sort(parts.begin(), parts.end());
      std::string out = a.kind == AnswerKind::kUnion ? "union{" : "{";
      for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += ',';
        out += parts[i];
      }
      return out + "}";
    }
    case AnswerKind::kTuple:
    case AnswerKind::kMatrix: {
      std::string out(1, a.kind == AnswerKind::kTuple ? a.open : '[');
      for (std::size_t i = 0; i < a.items.size(); ++i) {
        if (i > 0) out += ',';
        out += canonical_text(a.items[i]);
      }
      return out + (a.kind == AnswerKind::kTuple ? a.close : ']');
    }
  }
  return {};
}

}  // namespace boxed::metrics
