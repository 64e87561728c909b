#include "metrics/extract.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "metrics/choice.h"
#include "metrics/latex_env.h"
#include "metrics/math_latex.h"

namespace boxed::metrics {
namespace {

// A region of the response searched for an answer.
struct Found {
  std::string answer;
  AnswerSource source = AnswerSource::kNone;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// True when a box command starts at `pos`: "\boxed" or "\fbox" ("\boxedfoo" is another command).
bool box_command_at(std::string_view text, std::size_t pos) {
  const std::string_view rest = text.substr(pos);
  std::size_t len = 0;
  if (rest.starts_with("\\boxed")) len = 6;
  else if (rest.starts_with("\\fbox")) len = 5;
  return len > 0 && (rest.size() == len || !std::isalpha(static_cast<unsigned char>(rest[len])));
}

// Start offsets of every box command in `text`.
// A memchr scan for the backslash rather than RE2: the candidates are two fixed words, and RE2's
// per-match overhead (~0.4 us) made a megabyte of "\boxed{" cost 60 ms for 150k matches; this
// scan is linear with a tiny constant. RE2 does the pattern work below (markers, numbers,
// choice letters).
std::vector<std::size_t> box_starts(std::string_view text) {
  std::vector<std::size_t> starts;
  std::size_t pos = 0;
  while ((pos = text.find('\\', pos)) != std::string_view::npos) {
    if (box_command_at(text, pos)) starts.push_back(pos);
    ++pos;
  }
  return starts;
}

enum class BoxScan { kFound, kEmpty, kUnclosed };

// Reads the box at `start`; `stop` is where the next (already rejected as unclosed) box begins:
// reaching it while still open means this box is unclosed too, which keeps the total work linear.
BoxScan read_box(std::string_view text, std::size_t start, std::size_t stop, std::string* out,
                 std::size_t* end) {
  std::size_t i = start + 1;
  while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) {
    ++i;  // the command name: "boxed" or "fbox"
  }
  while (i < text.size() && is_space(text[i])) ++i;
  if (i < text.size() && text[i] == '{') {
    // A small scanner balances the braces, which a regular expression cannot.
    const std::size_t limit = std::min({text.size(), stop, i + kMaxAnswerBytes + 2});
    int depth = 0;
    for (std::size_t k = i; k < limit; ++k) {
      const char c = text[k];
      if (c == '\\') {
        ++k;
        continue;
      }
      if (c == '{') {
        if (++depth > kMaxBraceDepth) return BoxScan::kUnclosed;
      } else if (c == '}' && --depth == 0) {
        std::string_view inner = trim(text.substr(i + 1, k - i - 1));
        if (inner.empty()) return BoxScan::kEmpty;
        *out = std::string(inner);
        *end = k + 1;
        return BoxScan::kFound;
      }
    }
    return BoxScan::kUnclosed;
  }
  // "\boxed 5", "\boxed5": TeX reads one token; models write "\boxed 5" and "\boxed 42$". The
  // token ends before another box command: in "\boxed\boxed{5}" the first box has no argument of
  // its own (reading one through the second box made "\boxed\boxed x" the answer "\boxed x, x").
  if (i >= text.size() || text[i] == '$' || text[i] == '}') return BoxScan::kEmpty;
  std::size_t k = i;
  while (k < text.size() && k - i < 64 && !is_space(text[k]) && text[k] != '$' && text[k] != '}' &&
         !(text[k] == '\\' && box_command_at(text, k))) {
    ++k;
  }
  std::string_view token = text.substr(i, k - i);
  while (!token.empty() && (token.back() == '.' || token.back() == ',')) token.remove_suffix(1);
  if (token.empty()) return BoxScan::kEmpty;
  *out = std::string(token);
  *end = k;
  return BoxScan::kFound;
}

// True when `gap` (the text between two boxes) only separates them: spaces, ",", ";", "$",
// "and", "\\text{ and }", "\\quad". "\\boxed{1}, \\boxed{-2}" is one answer of two values;
// "\\boxed{3}, wait, \\boxed{4}" is a correction.
bool only_separators(std::string_view gap) {
  std::string rest(gap);
  for (std::string_view word : {"\\text{ and }", "\\text{and}", "\\text{ and}", "\\text{and }",
                                "\\quad", "\\,", "and"}) {
    for (std::size_t at; (at = rest.find(word)) != std::string::npos;) rest.erase(at, word.size());
  }
  for (char c : rest) {
    if (!is_space(c) && c != ',' && c != ';' && c != '$') return false;
  }
  return true;
}

// The last complete box: a truncated final box ("\boxed{\frac{1") falls back to the one before.
// Boxes right before it with only separators between ("\boxed{1}, \boxed{-2}", "\boxed{1}\boxed{2}")
// are the parts of one answer and are joined with ", " (at most kMaxJoinedBoxes of them).
std::optional<std::string> last_box(std::string_view text) {
  constexpr std::size_t kMaxJoinedBoxes = 16;
  const std::vector<std::size_t> starts = box_starts(text);
  std::size_t stop = text.size();
  for (std::size_t n = starts.size(); n-- > 0;) {
    std::string content;
    std::size_t end = 0;
    switch (read_box(text, starts[n], stop, &content, &end)) {
      case BoxScan::kFound: {
        std::vector<std::string> parts = {content};
        for (std::size_t m = n; m-- > 0 && parts.size() < kMaxJoinedBoxes;) {
          std::string previous;
          std::size_t previous_end = 0;
          if (read_box(text, starts[m], starts[m + 1], &previous, &previous_end) != BoxScan::kFound ||
              !only_separators(text.substr(previous_end, starts[m + 1] - previous_end))) {
            break;
          }
          parts.push_back(std::move(previous));
        }
        if (parts.size() == 1) return content;
        std::string joined;
        for (std::size_t p = parts.size(); p-- > 0;) joined += parts[p] + (p ? ", " : "");
        return joined;
      }
      case BoxScan::kEmpty:
        break;
      case BoxScan::kUnclosed:
        stop = starts[n];
        break;
    }
  }
  return std::nullopt;
}

// Runs `find_last` (which returns the last occurrence of something in its argument) on the tail of
// `text` first, then on the whole text only if the tail holds none. RE2 costs ~0.15 us per match
// found, so a megabyte of "Answer: Answer: ..." or "12 12 12 ..." would cost tens of
// milliseconds when scanned whole; the answer is nearly always near the end. The tail starts at a
// line break (or at least outside a number) so that no match is cut in two.
template <typename FindLast>
auto search_from_tail(std::string_view text, FindLast&& find_last) -> decltype(find_last(text)) {
  constexpr std::size_t kTailBytes = 8192;
  constexpr std::size_t kMaxBacktrack = 256;
  if (text.size() > kTailBytes) {
    std::size_t start = text.size() - kTailBytes;
    const std::size_t floor = start - std::min(start, kMaxBacktrack);
    std::size_t at = start;
    while (at > floor && text[at - 1] != '\n') --at;
    if (at > floor) {
      start = at;
    } else {
      while (start > floor && (std::isdigit(static_cast<unsigned char>(text[start - 1])) ||
                               text[start - 1] == ',' || text[start - 1] == '.' || text[start - 1] == '-')) {
        --start;
      }
    }
    if (auto found = find_last(text.substr(start))) return found;
  }
  return find_last(text);
}

// The text after the last answer marker: "The final answer is $\frac{1}{2}$.", "**Answer:** 7".
std::optional<std::string> last_marker_in(std::string_view text);
std::optional<std::string> last_marker(std::string_view text) {
  // "" from last_marker_in: the last marker has nothing after it, which is final (no fallback).
  auto found = search_from_tail(text, last_marker_in);
  if (found && found->empty()) return std::nullopt;
  return found;
}
std::optional<std::string> last_marker_in(std::string_view text) {
  // "answer" alone is not a marker ("let me check the answer again"); it needs "is", ":" or "=".
  static const RE2 kMarker(
      R"((?i)(?:final\s+answer\**\s*(?:is|:|=)?|\banswer\**\s*(?:is|:|=))\s*:?)");
  // "Answer $ 9 $", "Answer \\( 9 \\)": "answer" right before math also marks it.
  static const RE2 kMarkerMath(R"((?i)\banswer\s*(\$|\\\(|\\\[))");
  re2::StringPiece input(text.data(), text.size());
  std::optional<std::size_t> last_end;
  for (const RE2* re : {&kMarker, &kMarkerMath}) {
    re2::StringPiece groups[2];
    const int n_groups = re == &kMarker ? 1 : 2;
    std::size_t pos = 0;
    while (pos < text.size() && re->Match(input, pos, text.size(), RE2::UNANCHORED, groups, n_groups)) {
      const std::size_t start = static_cast<std::size_t>(groups[0].data() - text.data());
      // For kMarkerMath the answer starts at the delimiter (group 1), which the reader below needs.
      const std::size_t end = n_groups == 2 ? static_cast<std::size_t>(groups[1].data() - text.data())
                                            : start + groups[0].size();
      if (!last_end || end > *last_end) last_end = end;
      pos = std::max(start + groups[0].size(), pos + 1);
    }
  }
  if (!last_end) return std::nullopt;
  std::size_t i = *last_end;
  while (i < text.size() && (is_space(text[i]) || text[i] == '*' || text[i] == ':')) ++i;
  std::string_view rest = text.substr(i, std::min<std::size_t>(text.size() - i, 512));
  std::string_view answer;
  auto delimited = [&](std::string_view open, std::string_view close) -> bool {
    if (!rest.starts_with(open)) return false;
    // The closing delimiter, skipping escaped characters: "$\\$32,\\!348$" holds "\\$32,\\!348".
    for (std::size_t k = open.size(); k + close.size() <= rest.size(); ++k) {
      if (rest[k] == '\\' && !(close[0] == '\\' && rest.substr(k, close.size()) == close)) {
        ++k;
        continue;
      }
      if (rest.substr(k, close.size()) == close) {
        answer = rest.substr(open.size(), k - open.size());
        return true;
      }
    }
    return false;
  };
  if (!delimited("$$", "$$") && !delimited("$", "$") && !delimited("\\(", "\\)") &&
      !delimited("\\[", "\\]")) {
    const std::size_t eol = rest.find('\n');
    answer = rest.substr(0, eol);
    // One sentence: "12,000,023. I hope it is correct." ends at ". " (a decimal point has a digit
    // after it).
    if (const std::size_t stop = answer.find(". "); stop != std::string_view::npos) {
      answer = answer.substr(0, stop);
    }
    // "The volume of $ABCDEFGH$ is 120": the value follows the last " is ".
    if (const std::size_t is = answer.rfind(" is "); is != std::string_view::npos) {
      answer = answer.substr(is + 4);
    }
    answer = trim(answer);
    while (!answer.empty() && (answer.back() == '.' || answer.back() == '*')) answer.remove_suffix(1);
    answer = trim(answer);
    if (answer.size() >= 2 && answer.front() == '$' && answer.back() == '$') {
      answer = trim(answer.substr(1, answer.size() - 2));
    }
  }
  answer = trim(answer);
  return std::string(answer);  // "" when the marker has nothing after it
}

// The last number: "... so there are 204 ways." -> "204" (integer tasks, flexible mode only).
std::optional<std::string> last_number_in(std::string_view text);
std::optional<std::string> last_number(std::string_view text) {
  return search_from_tail(text, last_number_in);
}
std::optional<std::string> last_number_in(std::string_view text) {
  static const RE2 kNumber(R"(-?\d[\d,]*(?:\.\d+)?)");
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match;
  std::size_t pos = 0;
  std::optional<std::string_view> last;
  while (pos < text.size() && kNumber.Match(input, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
    last = std::string_view(match.data(), match.size());
    pos = static_cast<std::size_t>(match.data() - text.data()) + match.size();
  }
  if (!last) return std::nullopt;
  std::string_view n = *last;
  while (!n.empty() && n.back() == ',') n.remove_suffix(1);
  if (n.empty() || n.size() > 64) return std::nullopt;
  return std::string(n);
}

// The answer of one region, or nullopt; `*stop` is set when the region holds an ambiguous answer
// ("Answer: B or C"), which must not fall back to another region.
std::optional<Found> search(std::string_view region, AnswerFormat format, ExtractMode mode, bool* stop) {
  if (auto box = last_box(region)) {
    if (format == AnswerFormat::kChoice) {
      if (auto letter = parse_choice(*box, /*allow_lower=*/true)) {
        return Found{std::string(1, *letter), AnswerSource::kBoxed};
      }
    }
    return Found{*box, AnswerSource::kBoxed};
  }
  if (mode == ExtractMode::kStrict) return std::nullopt;
  if (format == AnswerFormat::kChoice) {
    const ChoiceFind c = find_choice(region);
    if (c.ambiguous) *stop = true;
    if (!c.letter) return std::nullopt;
    const AnswerSource source = c.rule == ChoiceRule::kMarker ? AnswerSource::kChoicePattern
                                : c.rule == ChoiceRule::kLine ? AnswerSource::kChoiceLine
                                                              : AnswerSource::kChoiceSentence;
    return Found{std::string(1, *c.letter), source};
  }
  if (auto marked = last_marker(region)) return Found{*marked, AnswerSource::kMarker};
  // A final box cut off by the token limit ("\\boxed{\\frac{1"): the answer was being written
  // there; the numbers inside it are fragments, so the fallbacks below read only the text before it.
  if (const std::vector<std::size_t> starts = box_starts(region); !starts.empty()) {
    std::string unused;
    std::size_t end = 0;
    if (read_box(region, starts.back(), region.size(), &unused, &end) == BoxScan::kUnclosed) {
      region = region.substr(0, starts.back());
    }
  }
  // Flexible MATH answers without a box or marker, as Math-Verify reads them: the last math
  // environment ($..$, \(..\), \[..\], $$..$$), then the last plain number (latex_env.h).
  if (format == AnswerFormat::kMath) {
    if (auto env = search_from_tail(region, last_latex_env)) return Found{*env, AnswerSource::kLatex};
  }
  if (auto n = last_number(region)) return Found{*n, AnswerSource::kLastNumber};
  return std::nullopt;
}

}  // namespace

std::string_view to_string(AnswerSource source) {
  switch (source) {
    case AnswerSource::kNone: return "none";
    case AnswerSource::kBoxed: return "boxed";
    case AnswerSource::kMarker: return "marker";
    case AnswerSource::kLastNumber: return "last_number";
    case AnswerSource::kChoicePattern: return "choice_pattern";
    case AnswerSource::kChoiceLine: return "choice_line";
    case AnswerSource::kChoiceSentence: return "choice_sentence";
    case AnswerSource::kLatex: return "latex";
  }
  return "none";
}

std::string_view to_string(ExtractMode mode) {
  return mode == ExtractMode::kStrict ? "strict" : "flexible";
}

Extraction extract_answer(std::string_view response, AnswerFormat format, ExtractMode mode) {
  Extraction result;
  const std::size_t close = response.rfind("</think>");
  std::optional<Found> found;
  bool thinking_only = false;
  bool stop = false;
  if (close != std::string_view::npos) {
    found = search(response.substr(close + 8), format, mode, &stop);
    if (!found && !stop) {
      found = search(response.substr(0, close), format, mode, &stop);
      thinking_only = true;
    }
  } else {
    found = search(response, format, mode, &stop);
    // "<think>" opened and never closed: the response was cut off inside the reasoning.
    thinking_only = response.find("<think>") != std::string_view::npos;
  }
  if (!found) return result;
  result.answer = std::move(found->answer);
  result.source = found->source;
  result.from_thinking = thinking_only;
  return result;
}

}  // namespace boxed::metrics
