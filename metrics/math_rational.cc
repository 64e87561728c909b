#include "metrics/math_rational.h"


namespace boxed::metrics {
namespace {

constexpr Int128 kMax = static_cast<Int128>((~static_cast<UInt128>(0)) >> 1);
constexpr Int128 kMin = -kMax - 1;

Int128 abs128(Int128 v) { return v < 0 ? -v : v; }

Int128 gcd128(Int128 a, Int128 b) {
  a = abs128(a);
  b = abs128(b);
  while (b != 0) {
    const Int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

std::optional<Int128> mul(Int128 a, Int128 b) {
  Int128 r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}
std::optional<Int128> add(Int128 a, Int128 b) {
  Int128 r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

}  // namespace

std::optional<Rational> Rational::make(Int128 num, Int128 den) {
  if (den == 0) return std::nullopt;
  if (num == kMin || den == kMin) return std::nullopt;  // cannot negate
  if (den < 0) {
    num = -num;
    den = -den;
  }
  const Int128 g = gcd128(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  return Rational(num, den);
}

std::optional<Rational> Rational::parse_decimal(std::string_view s) {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  Int128 mantissa = 0;
  int n_digits = 0;
  int n_fraction = 0;
  bool seen_point = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      auto m = mul(mantissa, 10);
      if (!m) return std::nullopt;
      auto a = add(*m, c - '0');
      if (!a) return std::nullopt;
      mantissa = *a;
      ++n_digits;
      if (seen_point) ++n_fraction;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (n_digits == 0) return std::nullopt;
  long long exponent = -n_fraction;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) exp_negative = s[i++] == '-';
    long long e = 0;
    int n_exp_digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (e > 100000) return std::nullopt;
      e = e * 10 + (s[i] - '0');
      ++n_exp_digits;
    }
    if (n_exp_digits == 0) return std::nullopt;
    exponent += exp_negative ? -e : e;
  }
  if (i != s.size()) return std::nullopt;
  if (negative) mantissa = -mantissa;
  auto value = make(mantissa, 1);
  if (!value) return std::nullopt;
  if (exponent == 0) return value;
  auto scale = checked_pow(Rational::integer(10), exponent);
  if (!scale) return std::nullopt;
  return checked_mul(*value, *scale);
}

long double Rational::to_long_double() const {
  return static_cast<long double>(num_) / static_cast<long double>(den_);
}

std::string int128_to_string(Int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  UInt128 u = negative ? static_cast<UInt128>(-(value + 1)) + 1 : static_cast<UInt128>(value);
  std::string digits;
  while (u != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

std::string Rational::to_string() const {
  if (den_ == 1) return int128_to_string(num_);
  return int128_to_string(num_) + "/" + int128_to_string(den_);
}

std::optional<Rational> checked_add(const Rational& a, const Rational& b) {
  const Int128 g = gcd128(a.den(), b.den());
  auto l = mul(a.num(), b.den() / g);
  auto r = mul(b.num(), a.den() / g);
  auto d = mul(a.den() / g, b.den());
  if (!l || !r || !d) return std::nullopt;
  auto n = add(*l, *r);
  if (!n) return std::nullopt;
  return Rational::make(*n, *d);
}

std::optional<Rational> checked_neg(const Rational& a) { return Rational::make(-a.num(), a.den()); }

std::optional<Rational> checked_sub(const Rational& a, const Rational& b) {
  auto nb = checked_neg(b);
  if (!nb) return std::nullopt;
  return checked_add(a, *nb);
}

std::optional<Rational> checked_mul(const Rational& a, const Rational& b) {
  // Cross-reduce first so that products of reduced fractions overflow as late as possible.
  const Int128 g1 = gcd128(a.num(), b.den());
  const Int128 g2 = gcd128(b.num(), a.den());
  const Int128 d1 = g1 == 0 ? 1 : g1;
  const Int128 d2 = g2 == 0 ? 1 : g2;
  auto n = mul(a.num() / d1, b.num() / d2);
  auto d = mul(a.den() / d2, b.den() / d1);
  if (!n || !d) return std::nullopt;
  return Rational::make(*n, *d);
}

std::optional<Rational> checked_div(const Rational& a, const Rational& b) {
  if (b.is_zero()) return std::nullopt;
  auto inv = Rational::make(b.den(), b.num());
  if (!inv) return std::nullopt;
  return checked_mul(a, *inv);
}

std::optional<Rational> checked_pow(const Rational& a, long long e) {
  if (e < 0) {
    if (a.is_zero()) return std::nullopt;
    auto inv = Rational::make(a.den(), a.num());
    if (!inv) return std::nullopt;
    return checked_pow(*inv, -e);
  }
  Rational result = Rational::integer(1);
  Rational base = a;
  // Beyond 2^127 nothing but 0, 1 and -1 survives; refuse early instead of looping.
  if (e > 256 && !(a.is_zero() || (a.den() == 1 && abs128(a.num()) == 1))) return std::nullopt;
  while (e > 0) {
    if (e & 1) {
      auto r = checked_mul(result, base);
      if (!r) return std::nullopt;
      result = *r;
    }
    e >>= 1;
    if (e > 0) {
      auto b = checked_mul(base, base);
      if (!b) return std::nullopt;
      base = *b;
    }
  }
  return result;
}

}  // namespace boxed::metrics
