// Encoding, decoding and streaming decode of a loaded Tokenizer (loading is in
// tokenizer_load.cc).
#include "inference/tokenizer/tokenizer.h"

#include <utf8proc.h>

#include <cstdlib>
#include <stdexcept>

#include "inference/tokenizer/byte_level.h"
#include "inference/tokenizer/tokenizer_state.h"

namespace boxed::inference::tokenizer {
namespace {

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

// Unicode NFC (the tokenizer.json "NFC" normalizer) via utf8proc. ASCII is already NFC; text
// that is not valid UTF-8 is left as it is.
std::string nfc(std::string_view s) {
  if (is_ascii(s)) return std::string(s);
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
      &out, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return std::string(s);
  std::string result(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

namespace {

// Length of the longest prefix of `bytes` that ends on a character boundary, given that only
// the tail may be an unfinished (but so far valid) UTF-8 sequence.
size_t complete_prefix(std::string_view bytes) {
  const size_t n = bytes.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(bytes[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    const size_t need = (c & 0xE0) == 0xC0   ? 2
                        : (c & 0xF0) == 0xE0 ? 3
                        : (c & 0xF8) == 0xF0 ? 4
                                             : 1;
    return need > back ? n - back : n;
  }
  return n;
}

// Replaces each invalid byte with U+FFFD, as String::from_utf8_lossy (tokenizers' ByteLevel
// decoder) does for a maximal invalid subsequence.
std::string to_valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    uint32_t cp = 0;
    const int len = next_code_point(bytes, i, cp);
    if (cp == 0xFFFFFFFFu) {
      out += "\xEF\xBF\xBD";
      // Skip the continuation bytes of a truncated sequence so it yields one U+FFFD.
      size_t j = i + 1;
      const auto lead = static_cast<unsigned char>(bytes[i]);
      const size_t need = (lead & 0xE0) == 0xC0   ? 2
                          : (lead & 0xF0) == 0xE0 ? 3
                          : (lead & 0xF8) == 0xF0 ? 4
                                                  : 1;
      while (j < bytes.size() && j < i + need &&
             (static_cast<unsigned char>(bytes[j]) & 0xC0) == 0x80) {
        ++j;
      }
      i = j;
    } else {
      out.append(bytes.substr(i, static_cast<size_t>(len)));
      i += static_cast<size_t>(len);
    }
  }
  return out;
}

}  // namespace

Tokenizer::Tokenizer(std::shared_ptr<const TokenizerState> state) : state_(std::move(state)) {}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool parse_special) const {
  const TokenizerState& s = *state_;
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<TextSegment> raw_parts, norm_parts;
  std::vector<std::string_view> pieces;
  std::string byte_level;
  s.raw_matcher.split(text, parse_special, raw_parts);
  for (const TextSegment& raw : raw_parts) {
    if (raw.id >= 0) {
      ids.push_back(raw.id);
      continue;
    }
    const std::string normalized = s.nfc ? nfc(raw.text) : std::string(raw.text);
    norm_parts.clear();
    s.normalized_matcher.split(normalized, parse_special, norm_parts);
    for (const TextSegment& part : norm_parts) {
      if (part.id >= 0) {
        ids.push_back(part.id);
        continue;
      }
      pieces.clear();
      s.pre.split(part.text, pieces);
      for (std::string_view piece : pieces) {
        byte_level.clear();
        const auto& alphabet = byte_level_alphabet();
        for (unsigned char c : piece) byte_level += alphabet[c];
        s.bpe->encode_word(byte_level, ids);
      }
    }
  }
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (skip_special && is_special(id)) continue;
    bytes += token_bytes(id);
  }
  return to_valid_utf8(bytes);
}

std::optional<int32_t> Tokenizer::token_id(std::string_view token) const {
  const std::string key(token);
  if (auto it = state_->added_ids.find(key); it != state_->added_ids.end()) return it->second;
  if (auto it = state_->bpe->vocab().find(key); it != state_->bpe->vocab().end()) {
    return it->second;
  }
  return std::nullopt;
}

const std::string& Tokenizer::token_text(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= state_->id_text.size()) {
    throw std::out_of_range(state_->source + ": token id " + std::to_string(id) +
                            " is outside [0, " + std::to_string(state_->id_text.size()) + ")");
  }
  return state_->id_text[static_cast<size_t>(id)];
}

std::string Tokenizer::token_bytes(int32_t id) const {
  token_text(id);  // range check
  return state_->id_bytes[static_cast<size_t>(id)];
}

int32_t Tokenizer::vocab_size() const { return static_cast<int32_t>(state_->id_text.size()); }

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < state_->special.size() &&
         state_->special[static_cast<size_t>(id)] != 0;
}

const std::vector<AddedToken>& Tokenizer::added_tokens() const { return state_->added; }
std::optional<int32_t> Tokenizer::bos_id() const { return state_->bos; }
std::optional<int32_t> Tokenizer::eos_id() const { return state_->eos; }
std::optional<int32_t> Tokenizer::padding_id() const { return state_->padding; }
bool Tokenizer::add_bos() const { return state_->add_bos; }
const std::string& Tokenizer::pre_name() const { return state_->pre_name; }

StreamDecoder::StreamDecoder(const Tokenizer& tok, bool skip_special)
    : tok_(tok), skip_special_(skip_special) {}

std::string StreamDecoder::push(int32_t id) {
  if (skip_special_ && tok_.is_special(id)) return {};
  pending_ += tok_.token_bytes(id);
  const size_t ready = complete_prefix(pending_);
  std::string out = to_valid_utf8(std::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string StreamDecoder::finish() {
  std::string out = to_valid_utf8(pending_);
  pending_.clear();
  return out;
}

}  // namespace boxed::inference::tokenizer
