#include "inference/tokenizer/byte_level.h"

#include <vector>

namespace boxed::inference::tokenizer {
namespace {

struct Tables {
  std::array<std::string, 256> alphabet;
  std::vector<int16_t> byte_of;  // indexed by code point < 512
};

// GPT-2 encoder.py bytes_to_unicode(): the printable ranges '!'..'~', '¡'..'¬', '®'..'ÿ' keep
// their own code point; the other 68 bytes, in increasing order, get 256, 257, ...
Tables make_tables() {
  Tables t;
  t.byte_of.assign(512, -1);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    const uint32_t cp = printable ? static_cast<uint32_t>(b) : static_cast<uint32_t>(next++);
    append_utf8(t.alphabet[b], cp);
    t.byte_of[cp] = static_cast<int16_t>(b);
  }
  return t;
}

const Tables& tables() {
  static const Tables t = make_tables();
  return t;
}

}  // namespace

const std::array<std::string, 256>& byte_level_alphabet() { return tables().alphabet; }

int byte_of_code_point(uint32_t cp) {
  return cp < tables().byte_of.size() ? tables().byte_of[cp] : -1;
}

std::string to_byte_level(std::string_view bytes) {
  const auto& alphabet = byte_level_alphabet();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) out += alphabet[c];
  return out;
}

std::optional<std::string> from_byte_level(std::string_view symbols) {
  std::string out;
  out.reserve(symbols.size());
  for (size_t i = 0; i < symbols.size();) {
    uint32_t cp = 0;
    i += next_code_point(symbols, i, cp);
    const int b = byte_of_code_point(cp);
    if (b < 0) return std::nullopt;
    out.push_back(static_cast<char>(b));
  }
  return out;
}

int next_code_point(std::string_view s, size_t i, uint32_t& cp) {
  const auto c0 = static_cast<unsigned char>(s[i]);
  cp = 0xFFFFFFFFu;
  int len = 0;
  uint32_t v = 0;
  if (c0 < 0x80) {
    cp = c0;
    return 1;
  } else if ((c0 & 0xE0) == 0xC0) {
    len = 2, v = c0 & 0x1F;
  } else if ((c0 & 0xF0) == 0xE0) {
    len = 3, v = c0 & 0x0F;
  } else if ((c0 & 0xF8) == 0xF0) {
    len = 4, v = c0 & 0x07;
  } else {
    return 1;
  }
  if (i + len > s.size()) return 1;
  for (int k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 1;
    v = (v << 6) | (c & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF (RFC 3629, section 3).
  static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 1;
  cp = v;
  return len;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace boxed::inference::tokenizer
