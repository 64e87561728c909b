// quantize_model of inference/tools.h: reads a model directory or GGUF file tensor by tensor as
// fp32 rows, encodes each row in the planned type and streams the GGUF out.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "inference/model/gguf_convert.h"
#include "inference/model/gguf_file.h"
#include "inference/model/gguf_model.h"
#include "inference/model/gguf_writer.h"
#include "inference/model/model.h"
#include "inference/model/quant/dequantize.h"
#include "inference/model/quant/quantize.h"
#include "inference/model/quantize_plan.h"
#include "inference/tokenizer/hf_gguf_vocab.h"
#include "inference/tools.h"

namespace boxed::inference {
namespace {

namespace fs = std::filesystem;
using model::DType;
using model::GgufValue;
using model::GgufWriter;

constexpr uint32_t kQuantizationVersion = 2;  // ggml.h GGML_QNT_VERSION, general.quantization_version

// One source tensor: its GGUF name, shape (row-major) and a reader of row r as fp32.
struct SourceTensor {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype = DType::kF32;
  std::function<void(int64_t row, float* out)> read_row;
};

struct Source {
  std::vector<SourceTensor> tensors;
  GgufWriter writer;  // the metadata, tensors added later
  int n_layers = 0;
  std::string tokenizer;
  std::shared_ptr<const void> keep_alive;  // the mapped model or file the readers point into
};

// A view's row r as fp32, rows counted over all but the last dimension.
std::function<void(int64_t, float*)> view_reader(const model::TensorView& v, int permute_heads) {
  const int64_t cols = v.shape.back();
  const int64_t rows = v.numel() / cols;
  return [v, cols, rows, permute_heads](int64_t r, float* out) {
    const int64_t from = permute_heads > 0 ? model::gguf_permuted_source_row(r, rows, permute_heads) : r;
    const std::byte* src = v.data + static_cast<size_t>(from) * v.row_bytes();
    if (model::dtype_is_quantized(v.dtype)) {
      model::quant::dequantize_row(v.dtype, src, cols, out);
    } else {
      model::convert_to_f32(v.dtype, src, static_cast<size_t>(cols), out);
    }
  };
}

Source from_directory(const fs::path& dir, const model::QuantScheme& scheme) {
  const auto m = std::shared_ptr<const model::Model>(model::Model::load(dir));
  const model::ModelConfig& c = m->config();
  if (c.awq) {
    throw std::invalid_argument(fmt::format(
        "{}: an AWQ checkpoint (config.json quantization_config); quantize its float twin instead "
        "(tools/awq/make_awq_checkpoint.py writes one)", dir.string()));
  }
  Source s;
  s.keep_alive = m;
  s.n_layers = c.n_layers;
  model::set_gguf_architecture(s.writer, c);
  s.writer.set("general.name", GgufValue::of_string(fs::absolute(dir).lexically_normal().filename().string()));
  s.writer.set("general.file_type", GgufValue::of_u32(scheme.file_type));
  if (auto t = tokenizer::hf_gguf_tokenizer(dir, c.vocab_size)) {
    const tokenizer::GgufVocab& v = t->vocab;
    s.writer.set("tokenizer.ggml.model", GgufValue::of_string(v.model));
    s.writer.set("tokenizer.ggml.pre", GgufValue::of_string(v.pre));
    s.writer.set("tokenizer.ggml.tokens", GgufValue::of_string_array(v.tokens));
    s.writer.set("tokenizer.ggml.token_type", GgufValue::of_i32_array(v.token_types));
    s.writer.set("tokenizer.ggml.merges", GgufValue::of_string_array(v.merges));
    if (v.bos) s.writer.set("tokenizer.ggml.bos_token_id", GgufValue::of_u32(*v.bos));
    if (v.eos) s.writer.set("tokenizer.ggml.eos_token_id", GgufValue::of_u32(*v.eos));
    if (v.padding) s.writer.set("tokenizer.ggml.padding_token_id", GgufValue::of_u32(*v.padding));
    s.writer.set("tokenizer.ggml.add_bos_token", GgufValue::of_bool(v.add_bos));
    if (!t->chat_template.empty()) s.writer.set("tokenizer.chat_template", GgufValue::of_string(t->chat_template));
    s.tokenizer = fmt::format("tokenizer.json -> tokenizer.ggml.* ({} tokens, {} merges, pre {}){}", v.tokens.size(),
                              v.merges.size(), v.pre, t->chat_template.empty() ? "" : " and the chat template");
  } else {
    s.tokenizer = "none: SRC has no tokenizer.json, so the file has no tokenizer (llama.cpp will not load it)";
  }
  s.writer.set("general.quantization_version", GgufValue::of_u32(kQuantizationVersion));

  const model::ModelWeights& w = m->weights();
  auto add = [&](std::string name, const model::TensorView& v) {
    s.tensors.push_back({.name = name, .shape = v.shape, .dtype = v.dtype,
                         .read_row = view_reader(v, model::gguf_permuted_heads(c, name))});
  };
  add("token_embd.weight", w.embed_tokens);
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const model::LayerWeights& l = w.layers[i];
    const std::string b = fmt::format("blk.{}.", i);
    add(b + "attn_norm.weight", l.input_norm);
    add(b + "attn_q.weight", l.q_proj);
    if (l.q_bias) add(b + "attn_q.bias", *l.q_bias);
    add(b + "attn_k.weight", l.k_proj);
    if (l.k_bias) add(b + "attn_k.bias", *l.k_bias);
    add(b + "attn_v.weight", l.v_proj);
    if (l.v_bias) add(b + "attn_v.bias", *l.v_bias);
    add(b + "attn_output.weight", l.o_proj);
    add(b + "ffn_norm.weight", l.post_attention_norm);
    add(b + "ffn_gate.weight", l.gate_proj);
    add(b + "ffn_up.weight", l.up_proj);
    add(b + "ffn_down.weight", l.down_proj);
  }
  add("output_norm.weight", w.final_norm);
  if (!c.tie_word_embeddings) add("output.weight", w.lm_head);
  if (c.rope_scaling.type == "llama3") {  // as gguf_from_hf writes it (model/gguf_convert.h)
    const std::vector<float> factors = model::llama3_rope_freq_factors(c);
    s.tensors.push_back({.name = "rope_freqs.weight", .shape = {static_cast<int64_t>(factors.size())},
                         .dtype = DType::kF32, .read_row = [factors](int64_t, float* out) {
                           std::copy(factors.begin(), factors.end(), out);
                         }});
  }
  return s;
}

Source from_gguf(const fs::path& path, const model::QuantScheme& scheme) {
  const auto f = std::make_shared<const model::GgufFile>(model::GgufFile::open(path));
  Source s;
  s.keep_alive = f;
  const std::string arch = f->get_string("general.architecture");
  s.n_layers = static_cast<int>(f->get_u32(arch + ".block_count"));
  // Every key carried over but the three that describe the old tensor data (llama-quantize
  // likewise copies the metadata and sets file_type and quantization_version).
  for (const auto& [key, value] : f->metadata()) {
    if (key == "general.file_type" || key == "general.quantization_version" || key == "general.alignment") continue;
    s.writer.set(key, value);
  }
  s.writer.set("general.file_type", GgufValue::of_u32(scheme.file_type));
  s.writer.set("general.quantization_version", GgufValue::of_u32(kQuantizationVersion));
  int n_tokenizer_keys = 0;
  for (const auto& [key, value] : f->metadata()) n_tokenizer_keys += key.starts_with("tokenizer.") ? 1 : 0;
  s.tokenizer = fmt::format("{} tokenizer.* keys copied from SRC", n_tokenizer_keys);
  for (const model::GgufTensorInfo& info : f->tensors()) {
    const model::TensorView v = f->tensor_view(info.name);
    s.tensors.push_back({.name = info.name, .shape = info.shape, .dtype = info.dtype, .read_row = view_reader(v, 0)});
  }
  return s;
}

void check_destination(const fs::path& src, const fs::path& dst) {
  std::error_code ec;
  if (fs::exists(dst, ec) && fs::equivalent(src, dst, ec)) {
    throw std::invalid_argument(fmt::format("{}: the destination is the source", dst.string()));
  }
  if (fs::is_directory(dst)) {
    throw std::invalid_argument(fmt::format("{}: the destination is a directory; name a .gguf file", dst.string()));
  }
  const fs::path parent = fs::absolute(dst).parent_path();
  if (!fs::is_directory(parent)) {
    throw std::invalid_argument(fmt::format("{}: the destination's directory {} does not exist", dst.string(),
                                            parent.string()));
  }
}

}  // namespace

