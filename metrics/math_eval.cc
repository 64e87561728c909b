#include "metrics/math_eval.h"

#include <cmath>
#include <array>
#include <functional>
#include <numbers>
#include <set>

namespace boxed::metrics {
namespace {

using Complex = std::complex<long double>;

bool finite(const Complex& z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); }

Value from_rational(const Rational& q) { return Value{Complex(q.to_long_double(), 0), q}; }
Value from_complex(Complex z) { return Value{z, std::nullopt}; }

// Exact n-th root of a rational when numerator and denominator are perfect n-th powers.
std::optional<Rational> exact_root(const Rational& q, long long n) {
  if (n < 1 || n > 64) return std::nullopt;
  if (q.num() < 0 && n % 2 == 0) return std::nullopt;
  auto int_root = [n](Int128 v) -> std::optional<Int128> {
    const bool negative = v < 0;
    if (negative) v = -v;
    const long double guess = std::pow(static_cast<long double>(v), 1.0L / static_cast<long double>(n));
    const Int128 g = static_cast<Int128>(std::llround(guess));
    for (Int128 cand = g > 1 ? g - 1 : 0; cand <= g + 1; ++cand) {
      auto p = checked_pow(Rational::integer(cand), n);
      if (p && p->num() == v) return negative ? -cand : cand;
    }
    return std::nullopt;
  };
  auto num = int_root(q.num());
  auto den = int_root(q.den());
  if (!num || !den) return std::nullopt;
  return Rational::make(*num, *den);
}

std::optional<Complex> real_root(Complex x, long double n) {
  // Odd roots of negative reals are real: \sqrt[3]{-8} = -2 (the convention of MATH solutions).
  if (x.imag() == 0 && x.real() < 0 && std::fmod(n, 2.0L) == 1.0L) {
    return Complex(-std::pow(-x.real(), 1.0L / n), 0);
  }
  if (n == 2) return std::sqrt(x);
  return std::pow(x, 1.0L / n);
}

std::optional<Value> apply_function(const std::string& name, const std::vector<Value>& args) {
  const Complex x = args[0].z;
  if (name == "factorial") {
    if (args[0].exact && args[0].exact->is_integer()) {
      const Int128 n = args[0].exact->num();
      if (n < 0) return std::nullopt;
      if (n > 170) return std::nullopt;  // beyond long double range
      Rational acc = Rational::integer(1);
      bool exact = true;
      for (Int128 k = 2; k <= n && exact; ++k) {
        auto next = checked_mul(acc, Rational::integer(k));
        if (next) acc = *next; else exact = false;
      }
      if (exact) return from_rational(acc);
      return from_complex(Complex(std::tgamma(static_cast<long double>(n) + 1), 0));
    }
    if (x.imag() != 0) return std::nullopt;
    return from_complex(Complex(std::tgamma(x.real() + 1), 0));
  }
  if (name == "binom") {
    if (args[0].exact && args[1].exact && args[0].exact->is_integer() && args[1].exact->is_integer()) {
      const Int128 n = args[0].exact->num();
      const Int128 k = args[1].exact->num();
      if (k < 0 || n < 0 || k > n) return from_rational(Rational::integer(0));
      Rational acc = Rational::integer(1);
      for (Int128 j = 1; j <= k && j <= 200; ++j) {
        auto m = checked_mul(acc, Rational::integer(n - k + j));
        auto d = m ? checked_div(*m, Rational::integer(j)) : std::nullopt;
        if (!d) break;
        acc = *d;
        if (j == k) return from_rational(acc);
      }
    }
    const long double n = x.real(), k = args[1].z.real();
    return from_complex(Complex(std::exp(std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1)), 0));
  }
  if (name == "abs") {
    if (args[0].exact) {
      const Rational& q = *args[0].exact;
      return from_rational(q.num() < 0 ? *checked_neg(q) : q);
    }
    return from_complex(Complex(std::abs(x), 0));
  }
  if (name == "floor" || name == "ceil") {
    if (x.imag() != 0) return std::nullopt;
    const long double r = name == "floor" ? std::floor(x.real()) : std::ceil(x.real());
    if (std::fabs(r) < 1e30L) return from_rational(Rational::integer(static_cast<Int128>(r)));
    return from_complex(Complex(r, 0));
  }
  Complex r;
  if (name == "sin") r = std::sin(x);
  else if (name == "cos") r = std::cos(x);
  else if (name == "tan") r = std::tan(x);
  else if (name == "cot") r = 1.0L / std::tan(x);
  else if (name == "sec") r = 1.0L / std::cos(x);
  else if (name == "csc") r = 1.0L / std::sin(x);
  else if (name == "arcsin") r = std::asin(x);
  else if (name == "arccos") r = std::acos(x);
  else if (name == "arctan") r = std::atan(x);
  else if (name == "sinh") r = std::sinh(x);
  else if (name == "cosh") r = std::cosh(x);
  else if (name == "tanh") r = std::tanh(x);
  else if (name == "exp") r = std::exp(x);
  else if (name == "ln") {
    if (x == Complex(0, 0)) return std::nullopt;
    r = std::log(x);
  } else if (name == "log" || name == "log10") {
    if (x == Complex(0, 0)) return std::nullopt;
    // \log without a base: natural log (sympy's and Math-Verify's reading); \log_b x: base b.
    if (args.size() > 1) {
      const Complex lb = std::log(args[1].z);
      if (lb == Complex(0, 0)) return std::nullopt;
      r = std::log(x) / lb;
    } else {
      r = name == "log10" ? std::log10(x) : std::log(x);
    }
  } else {
    return std::nullopt;
  }
  if (!finite(r)) return std::nullopt;
  return from_complex(r);
}

