#include "metrics/math_expr.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace boxed::metrics {
namespace {

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Functions written as LaTeX commands (\sin) or plain words followed by "(" (sin(x)).
constexpr std::array<std::string_view, 20> kFunctions = {
    "sin",  "cos",    "tan",    "cot",    "sec",  "csc",  "arcsin", "arccos", "arctan", "sinh",
    "cosh", "tanh",   "ln",     "log",    "exp",  "sqrt", "floor",  "ceil",   "abs",    "lg"};

// Greek letters and the like, read as variables named after the command.
constexpr std::array<std::string_view, 28> kGreek = {
    "alpha", "beta",  "gamma", "delta", "epsilon", "varepsilon", "zeta",  "eta",   "theta", "vartheta",
    "iota",  "kappa", "lambda", "mu",   "nu",      "xi",         "rho",   "sigma", "tau",   "upsilon",
    "phi",   "varphi", "chi",  "psi",   "omega",   "Gamma",      "Delta", "Omega"};

bool contains(auto const& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::optional<Expr> parse_all() {
    auto e = parse_sum();
    skip_spaces();
    if (!e || pos_ != s_.size() || failed_) return std::nullopt;
    return e;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  int abs_depth_ = 0;
  std::size_t n_nodes_ = 0;
  bool failed_ = false;

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxExprDepth) p.failed_ = true;
    }
    ~DepthGuard() { --p.depth_; }
  };

  void skip_spaces() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  char peek() {
    skip_spaces();
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool eat(char c) {
    if (peek() == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // The command name at pos_ ("frac" for "\\frac"), without consuming it; "" if none.
  std::string_view peek_command() {
    skip_spaces();
    if (pos_ >= s_.size() || s_[pos_] != '\\') return {};
    std::size_t j = pos_ + 1;
    while (j < s_.size() && is_alpha(s_[j])) ++j;
    if (j == pos_ + 1 && j < s_.size()) return s_.substr(pos_ + 1, 1);  // "\\{", "\\|"
    return s_.substr(pos_ + 1, j - pos_ - 1);
  }
  void consume_command(std::string_view name) { pos_ += 1 + name.size(); }

  Expr node(ExprKind kind, std::vector<Expr> children = {}, std::string name = {}) {
    if (++n_nodes_ > kMaxExprNodes) failed_ = true;
    Expr e;
    e.kind = kind;
    e.children = std::move(children);
    e.name = std::move(name);
    return e;
  }
  Expr number(const Rational& q) {
    Expr e = node(ExprKind::kNumber);
    e.value = q;
    return e;
  }

  static void append_flat(Expr& parent, Expr child) {
    if (child.kind == parent.kind) {
      for (Expr& c : child.children) parent.children.push_back(std::move(c));
    } else {
      parent.children.push_back(std::move(child));
    }
  }

  std::optional<Expr> parse_sum() {
    DepthGuard guard(*this);
    if (failed_) return std::nullopt;
    auto first = parse_unary();
    if (!first) return std::nullopt;
    Expr sum = node(ExprKind::kAdd);
    append_flat(sum, std::move(*first));
    while (!failed_) {
      const char c = peek();
      if (c == '+' || c == '-') {
        ++pos_;
        auto rhs = parse_unary();
        if (!rhs) return std::nullopt;
        if (c == '-') {
          append_flat(sum, node(ExprKind::kNeg, {std::move(*rhs)}));
        } else {
          append_flat(sum, std::move(*rhs));
        }
      } else {
        break;
      }
    }
    if (sum.children.size() == 1) return std::move(sum.children[0]);
    return sum;
  }

  std::optional<Expr> parse_unary() {
    DepthGuard guard(*this);
    if (failed_) return std::nullopt;
    if (eat('-')) {
      auto e = parse_unary();
      if (!e) return std::nullopt;
      return node(ExprKind::kNeg, {std::move(*e)});
    }
    if (eat('+')) return parse_unary();
    return parse_term();
  }

  bool starts_atom() {
    const char c = peek();
    if (c == '\0') return false;
    if (is_digit(c) || c == '.' || is_alpha(c) || c == '(' || c == '{') return true;
    if (c == '|') return abs_depth_ == 0;
    if (c == '[') return true;
    if (c == '\\') {
      const std::string_view cmd = peek_command();
      return cmd == "frac" || cmd == "sqrt" || cmd == "pi" || cmd == "binom" || cmd == "infty" ||
             cmd == "lfloor" || cmd == "lceil" || contains(kFunctions, cmd) ||
             contains(kGreek, cmd);
    }
    return false;
  }

  std::optional<Expr> parse_term() {
    DepthGuard guard(*this);
    if (failed_) return std::nullopt;
    auto first = parse_power();
    if (!first) return std::nullopt;
    Expr acc = std::move(*first);
    while (!failed_) {
      const char c = peek();
      const std::string_view cmd = peek_command();
      bool divide = false;
      if (c == '*') {
        ++pos_;
      } else if (cmd == "cdot" || cmd == "times") {
        consume_command(cmd);
      } else if (c == '/') {
        ++pos_;
        divide = true;
      } else if (cmd == "div") {
        consume_command(cmd);
        divide = true;
      } else if (!starts_atom()) {
        break;
      }
      // A sign may follow an explicit operator: "2 \\cdot -3".
      auto rhs = (c == '*' || divide || cmd == "cdot" || cmd == "times") ? parse_signed_power()
                                                                          : parse_power();
      if (!rhs) return std::nullopt;
      if (divide) {
        acc = node(ExprKind::kDiv, {std::move(acc), std::move(*rhs)});
      } else {
        Expr product = node(ExprKind::kMul);
        append_flat(product, std::move(acc));
        append_flat(product, std::move(*rhs));
        acc = std::move(product);
      }
    }
    return acc;
  }

  std::optional<Expr> parse_signed_power() {
    if (eat('-')) {
      auto e = parse_signed_power();
      if (!e) return std::nullopt;
      return node(ExprKind::kNeg, {std::move(*e)});
    }
    eat('+');
    return parse_power();
  }

  std::optional<Expr> parse_power() {
    DepthGuard guard(*this);
    if (failed_) return std::nullopt;
    auto base = parse_postfix();
    if (!base) return std::nullopt;
    if (!eat('^')) return base;
    auto exponent = parse_exponent();
    if (!exponent) return std::nullopt;
    Expr p = node(ExprKind::kPow, {std::move(*base), std::move(*exponent)});
    // "n^2!" is rare; a factorial after a power applies to the power.
    while (eat('!')) p = node(ExprKind::kFunction, {std::move(p)}, "factorial");
    return p;
  }

  // TeX: the exponent is one token unless braced ("x^23" is x^2 3); plain text "x^-1" is allowed.
  std::optional<Expr> parse_exponent() {
    const char c = peek();
    if (c == '{') return parse_group('{', '}');
    if (c == '(') return parse_group('(', ')');
    if (is_digit(c)) {
      ++pos_;
      return number(Rational::integer(c - '0'));
    }
    if (c == '-' || c == '+') {
      ++pos_;
      auto e = parse_exponent();
      if (!e) return std::nullopt;
      if (c == '+') return e;
      return node(ExprKind::kNeg, {std::move(*e)});
    }
    return parse_single_token_arg();
  }

  std::optional<Expr> parse_postfix() {
    auto e = parse_atom();
    if (!e) return std::nullopt;
    while (peek() == '!' && !(pos_ + 1 < s_.size() && s_[pos_ + 1] == '=')) {
      ++pos_;
      e = node(ExprKind::kFunction, {std::move(*e)}, "factorial");
    }
    return e;
  }

  std::optional<Expr> parse_group(char open, char close) {
    if (!eat(open)) return std::nullopt;
    auto e = parse_sum();
    if (!e || !eat(close)) return std::nullopt;
    return e;
  }

  // An unbraced TeX argument: one character or one command ("\\frac 34", "\\sqrt3", "\\frac\\pi2").
  std::optional<Expr> parse_single_token_arg() {
    const char c = peek();
    if (c == '{') return parse_group('{', '}');
    if (is_digit(c)) {
      ++pos_;
      return number(Rational::integer(c - '0'));
    }
    if (is_alpha(c)) {
      ++pos_;
      if (c == 'i') return node(ExprKind::kConstant, {}, "i");
      if (c == 'e') return node(ExprKind::kConstant, {}, "e");
      return node(ExprKind::kVariable, {}, std::string(1, c));
    }
    if (c == '\\') return parse_atom();
    if (c == '(') return parse_group('(', ')');
    return std::nullopt;
  }

  std::optional<Rational> lex_number() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '.' && pos_ + 1 < s_.size() && is_digit(s_[pos_ + 1])) {
      ++pos_;
      while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      std::size_t j = pos_ + 1;
      if (j < s_.size() && (s_[j] == '-' || s_[j] == '+')) ++j;
      if (j < s_.size() && is_digit(s_[j])) {
        while (j < s_.size() && is_digit(s_[j])) ++j;
        pos_ = j;
      }
    }
    auto q = Rational::parse_decimal(s_.substr(start, pos_ - start));
    if (!q) failed_ = true;  // too large for 128 bits: compared as text by the caller
    return q;
  }

  // "137 \\frac{1}{2}": an integer then \frac of two integer literals is a mixed number.
  std::optional<Expr> maybe_mixed_number(const Rational& whole) {
    const std::size_t save = pos_;
    if (peek_command() != "frac") return std::nullopt;
    consume_command("frac");
    auto integer_arg = [&]() -> std::optional<Rational> {
      const char c = peek();
      if (c == '{') {
        ++pos_;
        skip_spaces();
        const std::size_t start = pos_;
        while (pos_ < s_.size() && is_digit(s_[pos_])) ++pos_;
        const std::size_t end = pos_;
        if (end == start || !eat('}')) return std::nullopt;
        return Rational::parse_decimal(s_.substr(start, end - start));
      }
      if (is_digit(c)) {
        ++pos_;
        return Rational::integer(c - '0');
      }
      return std::nullopt;
    };
    auto num = integer_arg();
    auto den = num ? integer_arg() : std::nullopt;
    if (!num || !den || den->is_zero()) {
      pos_ = save;
      return std::nullopt;
    }
    auto frac = checked_div(*num, *den);
    auto total = frac ? checked_add(whole, *frac) : std::nullopt;
    if (!total) {
      pos_ = save;
      return std::nullopt;
    }
    return number(*total);
  }

  std::optional<Expr> parse_function(std::string name) {
    if (name == "lg") name = "log10";
    std::optional<Expr> power;
    std::optional<Expr> base;
    for (int k = 0; k < 2; ++k) {
      if (peek() == '^') {
        ++pos_;
        power = parse_exponent();
        if (!power) return std::nullopt;
      } else if (peek() == '_') {
        ++pos_;
        base = parse_exponent();
        if (!base) return std::nullopt;
      }
    }
    // \sin^{-1} x is arcsin x.
    bool inverse = power && power->kind == ExprKind::kNeg && power->children[0].kind == ExprKind::kNumber &&
                   power->children[0].value == Rational::integer(1);
    if (inverse && (name == "sin" || name == "cos" || name == "tan")) {
      name = "arc" + name;
      power.reset();
    }
    std::optional<Expr> arg;
    if (peek() == '(') {
      arg = parse_group('(', ')');
    } else if (peek() == '{') {
      arg = parse_group('{', '}');
    } else {
      // "\\sin 2x": the argument is the following product of atoms, up to an operator or another
      // function.
      arg = parse_power();
      while (arg && !failed_ && starts_atom() && !contains(kFunctions, peek_command())) {
        auto more = parse_power();
        if (!more) return std::nullopt;
        Expr product = node(ExprKind::kMul);
        append_flat(product, std::move(*arg));
        append_flat(product, std::move(*more));
        arg = std::move(product);
      }
    }
    if (!arg) return std::nullopt;
    Expr f;
    if (name == "sqrt") {
      f = node(ExprKind::kRoot, {std::move(*arg), number(Rational::integer(2))});
    } else {
      std::vector<Expr> children;
      children.push_back(std::move(*arg));
      if (base) children.push_back(std::move(*base));
      f = node(ExprKind::kFunction, std::move(children), name);
    }
    if (power) f = node(ExprKind::kPow, {std::move(f), std::move(*power)});
    return f;
  }

  std::optional<Expr> parse_atom() {
    DepthGuard guard(*this);
    if (failed_) return std::nullopt;
    const char c = peek();
    if (c == '\0') return std::nullopt;
    if (is_digit(c) || (c == '.' && pos_ + 1 < s_.size() && is_digit(s_[pos_ + 1]))) {
      auto q = lex_number();
      if (!q) return std::nullopt;
      if (q->is_integer()) {
        if (auto mixed = maybe_mixed_number(*q)) return mixed;
      }
      return number(*q);
    }
    if (c == '(') return parse_group('(', ')');
    if (c == '{') return parse_group('{', '}');
    if (c == '[') return parse_group('[', ']');
    if (c == '|') {
      ++pos_;
      ++abs_depth_;
      auto e = parse_sum();
      --abs_depth_;
      if (!e || !eat('|')) return std::nullopt;
      return node(ExprKind::kFunction, {std::move(*e)}, "abs");
    }
    if (is_alpha(c)) {
      // Plain-text functions and pi: "sqrt(3)", "sin(x)", "pi".
      std::size_t j = pos_;
      while (j < s_.size() && is_alpha(s_[j])) ++j;
      const std::string_view word = s_.substr(pos_, j - pos_);
      for (std::string_view f : kFunctions) {
        if (word.starts_with(f) && j == pos_ + f.size() && j < s_.size() && s_[j] == '(') {
          pos_ = j;
          return parse_function(std::string(f));
        }
      }
      if (word == "pi") {
        pos_ = j;
        return node(ExprKind::kConstant, {}, "pi");
      }
      ++pos_;
      std::string name(1, c);
      if (peek() == '_') {
        ++pos_;
        const char d = peek();
        if (d == '{') {
          const std::size_t open = pos_;
          int depth = 0;
          std::size_t k = open;
          for (; k < s_.size(); ++k) {
            if (s_[k] == '{') ++depth;
            if (s_[k] == '}' && --depth == 0) break;
          }
          if (k >= s_.size()) return std::nullopt;
          name += "_" + std::string(s_.substr(open + 1, k - open - 1));
          pos_ = k + 1;
        } else if (is_alpha(d) || is_digit(d)) {
          name += "_";
          name += d;
          ++pos_;
        } else {
          return std::nullopt;
        }
        return node(ExprKind::kVariable, {}, name);
      }
      if (c == 'i') return node(ExprKind::kConstant, {}, "i");
      if (c == 'e') return node(ExprKind::kConstant, {}, "e");
      return node(ExprKind::kVariable, {}, name);
    }
    if (c == '\\') {
      const std::string_view cmd = peek_command();
      consume_command(cmd);
      if (cmd == "frac") {
        auto num = parse_single_token_arg();
        auto den = num ? parse_single_token_arg() : std::nullopt;
        if (!num || !den) return std::nullopt;
        return node(ExprKind::kDiv, {std::move(*num), std::move(*den)});
      }
      if (cmd == "binom") {
        auto n = parse_single_token_arg();
        auto k = n ? parse_single_token_arg() : std::nullopt;
        if (!n || !k) return std::nullopt;
        return node(ExprKind::kFunction, {std::move(*n), std::move(*k)}, "binom");
      }
      if (cmd == "sqrt") {
        Expr degree = number(Rational::integer(2));
        if (peek() == '[') {
          auto d = parse_group('[', ']');
          if (!d) return std::nullopt;
          degree = std::move(*d);
        }
        auto radicand = parse_single_token_arg();
        if (!radicand) return std::nullopt;
        return node(ExprKind::kRoot, {std::move(*radicand), std::move(degree)});
      }
      if (cmd == "pi") return node(ExprKind::kConstant, {}, "pi");
      if (cmd == "infty") return node(ExprKind::kConstant, {}, "infty");
      if (cmd == "lfloor" || cmd == "lceil") {
        auto e = parse_sum();
        const std::string_view close = cmd == "lfloor" ? "rfloor" : "rceil";
        if (!e || peek_command() != close) return std::nullopt;
        consume_command(close);
        return node(ExprKind::kFunction, {std::move(*e)}, cmd == "lfloor" ? "floor" : "ceil");
      }
      if (contains(kFunctions, cmd)) return parse_function(std::string(cmd));
      if (contains(kGreek, cmd)) return node(ExprKind::kVariable, {}, "\\" + std::string(cmd));
      return std::nullopt;
    }
    return std::nullopt;
  }
};

