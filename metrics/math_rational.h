// Exact rational numbers for grading: numerator and denominator in 128-bit integers, every
// operation checked for overflow. An operation that would overflow returns std::nullopt and the
// caller falls back to floating point (see math_eval.h), so exactness is never silently lost.
//
//   auto a = Rational::parse_decimal("0.125");   // 1/8
//   auto b = Rational::make(1, 8);
//   bool same = a && b && *a == *b;               // true
//   auto c = checked_add(*a, *b);                 // 1/4
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace boxed::metrics {

// GCC and Clang extension; __extension__ keeps -Wpedantic quiet about it.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

class Rational {
 public:
  Rational() = default;
  // num/den reduced to lowest terms with den > 0; nullopt when den == 0.
  static std::optional<Rational> make(Int128 num, Int128 den);
  static Rational integer(Int128 value) { return Rational(value, 1); }
  // "12", "-3.25", ".5", "1.2e-3", "7E5"; nullopt when the text is not such a number or the value
  // does not fit in 128 bits.
  static std::optional<Rational> parse_decimal(std::string_view text);

  Int128 num() const { return num_; }
  Int128 den() const { return den_; }
  bool is_integer() const { return den_ == 1; }
  bool is_zero() const { return num_ == 0; }
  long double to_long_double() const;
  std::string to_string() const;  // "3", "-1/2"

  friend bool operator==(const Rational&, const Rational&) = default;

 private:
  Rational(Int128 num, Int128 den) : num_(num), den_(den) {}
  Int128 num_ = 0;
  Int128 den_ = 1;
};

std::optional<Rational> checked_add(const Rational& a, const Rational& b);
std::optional<Rational> checked_sub(const Rational& a, const Rational& b);
std::optional<Rational> checked_mul(const Rational& a, const Rational& b);
std::optional<Rational> checked_div(const Rational& a, const Rational& b);  // nullopt on b == 0
std::optional<Rational> checked_neg(const Rational& a);
// a^e for an integer exponent (negative allowed when a != 0); nullopt on overflow.
std::optional<Rational> checked_pow(const Rational& a, long long e);

std::string int128_to_string(Int128 value);

}  // namespace boxed::metrics
