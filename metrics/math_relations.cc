#include "metrics/math_relations.h"

#include <array>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "metrics/math_eval.h"
#include "metrics/math_latex.h"

namespace boxed::metrics {
namespace {

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

Expr constant(const char* name) {
  Expr e;
  e.kind = ExprKind::kConstant;
  e.name = name;
  return e;
}

Expr number(const Rational& q) {
  Expr e;
  e.value = q;
  return e;
}

Expr negative_infinity() {
  Expr e;
  e.kind = ExprKind::kNeg;
  e.children.push_back(constant("infty"));
  return e;
}

// lhs - rhs = a v + b in its one variable v, with a != 0: returns (-b/a, a < 0). Exact over the
// rationals; nullopt when there is not exactly one variable, a value is not rational, or the
// difference is not linear (checked at v = 0, 1, 2, 3).
std::optional<std::pair<Rational, bool>> solve_linear(const Expr& lhs, const Expr& rhs) {
  Expr d;
  d.kind = ExprKind::kAdd;
  d.children.push_back(lhs);
  Expr neg;
  neg.kind = ExprKind::kNeg;
  neg.children.push_back(rhs);
  d.children.push_back(std::move(neg));
  const std::vector<std::string> vars = expression_variables(d);
  if (vars.size() != 1) return std::nullopt;
  std::array<Rational, 4> f;
  for (int k = 0; k < 4; ++k) {
    const auto v = evaluate(d, {{vars[0], Rational::integer(k)}});
    if (!v || !v->exact) return std::nullopt;
    f[static_cast<std::size_t>(k)] = *v->exact;
  }
  const auto a = checked_sub(f[1], f[0]);
  if (!a || a->is_zero()) return std::nullopt;
  for (int k = 2; k < 4; ++k) {  // f(k) == f(0) + k a
    const auto step = checked_mul(*a, Rational::integer(k));
    const auto expected = step ? checked_add(f[0], *step) : std::nullopt;
    if (!expected || !(*expected == f[static_cast<std::size_t>(k)])) return std::nullopt;
  }
  const auto minus_b = checked_neg(f[0]);
  const auto root = minus_b ? checked_div(*minus_b, *a) : std::nullopt;
  if (!root) return std::nullopt;
  return std::make_pair(*root, a->num() < 0);
}

struct Rel {
  std::string_view op;
  bool less;
  bool strict;
};

// v < value (upper) or v > value, as an interval.
Answer ray(bool upper, bool strict, Expr value) {
  Answer interval;
  interval.kind = AnswerKind::kTuple;
  if (upper) {
    interval.open = '(';
    interval.close = strict ? ')' : ']';
    interval.items = {expr_answer(negative_infinity()), expr_answer(std::move(value))};
  } else {
    interval.open = strict ? '(' : '[';
    interval.close = ')';
    interval.items = {expr_answer(std::move(value)), expr_answer(constant("infty"))};
  }
  return interval;
}

// "x > 3" -> (3, \infty); "a \\leq x < b" -> [a, b); "x \\leq 5" -> (-\infty, 5]; "-x > -1" -> (-\infty, 1).
std::optional<Answer> parse_inequality(std::string_view s) {
  static constexpr std::array<Rel, 6> kRels = {{{"\\leq", true, false}, {"\\geq", false, false},
                                                {"\\lt", true, true},   {"\\gt", false, true},
                                                {"<", true, true},      {">", false, true}}};
  std::vector<std::string_view> parts;
  std::vector<Rel> rels;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size();) {
    bool hit = false;
    for (const Rel& r : kRels) {
      if (s.compare(i, r.op.size(), r.op) == 0 &&
          !(r.op[0] == '\\' && i + r.op.size() < s.size() && is_alpha(s[i + r.op.size()]))) {
        parts.push_back(s.substr(start, i - start));
        rels.push_back(r);
        i += r.op.size();
        start = i;
        hit = true;
        break;
      }
    }
    if (!hit) ++i;
  }
  parts.push_back(s.substr(start));
  if (rels.empty() || rels.size() > 2) return std::nullopt;
  std::vector<std::optional<Expr>> exprs;
  for (std::string_view p : parts) exprs.push_back(parse_expression(trim(p)));
  for (const auto& e : exprs) {
    if (!e) return std::nullopt;
  }
  if (rels.size() == 1) {
    const bool var_left = exprs[0]->kind == ExprKind::kVariable;
    const bool var_right = exprs[1]->kind == ExprKind::kVariable;
    if (var_left != var_right) {
      // x < v (or v > x): (-inf, v); x > v (or v < x): (v, inf).
      return ray(var_left == rels[0].less, rels[0].strict, var_left ? *exprs[1] : *exprs[0]);
    }
    const auto root = solve_linear(*exprs[0], *exprs[1]);
    if (!root) return std::nullopt;
    // lhs - rhs = a v + b (op) 0: v (op) -b/a, the direction flipped when a < 0.
    const bool less = rels[0].less != root->second;
    return ray(less, rels[0].strict, number(root->first));
  }
  if (exprs[1]->kind != ExprKind::kVariable || rels[0].less != rels[1].less) return std::nullopt;
  const bool ascending = rels[0].less;
  const Rel& low_rel = ascending ? rels[0] : rels[1];
  const Rel& high_rel = ascending ? rels[1] : rels[0];
  Answer interval;
  interval.kind = AnswerKind::kTuple;
  interval.open = low_rel.strict ? '(' : '[';
  interval.close = high_rel.strict ? ')' : ']';
  interval.items = {expr_answer(ascending ? *exprs[0] : *exprs[2]), expr_answer(ascending ? *exprs[2] : *exprs[0])};
  return interval;
}

// "x \\neq 3" (or "3 \\neq x"): (-\infty, 3) \cup (3, \infty).
std::optional<Answer> parse_not_equal(std::string_view s) {
  const std::size_t at = s.find("\\neq");
  if (at == std::string_view::npos || s.find("\\neq", at + 4) != std::string_view::npos) return std::nullopt;
  auto lhs = parse_expression(trim(s.substr(0, at)));
  auto rhs = parse_expression(trim(s.substr(at + 4)));
  if (!lhs || !rhs) return std::nullopt;
  const bool var_left = lhs->kind == ExprKind::kVariable;
  if (var_left == (rhs->kind == ExprKind::kVariable)) return std::nullopt;
  const Expr& value = var_left ? *rhs : *lhs;
  Answer u;
  u.kind = AnswerKind::kUnion;
  u.items = {ray(true, true, value), ray(false, true, value)};
  return u;
}

}  // namespace

Answer expr_answer(Expr e) {
  Answer a;
  a.kind = AnswerKind::kExpr;
  a.expr = std::move(e);
  return a;
}

std::optional<Answer> parse_relation(std::string_view s) {
  if (auto ne = parse_not_equal(s)) return ne;
  return parse_inequality(s);
}

}  // namespace boxed::metrics
