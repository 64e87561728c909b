#include "inference/model/model.h"

#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "inference/model/awq.h"
#include "inference/model/gguf_model.h"

namespace boxed::inference::model {
namespace {

// Finds tensors by name across one file or the shards of model.safetensors.index.json
// (transformers modeling_utils: {"metadata": {...}, "weight_map": {tensor: shard file}}).
class TensorIndex {
 public:
  TensorIndex(const std::filesystem::path& dir,
              std::vector<std::unique_ptr<SafetensorsFile>>& files) {
    const std::filesystem::path index_path = dir / "model.safetensors.index.json";
    const std::filesystem::path single_path = dir / "model.safetensors";
    if (std::filesystem::exists(index_path)) {
      std::ifstream in(index_path);
      const nlohmann::json index = nlohmann::json::parse(in, nullptr, false);
      if (index.is_discarded() || !index.is_object() || !index.contains("weight_map") ||
          !index["weight_map"].is_object()) {
        throw std::runtime_error(fmt::format(
            "{}: expected a JSON object with a \"weight_map\" object", index_path.string()));
      }
      std::map<std::string, SafetensorsFile*> by_shard;
      for (const auto& [tensor, shard] : index["weight_map"].items()) {
        if (!shard.is_string()) {
          throw std::runtime_error(fmt::format("{}: weight_map['{}']: expected a file name, found {}",
                                               index_path.string(), tensor, shard.dump()));
        }
        const std::string shard_name = shard.get<std::string>();
        if (shard_name.find('/') != std::string::npos || shard_name.starts_with("..")) {
          throw std::runtime_error(fmt::format("{}: weight_map['{}']: shard '{}' is not a file in the model directory",
                                               index_path.string(), tensor, shard_name));
        }
        auto it = by_shard.find(shard_name);
        if (it == by_shard.end()) {
          files.push_back(std::make_unique<SafetensorsFile>(dir / shard_name));
          it = by_shard.emplace(shard_name, files.back().get()).first;
        }
        location_[tensor] = it->second;
      }
      described_as_ = index_path.string();
    } else if (std::filesystem::exists(single_path)) {
      files.push_back(std::make_unique<SafetensorsFile>(single_path));
      for (const auto& [name, view] : files.back()->tensors()) location_[name] = files.back().get();
      for (const auto& [name, dtype] : files.back()->unsupported()) location_[name] = files.back().get();
      described_as_ = single_path.string();
    } else {
      throw std::runtime_error(fmt::format(
          "{}: no model.safetensors or model.safetensors.index.json in the model directory",
          dir.string()));
    }
  }

  bool has(const std::string& name) const { return location_.count(name) != 0; }

  // The tensor `name` with any dtype the reader supports, and the file holding it.
  std::pair<TensorView, std::string> find_any(const std::string& name) const {
    auto it = location_.find(name);
    if (it == location_.end()) {
      throw std::runtime_error(fmt::format("{}: tensor '{}' is missing", described_as_, name));
    }
    const SafetensorsFile& file = *it->second;
    const TensorView* view = file.find(name);
    if (view == nullptr) {
      const std::string dtype = file.unsupported_dtype(name);
      if (!dtype.empty()) {
        throw std::runtime_error(fmt::format("{}: tensor '{}': unsupported dtype {}",
                                             file.path().string(), name, dtype));
      }
      throw std::runtime_error(fmt::format("{}: tensor '{}' is listed in {} but missing from the shard",
                                           file.path().string(), name, described_as_));
    }
    return {*view, file.path().string()};
  }

  // The tensor `name`, checked to have `shape` and a float dtype (BF16, F16, F32).
  TensorView require(const std::string& name, const std::vector<int64_t>& shape) const {
    auto it = location_.find(name);
    if (it == location_.end()) {
      throw std::runtime_error(fmt::format("{}: tensor '{}' is missing (expected shape [{}])",
                                           described_as_, name, fmt::join(shape, ", ")));
    }
    const SafetensorsFile& file = *it->second;
    const TensorView* view = file.find(name);
    if (view == nullptr || view->dtype == DType::kI32) {
      const std::string dtype = view ? "I32" : file.unsupported_dtype(name);
      if (!dtype.empty()) {
        throw std::runtime_error(fmt::format(
            "{}: tensor '{}': expected dtype BF16, F16 or F32, found {}", file.path().string(), name, dtype));
      }
      throw std::runtime_error(fmt::format("{}: tensor '{}' is listed in {} but missing from the shard",
                                           file.path().string(), name, described_as_));
    }
    if (view->shape != shape) {
      throw std::runtime_error(fmt::format("{}: tensor '{}': expected shape [{}], found [{}]",
                                           file.path().string(), name, fmt::join(shape, ", "),
                                           fmt::join(view->shape, ", ")));
    }
    return *view;
  }

