// `boxed inspect` (inference/tools.h): a JSON summary of a GGUF file or a model directory, and
// one tensor's dequantised values.
#include <cmath>
#include <fstream>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "inference/model/gguf_file.h"
#include "inference/model/gguf_model.h"
#include "inference/model/model_config.h"
#include "inference/model/random_model.h"
#include "inference/model/safetensors.h"
#include "inference/tools.h"

namespace boxed::inference {
namespace {

using nlohmann::json;
using model::GgufFile;
using model::GgufType;
using model::GgufValue;

constexpr size_t kArrayShown = 8;      // elements of a long array shown in the summary
constexpr size_t kStringShown = 2000;  // characters of a long string shown

json scalar_json(const GgufValue& v) {
  switch (v.type) {
    case GgufType::kString:
      return v.string.size() <= kStringShown ? json(v.string)
                                             : json(v.string.substr(0, kStringShown) + "…");
    case GgufType::kBool: return v.uint != 0;
    case GgufType::kFloat32:  // the shortest decimal that reads back to the float (1e-06)
      return std::isfinite(v.real) ? json(std::stod(fmt::format("{}", static_cast<float>(v.real))))
                                   : json(fmt::format("{}", v.real));
    case GgufType::kFloat64:
      return std::isfinite(v.real) ? json(v.real) : json(fmt::format("{}", v.real));
    case GgufType::kInt8: case GgufType::kInt16: case GgufType::kInt32: case GgufType::kInt64:
      return v.sint;
    default: return v.uint;
  }
}

json value_json(const GgufValue& v) {
  if (v.type != GgufType::kArray) return scalar_json(v);
  const size_t n = static_cast<size_t>(v.array_size);
  json items = json::array();
  for (size_t i = 0; i < std::min(n, kArrayShown); ++i) {
    if (v.array_type == GgufType::kString) {
      items.push_back(v.array_strings[i]);
    } else if (v.array_type == GgufType::kArray) {
      items.push_back(value_json(v.array_arrays[i]));
    } else {
      items.push_back(scalar_json(v.element(i)));
    }
  }
  if (n <= kArrayShown) return items;
  // Long arrays (vocabularies, merges, scores) are summarised.
  return json{{"type", v.type_description()}, {"length", n}, {"first", items}};
}

json tokenizer_summary(const GgufFile& f) {
  json t = json::object();
  const auto copy = [&](const char* key, const char* as) {
    if (const GgufValue* v = f.find(key)) t[as] = scalar_json(*v);
  };
  copy("tokenizer.ggml.model", "model");
  copy("tokenizer.ggml.pre", "pre");
  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  if (tokens != nullptr) t["tokens"] = tokens->array_size;
  if (const GgufValue* merges = f.find("tokenizer.ggml.merges")) t["merges"] = merges->array_size;
  for (const char* name : {"bos", "eos", "eot", "padding", "unknown"}) {
    const std::string key = fmt::format("tokenizer.ggml.{}_token_id", name);
    const std::optional<int64_t> id = f.find(key) ? f.optional_i64(key) : std::nullopt;
    if (!id) continue;
    t[fmt::format("{}_token_id", name)] = *id;
    if (tokens != nullptr && *id >= 0 && static_cast<size_t>(*id) < tokens->array_strings.size()) {
      t[fmt::format("{}_token", name)] = tokens->array_strings[*id];
    }
  }
  copy("tokenizer.ggml.add_bos_token", "add_bos_token");
  copy("tokenizer.ggml.add_eos_token", "add_eos_token");
  if (const GgufValue* tpl = f.find("tokenizer.chat_template")) t["chat_template_bytes"] = tpl->string.size();
  if (const GgufValue* types = f.find("tokenizer.ggml.token_type"); types && tokens) {
    // llama.cpp llama-vocab.h LLAMA_TOKEN_TYPE_*: 1 normal, 2 unknown, 3 control, 4 user-defined,
    // 5 unused, 6 byte.
    std::map<std::string, int64_t> counts;
    static const char* kNames[] = {"undefined", "normal", "unknown", "control", "user_defined", "unused", "byte"};
    for (size_t i = 0; i < types->array_size && types->array_type != GgufType::kString &&
                       types->array_type != GgufType::kArray; ++i) {
      const GgufValue e = types->element(i);
      const int64_t k = e.type == GgufType::kInt32 ? e.sint : static_cast<int64_t>(e.uint);
      counts[k >= 0 && k <= 6 ? kNames[k] : "other"]++;
    }
    t["token_types"] = counts;
  }
  return t;
}

json inspect_gguf(const std::string& path) {
  const GgufFile f = GgufFile::open(path, GgufFile::Mode::kHeaderOnly);
  json out = {{"path", path}, {"format", "gguf"}, {"version", f.version()},
              {"alignment", f.alignment()}, {"file_bytes", f.file_bytes()},
              {"tensor_data_offset", f.data_offset()}, {"needed_bytes", f.needed_bytes()},
              {"complete", f.has_tensor_data()}};
  if (!f.has_tensor_data()) {
    out["missing_bytes"] = f.needed_bytes() - f.file_bytes();
  }
  json metadata = json::object();
  for (const auto& [key, value] : f.metadata()) metadata[key] = value_json(value);
  out["metadata"] = metadata;
  out["tokenizer"] = tokenizer_summary(f);
  try {
    out["config"] = model::model_config_to_json(model::model_config_from_gguf(f));
  } catch (const std::exception& e) {
    out["config_error"] = e.what();
  }
  json tensors = json::array();
  std::map<std::string, int64_t> by_type;
  uint64_t total = 0;
  for (const model::GgufTensorInfo& t : f.tensors()) {
    tensors.push_back({{"name", t.name}, {"type", model::dtype_name(t.dtype)}, {"shape", t.shape},
                       {"ne", t.ne}, {"offset", t.offset}, {"bytes", t.bytes}});
    by_type[std::string(model::dtype_name(t.dtype))]++;
    total += t.bytes;
  }
  out["tensor_count"] = f.tensors().size();
  out["tensor_bytes"] = total;
  out["tensor_types"] = by_type;
  out["tensors"] = tensors;
  return out;
}

std::vector<std::unique_ptr<model::SafetensorsFile>> safetensors_files(const std::filesystem::path& dir) {
  std::vector<std::unique_ptr<model::SafetensorsFile>> files;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".safetensors") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) files.push_back(std::make_unique<model::SafetensorsFile>(p));
  return files;
}

