#include "metrics/latex_env.h"

#include <cctype>

#include "metrics/extract.h"
#include "metrics/math_latex.h"

namespace boxed::metrics {

std::optional<std::string> last_latex_env(std::string_view text) {
  std::optional<std::string_view> last;
  std::size_t i = 0;
  const std::size_t n = text.size();
  // The closing delimiter of an environment opened at `from`, or npos. `one_line`: a newline
  // ends the search (inline math does not span lines).
  auto find_close = [&](std::size_t from, std::string_view close, bool one_line) -> std::size_t {
    for (std::size_t k = from; k + close.size() <= n; ++k) {
      const char c = text[k];
      if (one_line && c == '\n') return std::string_view::npos;
      if (text.compare(k, close.size(), close) == 0) return k;
      if (c == '\\') ++k;  // "\\$" and "\\\\" are escaped characters, not delimiters
    }
    return std::string_view::npos;
  };
  // For each closing delimiter, a position before which a search for it is known to fail (a
  // failed search from p fails from any later q up to the same point), so that a megabyte of
  // unclosed "\\(" costs one scan, not one per delimiter.
  std::size_t known_dead[4] = {0, 0, 0, 0};
  while (i < n) {
    const char c = text[i];
    std::string_view close;
    std::size_t open_len = 0;
    bool one_line = false;
    int kind = 0;
    if (c == '\\' && i + 1 < n && (text[i + 1] == '[' || text[i + 1] == '(')) {
      close = text[i + 1] == '[' ? "\\]" : "\\)";
      open_len = 2;
      one_line = text[i + 1] == '(';
      kind = one_line ? 1 : 0;
    } else if (c == '\\') {
      i += 2;  // an escaped character ("\\$")
      continue;
    } else if (c == '$' && i + 1 < n && text[i + 1] == '$') {
      close = "$$";
      open_len = 2;
      kind = 2;
    } else if (c == '$' && !(i > 0 && std::isdigit(static_cast<unsigned char>(text[i - 1])))) {
      close = "$";
      open_len = 1;
      one_line = true;
      kind = 3;
    } else {
      ++i;
      continue;
    }
    const std::size_t end =
        i < known_dead[kind] ? std::string_view::npos : find_close(i + open_len, close, one_line);
    if (end == std::string_view::npos) {
      if (i >= known_dead[kind]) {
        const std::size_t eol = one_line ? text.find('\n', i) : std::string_view::npos;
        known_dead[kind] = eol == std::string_view::npos ? n : eol;
      }
      i += open_len;  // unclosed: read on after the delimiter
      continue;
    }
    const std::string_view inner = trim(text.substr(i + open_len, end - i - open_len));
    if (!inner.empty() && inner.size() <= kMaxAnswerBytes) last = inner;
    i = end + close.size();
  }
  if (!last) return std::nullopt;
  return std::string(*last);
}

}  // namespace boxed::metrics
