// Decoder models stored as GGUF (llama.cpp's format): the config from `<arch>.*` metadata and the
// weights from `token_embd`, `blk.N.*`, `output_norm`, `output` tensors, mapped onto the same
// ModelConfig and ModelWeights a Hugging Face directory gives, so nothing downstream cares which
// format a model came from. Model::load and load_model_config call these for a .gguf path.
//
//   GgufFile f = GgufFile::open("qwen2.5-0.5b-q4_k_m.gguf");
//   ModelConfig c = model_config_from_gguf(f);     // arch, sizes, rope, eps, bos/eos, template
//   ModelWeights w = gguf_model_weights(f, c, owned);
//
// Supported: general.architecture "llama" and "qwen2" (llama.cpp src/llama-arch.cpp names).
// Anything this code would compute wrongly (rope scaling, partial rotary, a rope_freqs tensor)
// is refused naming the file and key.
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

#include "inference/model/gguf_file.h"
#include "inference/model/model.h"
#include "inference/model/model_config.h"

namespace boxed::inference::model {

// A regular file named *.gguf or starting with the GGUF magic.
bool is_gguf_path(const std::filesystem::path& path);

ModelConfig model_config_from_gguf(const GgufFile& file);

// The weights of `config` as views into `file` (which must hold its tensor data), every tensor
// checked for presence, type and shape. Llama's q/k rows, which the HF→GGUF converter permuted,
// are un-permuted into buffers appended to `owned` (the views point into them).
ModelWeights gguf_model_weights(const GgufFile& file, const ModelConfig& config,
                                std::vector<std::vector<std::byte>>& owned);

}  // namespace boxed::inference::model
