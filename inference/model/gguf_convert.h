// Hugging Face checkpoint → GGUF, as llama.cpp's convert_hf_to_gguf.py does it for Qwen2 and
// Llama: `<arch>.*` metadata from the config, tensors renamed (model.layers.N.self_attn.q_proj →
// blk.N.attn_q, ...), Llama's q/k rows permuted into GGML's interleaved RoPE layout. Tensors keep
// their dtype (quantized rows are permuted as whole byte rows). Used by the loader's tests to
// build GGUF twins of random models, and by model conversion.
//
//   GgufWriter w = gguf_from_hf(config, random_weights(config, 7, DType::kF32));
//   w.write("m.gguf");          // Model::load("m.gguf") gives the same weights as the directory
#pragma once

#include <vector>

#include "inference/model/gguf_writer.h"
#include "inference/model/model_config.h"
#include "inference/model/safetensors_writer.h"

namespace boxed::inference::model {

// Throws std::invalid_argument for a tensor name the architecture does not have, or a config
// GGUF cannot express (a rope scaling other than llama3). Llama-3.1 ("llama3") scaling becomes
// the `rope_freqs.weight` tensor of llama3_rope_freq_factors.
GgufWriter gguf_from_hf(const ModelConfig& config, std::vector<TensorData> tensors);

// The per-frequency factors convert_hf_to_gguf.py (LlamaModel.generate_extra_tensors) stores for
// "llama3" rope scaling, [head_dim / 2]: 1 for wavelengths shorter than original_context /
// high_freq_factor, `factor` for those longer than original_context / low_freq_factor, and
// 1 / ((1 - smooth) / factor + smooth) in between.
std::vector<float> llama3_rope_freq_factors(const ModelConfig& config);

// The `general.architecture` and `<arch>.*` keys (and bos/eos ids, chat template) of `config`, as
// gguf_from_hf writes them. Throws as gguf_from_hf does for a config GGUF cannot express.
void set_gguf_architecture(GgufWriter& writer, const ModelConfig& config);

// Llama's q and k projections are stored with their rows permuted (convert_hf_to_gguf.py
// LlamaModel.permute): the number of heads to permute a tensor with, 0 for any other tensor.
int gguf_permuted_heads(const ModelConfig& config, const std::string& gguf_name);
// The Hugging Face row stored at GGUF row `row` of a tensor permuted over `n_heads` heads.
int64_t gguf_permuted_source_row(int64_t row, int64_t rows, int n_heads);

// The GGUF name of a Hugging Face tensor name ("model.norm.weight" → "output_norm.weight"), ""
// when it has none.
std::string gguf_tensor_name(const std::string& hf_name);

}  // namespace boxed::inference::model