 private:
  std::map<std::string, const SafetensorsFile*> location_;
  std::string described_as_;
};

// The linear weight [out, in] of module `prefix` ("model.layers.0.self_attn.q_proj"):
// `prefix.weight`, or in an AWQ checkpoint `prefix.qweight` / `.qzeros` / `.scales` (modules
// AutoAWQ left in float, as in modules_to_not_convert, keep their `.weight`).
TensorView linear(const TensorIndex& index, const ModelConfig& c, const std::string& prefix,
                  int64_t out, int64_t in) {
  if (!c.awq || !index.has(prefix + ".qweight")) return index.require(prefix + ".weight", {out, in});
  auto awq = std::make_shared<AwqLinear>();
  awq->out = out;
  awq->in = in;
  awq->group_size = c.awq->group_size;
  std::string where;
  std::tie(awq->qweight, where) = index.find_any(prefix + ".qweight");
  awq->qzeros = index.find_any(prefix + ".qzeros").first;
  awq->scales = index.find_any(prefix + ".scales").first;
  validate_awq_linear(*awq, where);
  return TensorView{.name = prefix + ".qweight", .dtype = DType::kI32, .shape = {out, in},
                    .data = nullptr, .awq = std::move(awq)};
}

}  // namespace

std::unique_ptr<Model> Model::load(const std::filesystem::path& model_dir) {
  std::unique_ptr<Model> model(new Model());
  if (is_gguf_path(model_dir)) {
    model->dir_ = model_dir;
    model->gguf_ = std::make_unique<GgufFile>(GgufFile::open(model_dir, GgufFile::Mode::kWithTensorData));
    model->config_ = model_config_from_gguf(*model->gguf_);
    model->weights_ = gguf_model_weights(*model->gguf_, model->config_, model->owned_);
    return model;
  }
  model->dir_ = model_dir;
  model->config_ = load_model_config(model_dir);
  const ModelConfig& c = model->config_;
  const TensorIndex index(model_dir, model->files_);

  const int64_t hidden = c.hidden_size;
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  const int64_t inter = c.intermediate_size;
  ModelWeights& w = model->weights_;
  // Tensor names: transformers Qwen2ForCausalLM / LlamaForCausalLM state dicts.
  w.embed_tokens = index.require("model.embed_tokens.weight", {c.vocab_size, hidden});
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = fmt::format("model.layers.{}.", l);
    LayerWeights layer;
    layer.input_norm = index.require(p + "input_layernorm.weight", {hidden});
    layer.q_proj = linear(index, c, p + "self_attn.q_proj", q_dim, hidden);
    layer.k_proj = linear(index, c, p + "self_attn.k_proj", kv_dim, hidden);
    layer.v_proj = linear(index, c, p + "self_attn.v_proj", kv_dim, hidden);
    if (c.attention_bias) {
      layer.q_bias = index.require(p + "self_attn.q_proj.bias", {q_dim});
      layer.k_bias = index.require(p + "self_attn.k_proj.bias", {kv_dim});
      layer.v_bias = index.require(p + "self_attn.v_proj.bias", {kv_dim});
    }
    layer.o_proj = linear(index, c, p + "self_attn.o_proj", hidden, q_dim);
    layer.post_attention_norm = index.require(p + "post_attention_layernorm.weight", {hidden});
    layer.gate_proj = linear(index, c, p + "mlp.gate_proj", inter, hidden);
    layer.up_proj = linear(index, c, p + "mlp.up_proj", inter, hidden);
    layer.down_proj = linear(index, c, p + "mlp.down_proj", hidden, inter);
    w.layers.push_back(std::move(layer));
  }
  w.final_norm = index.require("model.norm.weight", {hidden});
  w.lm_head = c.tie_word_embeddings ? w.embed_tokens
                                    : index.require("lm_head.weight", {c.vocab_size, hidden});
  return model;
}

std::string weights_description(const Model& model) {
  std::map<std::string, int> counts;
  for (const LayerWeights& l : model.weights().layers) {
    for (const TensorView* t : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj}) {
      const std::string name = t->awq ? fmt::format("AWQ int4 gemm (group {})", t->awq->group_size)
                                      : std::string(dtype_name(t->dtype));
      ++counts[name];
    }
  }
  if (counts.size() == 1) return counts.begin()->first;
  std::vector<std::string> parts;
  for (const auto& [name, n] : counts) parts.push_back(fmt::format("{} {}", name, n));
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace boxed::inference::model