void collect_variables(const Expr& e, std::set<std::string>& out) {
  if (e.kind == ExprKind::kVariable) out.insert(e.name);
  for (const Expr& c : e.children) collect_variables(c, out);
}

}  // namespace

std::optional<Expr> parse_expression(std::string_view text) {
  if (text.empty() || text.size() > 4096) return std::nullopt;
  return Parser(text).parse_all();
}

std::vector<std::string> expression_variables(const Expr& e) {
  std::set<std::string> names;
  collect_variables(e, names);
  return {names.begin(), names.end()};
}

std::string to_string(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumber:
      return e.value.to_string();
    case ExprKind::kVariable:
    case ExprKind::kConstant:
      return e.name;
    case ExprKind::kNeg:
      return "-(" + to_string(e.children[0]) + ")";
    case ExprKind::kDiv:
      return "(" + to_string(e.children[0]) + ")/(" + to_string(e.children[1]) + ")";
    case ExprKind::kPow:
      return "(" + to_string(e.children[0]) + ")^(" + to_string(e.children[1]) + ")";
    case ExprKind::kRoot:
      return "root(" + to_string(e.children[0]) + "," + to_string(e.children[1]) + ")";
    case ExprKind::kAdd:
    case ExprKind::kMul:
    case ExprKind::kFunction: {
      std::string out = e.kind == ExprKind::kFunction ? e.name + "(" : "(";
      const char* sep = e.kind == ExprKind::kAdd ? "+" : (e.kind == ExprKind::kMul ? "*" : ",");
      for (std::size_t i = 0; i < e.children.size(); ++i) {
        if (i) out += sep;
        out += to_string(e.children[i]);
      }
      return out + ")";
    }
  }
  return {};
}

}  // namespace boxed::metrics