json inspect_directory(const std::string& path) {
  const std::filesystem::path dir(path);
  json out = {{"path", path}, {"format", "safetensors"}};
  try {
    out["config"] = model::model_config_to_json(model::load_model_config(dir));
  } catch (const std::exception& e) {
    out["config_error"] = e.what();
  }
  if (std::ifstream in(dir / "tokenizer.json"); in) {
    const json tok = json::parse(in, nullptr, false);
    if (tok.is_object()) {
      json t = json::object();
      if (tok.contains("model") && tok["model"].is_object()) {
        // (a summary: fields of an unexpected type are left out rather than refused; loading
        // the tokenizer is where they are checked)
        if (const json& m = tok["model"]; m.contains("type") && m["type"].is_string()) t["model"] = m["type"];
        if (tok["model"].contains("vocab")) t["tokens"] = tok["model"]["vocab"].size();
        if (tok["model"].contains("merges")) t["merges"] = tok["model"]["merges"].size();
      }
      if (tok.contains("added_tokens")) t["added_tokens"] = tok["added_tokens"].size();
      out["tokenizer"] = t;
    }
  }
  json tensors = json::array();
  uint64_t total = 0;
  std::map<std::string, int64_t> by_type;
  for (const auto& file : safetensors_files(dir)) {
    for (const auto& [name, view] : file->tensors()) {
      tensors.push_back({{"name", name}, {"type", model::dtype_name(view.dtype)}, {"shape", view.shape},
                         {"bytes", view.size_bytes()}, {"file", file->path().filename().string()}});
      by_type[std::string(model::dtype_name(view.dtype))]++;
      total += view.size_bytes();
    }
  }
  out["tensor_count"] = tensors.size();
  out["tensor_bytes"] = total;
  out["tensor_types"] = by_type;
  out["tensors"] = tensors;
  return out;
}

}  // namespace

std::string inspect_model(const std::string& path) {
  if (model::is_gguf_path(path)) return inspect_gguf(path).dump(1);
  if (std::filesystem::is_directory(path)) return inspect_directory(path).dump(1);
  throw std::invalid_argument(fmt::format("{}: expected a .gguf file or a model directory", path));
}

TensorValues dequantized_tensor(const std::string& path, const std::string& name) {
  const auto values_of = [&](const model::TensorView& v) {
    TensorValues out{.type = std::string(model::dtype_name(v.dtype)), .shape = v.shape, .values = {}};
    out.values.resize(static_cast<size_t>(v.numel()));
    model::convert_to_f32(v.dtype, v.data, out.values.size(), out.values.data());
    return out;
  };
  if (model::is_gguf_path(path)) {
    const GgufFile f = GgufFile::open(path, GgufFile::Mode::kHeaderOnly);
    if (f.find_tensor(name) == nullptr) {
      throw std::invalid_argument(fmt::format("{}: no tensor '{}' (`boxed inspect {}` lists them)", path, name, path));
    }
    return values_of(f.tensor_view(name));
  }
  for (const auto& file : safetensors_files(path)) {
    if (const model::TensorView* v = file->find(name)) return values_of(*v);
  }
  throw std::invalid_argument(fmt::format("{}: no tensor '{}' in its safetensors files", path, name));
}

}  // namespace boxed::inference