std::optional<Value> power(const Value& base, const Value& exponent) {
  if (base.exact && exponent.exact) {
    const Rational& e = *exponent.exact;
    if (e.is_integer() && e.num() >= -100000 && e.num() <= 100000) {
      if (auto p = checked_pow(*base.exact, static_cast<long long>(e.num()))) return from_rational(*p);
      if (base.exact->is_zero() && e.num() < 0) return std::nullopt;
    } else if (!e.is_integer() && e.den() <= 64 && e.num() >= -64 && e.num() <= 64) {
      // 8^{2/3} = 4 exactly.
      if (auto root = exact_root(*base.exact, static_cast<long long>(e.den()))) {
        if (auto p = checked_pow(*root, static_cast<long long>(e.num()))) return from_rational(*p);
      }
    }
  }
  if (base.z == Complex(0, 0)) {
    if (exponent.z.real() > 0) return from_rational(Rational::integer(0));
    return std::nullopt;
  }
  Complex r;
  if (exponent.exact && !exponent.exact->is_integer() && base.z.imag() == 0 && base.z.real() < 0 &&
      exponent.exact->den() % 2 == 1) {
    // (-8)^{1/3} = -2, the real root, as MATH solutions read it.
    const long double mag = std::pow(-base.z.real(), exponent.z.real());
    r = Complex(exponent.exact->num() % 2 == 0 ? mag : -mag, 0);
  } else if (exponent.exact && exponent.exact->is_integer() && base.z.imag() == 0) {
    r = Complex(std::pow(base.z.real(), exponent.z.real()), 0);
  } else {
    r = std::pow(base.z, exponent.z);
  }
  if (!finite(r)) return std::nullopt;
  return from_complex(r);
}

std::optional<Value> eval(const Expr& e, const Assignment& vars) {
  switch (e.kind) {
    case ExprKind::kNumber:
      return from_rational(e.value);
    case ExprKind::kVariable: {
      auto it = vars.find(e.name);
      if (it == vars.end()) return std::nullopt;
      return from_rational(it->second);
    }
    case ExprKind::kConstant:
      if (e.name == "pi") return from_complex(Complex(std::numbers::pi_v<long double>, 0));
      if (e.name == "i") return from_complex(Complex(0, 1));
      if (e.name == "e") return from_complex(Complex(std::numbers::e_v<long double>, 0));
      return std::nullopt;  // infinity is not a value; intervals handle it structurally
    case ExprKind::kNeg: {
      auto a = eval(e.children[0], vars);
      if (!a) return std::nullopt;
      if (a->exact) return from_rational(*checked_neg(*a->exact));
      return from_complex(-a->z);
    }
    case ExprKind::kAdd:
    case ExprKind::kMul: {
      const bool add = e.kind == ExprKind::kAdd;
      Value acc = from_rational(Rational::integer(add ? 0 : 1));
      for (const Expr& c : e.children) {
        auto v = eval(c, vars);
        if (!v) return std::nullopt;
        std::optional<Rational> exact;
        if (acc.exact && v->exact) {
          exact = add ? checked_add(*acc.exact, *v->exact) : checked_mul(*acc.exact, *v->exact);
        }
        acc = exact ? from_rational(*exact) : from_complex(add ? acc.z + v->z : acc.z * v->z);
      }
      if (!finite(acc.z)) return std::nullopt;
      return acc;
    }
    case ExprKind::kDiv: {
      auto a = eval(e.children[0], vars);
      auto b = a ? eval(e.children[1], vars) : std::nullopt;
      if (!a || !b) return std::nullopt;
      if (b->z == Complex(0, 0) || (b->exact && b->exact->is_zero())) return std::nullopt;
      if (a->exact && b->exact) {
        if (auto q = checked_div(*a->exact, *b->exact)) return from_rational(*q);
      }
      const Complex r = a->z / b->z;
      if (!finite(r)) return std::nullopt;
      return from_complex(r);
    }
    case ExprKind::kPow: {
      auto a = eval(e.children[0], vars);
      auto b = a ? eval(e.children[1], vars) : std::nullopt;
      if (!a || !b) return std::nullopt;
      return power(*a, *b);
    }
    case ExprKind::kRoot: {
      auto a = eval(e.children[0], vars);
      auto n = a ? eval(e.children[1], vars) : std::nullopt;
      if (!a || !n) return std::nullopt;
      if (a->exact && n->exact && n->exact->is_integer()) {
        if (auto r = exact_root(*a->exact, static_cast<long long>(n->exact->num()))) return from_rational(*r);
      }
      if (n->z.imag() != 0 || n->z.real() == 0) return std::nullopt;
      auto r = real_root(a->z, n->z.real());
      if (!r || !finite(*r)) return std::nullopt;
      return from_complex(*r);
    }
    case ExprKind::kFunction: {
      std::vector<Value> args;
      for (const Expr& c : e.children) {
        auto v = eval(c, vars);
        if (!v) return std::nullopt;
        args.push_back(*v);
      }
      if (args.empty()) return std::nullopt;
      if (e.name == "binom" && args.size() != 2) return std::nullopt;
      return apply_function(e.name, args);
    }
  }
  return std::nullopt;
}

