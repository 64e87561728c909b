#include "inference/tokenizer/added_tokens.h"

#include <utf8proc.h>

#include "inference/tokenizer/byte_level.h"
#include "inference/tokenizer/pre_tokenizer.h"

namespace boxed::inference::tokenizer {
namespace {

// The code point that ends text[0, end).
uint32_t last_code_point(std::string_view text, size_t end) {
  size_t i = end;
  while (i > 0 && (static_cast<unsigned char>(text[i - 1]) & 0xC0) == 0x80 && end - i < 3) --i;
  if (i > 0) --i;
  uint32_t cp = 0;
  next_code_point(text, i, cp);
  return cp;
}

}  // namespace

bool is_word_code_point(uint32_t cp) {
  if (cp == 0xFFFFFFFFu) return false;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      return false;
  }
}

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].content.empty()) continue;
    by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(
        static_cast<int>(i));
  }
}

int AddedTokenMatcher::longest_at(std::string_view text, size_t pos, bool parse_special) const {
  int best = -1;
  size_t best_len = 0;
  for (int i : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
    const AddedToken& t = tokens_[static_cast<size_t>(i)];
    if (t.special && !parse_special) continue;
    if (t.content.size() > best_len && text.substr(pos, t.content.size()) == t.content) {
      best = i;
      best_len = t.content.size();
    }
  }
  return best;
}

void AddedTokenMatcher::split(std::string_view text, bool parse_special,
                              std::vector<TextSegment>& out) const {
  size_t start_offset = 0;  // end of the previous match
  size_t pos = 0;
  while (pos < text.size()) {
    const int hit = by_first_byte_[static_cast<unsigned char>(text[pos])].empty()
                        ? -1
                        : longest_at(text, pos, parse_special);
    if (hit < 0) {
      ++pos;
      continue;
    }
    const AddedToken& t = tokens_[static_cast<size_t>(hit)];
    size_t start = pos;
    size_t stop = pos + t.content.size();
    if (t.single_word) {
      uint32_t after = 0;
      const bool word_before = start > 0 && is_word_code_point(last_code_point(text, start));
      const bool word_after =
          stop < text.size() && (next_code_point(text, stop, after), is_word_code_point(after));
      if (word_before || word_after) {
        pos = stop;  // the scan resumes after a discarded match, as aho-corasick's find_iter
        continue;
      }
    }
    if (t.lstrip) {
      while (start > start_offset && is_unicode_space(last_code_point(text, start))) {
        size_t i = start - 1;
        while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
        start = i;
      }
      if (start < start_offset) start = start_offset;
    }
    if (t.rstrip) {
      while (stop < text.size()) {
        uint32_t cp = 0;
        const int len = next_code_point(text, stop, cp);
        if (!is_unicode_space(cp)) break;
        stop += static_cast<size_t>(len);
      }
    }
    if (start > start_offset) out.push_back({text.substr(start_offset, start - start_offset), -1});
    out.push_back({text.substr(start, stop - start), t.id});
    start_offset = stop;
    pos = stop;
  }
  if (start_offset < text.size()) out.push_back({text.substr(start_offset), -1});
}

}  // namespace boxed::inference::tokenizer
