#include "inference/tokenizer/pre_tokenizer.h"

#include <re2/re2.h>
#include <utf8proc.h>

#include <stdexcept>

#include "inference/tokenizer/byte_level.h"

namespace boxed::inference::tokenizer {
namespace {

// Hugging Face forms, byte for byte as in the published tokenizer.json files (Qwen2-1.5B,
// Meta-Llama-3-8B) and GPT-2's encoder.py.
constexpr std::string_view kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Oniguruma's Unicode \s (White_Space property), for use inside a character class.
#define BOXED_WS \
  R"(\t\n\x0B\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})"

// RE2 translations: \s spelled out, `\s+(?!\S)` removed (emulated in split()).
constexpr const char* kQwen2Re2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^)" BOXED_WS
    R"(\p{L}\p{N}]+[\r\n]*|[)" BOXED_WS R"(]*[\r\n]+|[)" BOXED_WS R"(]+)";
constexpr const char* kLlama3Re2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^)" BOXED_WS
    R"(\p{L}\p{N}]+[\r\n]*|[)" BOXED_WS R"(]*[\r\n]+|[)" BOXED_WS R"(]+)";
constexpr const char* kGpt2Re2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^)" BOXED_WS
                                 R"(\p{L}\p{N}]+|[)" BOXED_WS R"(]+)";
#undef BOXED_WS

// A whitespace-only match came from the trailing `\s+` alternative, where Oniguruma would first
// have tried `\s+(?!\S)` — unless the pattern has `\s*[\r\n]+` (Qwen2, Llama-3) and the match
// holds \r or \n: that alternative comes first and is kept whole. Returns the length to keep.
size_t lookahead_length(std::string_view text, size_t begin, size_t end,
                        bool has_newline_alternative) {
  if (end >= text.size()) return end - begin;  // (?!\S) holds at the end of the text
  size_t i = begin, last = begin;
  int n_chars = 0;
  while (i < end) {
    uint32_t cp = 0;
    const int len = next_code_point(text, i, cp);
    if (!is_unicode_space(cp)) return end - begin;
    if (has_newline_alternative && (cp == '\r' || cp == '\n')) return end - begin;
    last = i;
    i += len;
    ++n_chars;
  }
  // A greedy run stops before a non-space, so `\s+(?!\S)` backtracks by one character; a single
  // space cannot give one back and matches `\s+` whole.
  return n_chars >= 2 ? last - begin : end - begin;
}

// \p{N}: Unicode general categories Nd, Nl, No (Rust's char::is_numeric, which tokenizers'
// Digits pre-tokenizer uses).
bool is_numeric_code_point(uint32_t cp) {
  if (cp > 0x10FFFF) return false;  // invalid UTF-8 marker
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool is_unicode_space(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

std::string_view pre_family_name(PreFamily family) {
  switch (family) {
    case PreFamily::kQwen2:
      return "qwen2";
    case PreFamily::kLlama3:
      return "llama3";
    case PreFamily::kGpt2:
      return "gpt2";
    case PreFamily::kSmolLm:
      return "smollm";
  }
  return "?";
}

std::optional<PreFamily> pre_family_from_name(std::string_view name) {
  if (name == "qwen2") return PreFamily::kQwen2;
  if (name == "llama3") return PreFamily::kLlama3;
  if (name == "gpt2") return PreFamily::kGpt2;
  if (name == "smollm") return PreFamily::kSmolLm;
  return std::nullopt;
}

std::optional<PreFamily> pre_family_from_gguf_pre(std::string_view pre) {
  // llama.cpp llama-vocab.cpp (llama_vocab::impl::load): "deepseek-r1-qwen" shares the QWEN2
  // pre-type; "llama-bpe" is LLAMA3; "smollm" is SMOLLM; "gpt2" is GPT2.
  if (pre == "qwen2" || pre == "deepseek-r1-qwen") return PreFamily::kQwen2;
  if (pre == "llama-bpe") return PreFamily::kLlama3;
  if (pre == "smollm") return PreFamily::kSmolLm;
  if (pre == "gpt2") return PreFamily::kGpt2;
  return std::nullopt;
}

std::string_view gguf_pre_names() { return "qwen2, deepseek-r1-qwen, llama-bpe, smollm, gpt2"; }

std::optional<PreFamily> pre_family_from_pattern(std::string_view hf_pattern) {
  if (hf_pattern == kQwen2Pattern) return PreFamily::kQwen2;
  if (hf_pattern == kLlama3Pattern) return PreFamily::kLlama3;
  if (hf_pattern == kGpt2Pattern) return PreFamily::kGpt2;
  return std::nullopt;
}

std::string_view pre_family_pattern(PreFamily family) {
  switch (family) {
    case PreFamily::kQwen2:
      return kQwen2Pattern;
    case PreFamily::kLlama3:
      return kLlama3Pattern;
    case PreFamily::kGpt2:
    case PreFamily::kSmolLm:  // the regex step after the digit split
      return kGpt2Pattern;
  }
  return {};
}

PreTokenizer PreTokenizer::for_family(PreFamily family) {
  const char* pattern = family == PreFamily::kQwen2    ? kQwen2Re2
                        : family == PreFamily::kLlama3 ? kLlama3Re2
                                                       : kGpt2Re2;  // gpt2, smollm
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>(pattern, options);
  if (!re->ok()) {
    throw std::logic_error("pre-tokenizer: RE2 rejected the " +
                           std::string(pre_family_name(family)) + " pattern: " + re->error());
  }
  return PreTokenizer(family, std::move(re));
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& out) const {
  if (family_ != PreFamily::kSmolLm) return split_regex(text, out);
  // Digits(individual_digits=true), behaviour Isolated: each \p{N} code point is a piece, and
  // the regex runs on the text between them (so a digit never ends a whitespace run's lookahead:
  // the end of that text counts as the end).
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    const int len = next_code_point(text, i, cp);
    if (is_numeric_code_point(cp)) {
      if (i > start) split_regex(text.substr(start, i - start), out);
      out.push_back(text.substr(i, static_cast<size_t>(len)));
      start = i + static_cast<size_t>(len);
    }
    i += static_cast<size_t>(len);
  }
  if (start < text.size()) split_regex(text.substr(start), out);
}

void PreTokenizer::split_regex(std::string_view text, std::vector<std::string_view>& out) const {
  size_t pos = 0;
  re2::StringPiece match;
  const re2::StringPiece whole(text.data(), text.size());
  while (pos < text.size()) {
    // Every character starts a match of the known patterns, so an anchored match (cheaper)
    // almost always succeeds; the unanchored search is the fallback for anything else.
    if (!re_->Match(whole, pos, text.size(), RE2::ANCHOR_START, &match, 1) &&
        !re_->Match(whole, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
      out.push_back(text.substr(pos));  // "Isolated": text between matches is a piece too
      return;
    }
    const size_t begin = static_cast<size_t>(match.data() - text.data());
    size_t end = begin + match.size();
    if (begin > pos) out.push_back(text.substr(pos, begin - pos));
    if (end == begin) {  // no pattern here matches empty text; guard against a stall anyway
      uint32_t cp = 0;
      end = begin + next_code_point(text, begin, cp);
    } else {
      const bool has_newline_alternative =
          family_ == PreFamily::kQwen2 || family_ == PreFamily::kLlama3;
      end = begin + lookahead_length(text, begin, end, has_newline_alternative);
    }
    out.push_back(text.substr(begin, end - begin));
    pos = end;
  }
}

}  // namespace boxed::inference::tokenizer