// Generic rationals, far from the special points of the functions in answers (0, ±1, multiples
// of pi/2) and from each other; their denominators are distinct primes so that different
// variables never coincide.
constexpr std::array<std::pair<int, int>, 16> kPointTable = {{
    {7, 11},  {-13, 17}, {19, 23},  {31, 29},  {-37, 41}, {43, 47}, {53, 59},  {-61, 67},
    {71, 73}, {89, 83},  {-97, 79}, {103, 101}, {11, 107}, {-5, 113}, {127, 109}, {3, 131}}};

void collect(const Expr& e, std::set<std::string>& out) {
  if (e.kind == ExprKind::kVariable) out.insert(e.name);
  for (const Expr& c : e.children) collect(c, out);
}

bool agree_at_points(const Expr& a, const Expr& b,
                     const std::function<bool(const Value&, const Value&)>& same) {
  std::set<std::string> names;
  collect(a, names);
  collect(b, names);
  int n_defined = 0;
  const int n_points = names.empty() ? 1 : kNumPoints;
  for (int p = 0; p < n_points; ++p) {
    Assignment vars;
    int index = 0;
    for (const std::string& n : names) vars.emplace(n, point_value(index++, p));
    auto va = eval(a, vars);
    auto vb = eval(b, vars);
    if (!va && !vb) continue;
    if (!va || !vb) return false;
    if (!same(*va, *vb)) return false;
    ++n_defined;
  }
  return n_defined > 0;
}

}  // namespace

std::optional<Value> evaluate(const Expr& e, const Assignment& vars) { return eval(e, vars); }

bool values_equal(const Value& a, const Value& b) {
  if (a.exact && b.exact) return *a.exact == *b.exact;
  const long double diff = std::abs(a.z - b.z);
  const long double scale = std::max(std::abs(a.z), std::abs(b.z));
  if (scale < kAbsoluteTolerance) return true;
  return diff <= kRelativeTolerance * scale;
}

Rational point_value(int variable_index, int point) {
  // 3 is coprime to the table size, so up to 16 variables get distinct values at every point.
  const std::size_t slot =
      static_cast<std::size_t>(variable_index * 3 + point * 7) % kPointTable.size();
  const auto& [num, den] = kPointTable[slot];
  return *Rational::make(num, den);
}

bool expressions_equal(const Expr& a, const Expr& b) { return agree_at_points(a, b, values_equal); }

bool expressions_proportional(const Expr& a, const Expr& b) {
  std::optional<Value> ratio;
  return agree_at_points(a, b, [&](const Value& va, const Value& vb) {
    if (values_equal(vb, from_rational(Rational::integer(0)))) {
      return values_equal(va, from_rational(Rational::integer(0)));
    }
    Value r;
    if (va.exact && vb.exact) {
      auto q = checked_div(*va.exact, *vb.exact);
      r = q ? from_rational(*q) : from_complex(va.z / vb.z);
    } else {
      r = from_complex(va.z / vb.z);
    }
    if (values_equal(r, from_rational(Rational::integer(0)))) return false;
    if (!ratio) {
      ratio = r;
      return true;
    }
    return values_equal(*ratio, r);
  });
}

}  // namespace boxed::metrics
