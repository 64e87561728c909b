// Internal: the tokenizer metadata of a GGUF file, read from its header alone, so a file whose
// tensor data is cut off (a broken download) still gives its tokenizer and chat template.
// Used by Tokenizer::load and ChatTemplate::load when given a .gguf path.
#pragma once

#include <optional>
#include <string>

#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::tokenizer {

// A regular file that starts with the GGUF magic "GGUF" (whatever its name).
bool is_gguf_path(const std::string& path);
// The tokenizer.ggml.* keys; throws std::runtime_error naming the file and the key when a
// required one (model, tokens) is absent or of the wrong type.
GgufVocab read_gguf_vocab(const std::string& path);
// tokenizer.chat_template, nullopt when the file has none.
std::optional<std::string> read_gguf_chat_template(const std::string& path);

}  // namespace boxed::inference::tokenizer
