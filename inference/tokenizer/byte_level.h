// The byte-level alphabet of GPT-2 style BPE: each of the 256 byte values is shown as one
// printable Unicode character, so a byte string becomes a text the vocabulary can hold (a space
// becomes "Ġ", a newline "Ċ"). Source of the mapping: OpenAI GPT-2 encoder.py,
// bytes_to_unicode(); the same table is Hugging Face tokenizers' ByteLevel pre-tokenizer.
//
//   std::string sym = to_byte_level(" the");          // "Ġthe"
//   std::optional<std::string> raw = from_byte_level("Ġthe");   // " the"
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace boxed::inference::tokenizer {

// The UTF-8 encoding of the character that stands for each byte.
const std::array<std::string, 256>& byte_level_alphabet();
// The byte a code point stands for, or -1 when it is not one of the 256 characters.
int byte_of_code_point(uint32_t cp);

std::string to_byte_level(std::string_view bytes);
// nullopt when `symbols` holds a character outside the alphabet (or is not valid UTF-8).
std::optional<std::string> from_byte_level(std::string_view symbols);

// Decodes one UTF-8 character at s[i]; returns its length in bytes (>= 1) and stores the code
// point, or returns 1 with cp = 0xFFFFFFFF for an invalid byte.
int next_code_point(std::string_view s, size_t i, uint32_t& cp);
void append_utf8(std::string& out, uint32_t cp);

}  // namespace boxed::inference::tokenizer
