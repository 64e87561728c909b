// Reading tokenizer metadata from a GGUF header (gguf_source.h) with the model module's reader.
#include <climits>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "inference/model/gguf_file.h"
#include "inference/tokenizer/gguf_source.h"
#include "inference/tokenizer/pre_tokenizer.h"

namespace boxed::inference::tokenizer {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& key,
                       const std::string& message) {
  throw std::runtime_error(source + ": " + key + ": " + message);
}

std::optional<int32_t> optional_id(const model::GgufFile& f, const std::string& key) {
  const auto id = f.optional_i64(key);
  if (!id) return std::nullopt;
  if (*id < 0 || *id > INT32_MAX) {
    fail(f.source(), key, "expected a token id, found " + std::to_string(*id));
  }
  return static_cast<int32_t>(*id);
}

}  // namespace

bool is_gguf_path(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::string_view(magic, 4) == "GGUF";  // gguf.md: magic "GGUF"
}

GgufVocab read_gguf_vocab(const std::string& path) {
  const auto f = model::GgufFile::open(path, model::GgufFile::Mode::kHeaderOnly);
  GgufVocab v;
  v.model = f.get_string("tokenizer.ggml.model");
  // gguf.md: tokenizer.ggml.pre is optional; llama.cpp reads a missing one as "default", which
  // boxed does not guess at.
  v.pre = f.get_string_or("tokenizer.ggml.pre", "");
  if (v.pre.empty()) {
    fail(path, "tokenizer.ggml.pre",
         "absent: the pre-tokenizer is not named; supported: " + std::string(gguf_pre_names()));
  }
  v.tokens = f.get_string_array("tokenizer.ggml.tokens");
  v.token_types = f.optional_i32_array("tokenizer.ggml.token_type").value_or(std::vector<int32_t>{});
  v.merges = f.optional_string_array("tokenizer.ggml.merges").value_or(std::vector<std::string>{});
  v.bos = optional_id(f, "tokenizer.ggml.bos_token_id");
  v.eos = optional_id(f, "tokenizer.ggml.eos_token_id");
  v.padding = optional_id(f, "tokenizer.ggml.padding_token_id");
  v.add_bos = f.get_bool_or("tokenizer.ggml.add_bos_token", false);
  return v;
}

std::optional<std::string> read_gguf_chat_template(const std::string& path) {
  return model::GgufFile::open(path, model::GgufFile::Mode::kHeaderOnly)
      .optional_string("tokenizer.chat_template");
}

}  // namespace boxed::inference::tokenizer