std::string quantize_type_names() { return model::quant_scheme_names(); }

QuantizeResult quantize_model(const QuantizeRequest& r, const std::function<void(const QuantizeTensorEvent&)>& on_tensor) {
  const model::QuantScheme* scheme = model::find_quant_scheme(r.type);
  if (scheme == nullptr) {
    throw std::invalid_argument(fmt::format("quantize: unknown --type '{}'; expected one of {}", r.type,
                                            model::quant_scheme_names()));
  }
  const fs::path src(r.source), dst(r.destination);
  if (!fs::exists(src)) throw std::invalid_argument(fmt::format("{}: no such file or directory", r.source));
  check_destination(src, dst);
  const bool gguf = model::is_gguf_path(src);
  if (!gguf && !fs::is_directory(src)) {
    throw std::invalid_argument(fmt::format("{}: neither a GGUF file nor a model directory", r.source));
  }
  Source s = gguf ? from_gguf(src, *scheme) : from_directory(src, *scheme);

  const auto start = std::chrono::steady_clock::now();
  QuantizeResult result{.n_tensors = static_cast<int>(s.tensors.size()), .tokenizer = s.tokenizer,
                        .llama_quantize_args = std::string(scheme->llama_args)};
  tbb::task_arena arena(r.threads > 0 ? r.threads : tbb::task_arena::automatic);
  std::vector<model::PlanTensor> names;
  for (const SourceTensor& t : s.tensors) names.push_back({.name = t.name, .shape = t.shape});
  const std::vector<model::PlannedType> plans = model::plan_tensor_types(*scheme, names, s.n_layers);
  for (size_t i = 0; i < s.tensors.size(); ++i) {
    const SourceTensor& t = s.tensors[i];
    const model::PlannedType& plan = plans[i];
    const std::string type_name(model::dtype_name(plan.dtype));
    auto it = std::find_if(result.types.begin(), result.types.end(), [&](const auto& p) { return p.first == type_name; });
    if (it == result.types.end()) result.types.emplace_back(type_name, 1); else ++it->second;
    const int64_t cols = t.shape.back();
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < t.shape.size(); ++d) rows *= t.shape[d];
    result.source_bytes += static_cast<uint64_t>(rows) * model::dtype_row_bytes(t.dtype, cols);
    s.writer.add_produced_tensor(t.name, plan.dtype, t.shape, [&, i, plan, rows, cols](std::span<std::byte> out) {
      const auto t0 = std::chrono::steady_clock::now();
      const size_t row_bytes = model::dtype_row_bytes(plan.dtype, cols);
      arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<int64_t>(0, rows, 16), [&](const tbb::blocked_range<int64_t>& range) {
          std::vector<float> row(static_cast<size_t>(cols));
          for (int64_t k = range.begin(); k != range.end(); ++k) {
            s.tensors[i].read_row(k, row.data());
            try {
              model::quant::quantize_row(plan.dtype, row.data(), cols, out.data() + static_cast<size_t>(k) * row_bytes);
            } catch (const std::domain_error& e) {
              throw std::runtime_error(fmt::format("{}: tensor '{}' row {}: {}", r.source, s.tensors[i].name, k, e.what()));
            }
          }
        });
      });
      if (on_tensor) {
        on_tensor({.index = static_cast<int>(i) + 1, .total = static_cast<int>(s.tensors.size()),
                   .name = s.tensors[i].name, .from_type = std::string(model::dtype_name(s.tensors[i].dtype)),
                   .to_type = std::string(model::dtype_name(plan.dtype)), .note = plan.note,
                   .shape = s.tensors[i].shape, .bytes = out.size(),
                   .seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()});
      }
    });
  }
  s.writer.write(dst);
  // Read back what was written: the header, metadata and every tensor's extent.
  const model::GgufFile written = model::GgufFile::open(dst);
  result.bytes = written.file_bytes();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace boxed::inference
