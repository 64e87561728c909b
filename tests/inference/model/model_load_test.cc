// Model::load: every tensor checked against the config (tests/data/model/weights_cases.jsonl:
// a small random model with one tensor dropped, reshaped or retyped per row), and sharded
// checkpoints (model.safetensors.index.json) giving the same weights as one file.
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/cpu/forward.h"
#include "inference/model/model.h"
#include "inference/model/random_model.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::model {
namespace {

// Small enough to write in microseconds; Llama with an explicit head_dim (4 x 16 != 32).
ModelConfig small_config(const std::string& arch) {
  ModelConfig c;
  c.arch = arch == "qwen2" ? Architecture::kQwen2 : Architecture::kLlama;
  c.vocab_size = 40;
  c.hidden_size = 32;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = arch == "qwen2" ? 8 : 16;
  c.intermediate_size = 48;
  c.max_position_embeddings = 128;
  c.attention_bias = arch == "qwen2";
  c.tie_word_embeddings = arch == "llama";
  return c;
}

std::vector<nlohmann::json> rows() {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/data/model/weights_cases.jsonl");
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

// Rewrites the JSON header of a safetensors file in place (data untouched).
void edit_header(const std::filesystem::path& path, const std::function<void(nlohmann::json&)>& edit) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  nlohmann::json header = nlohmann::json::parse(bytes.substr(8, length));
  edit(header);
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const uint64_t new_length = text.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &new_length, 8);
  out += text + bytes.substr(8 + length);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << out;
}

TEST(ModelLoad, TableOfWeightFiles) {
  const std::vector<nlohmann::json> table = rows();
  ASSERT_GE(table.size(), 10u);
  for (const nlohmann::json& row : table) {
    const std::string note = row["note"];
    SCOPED_TRACE(note);
    testing::ScratchDir dir("weights");
    const ModelConfig config = small_config(row["arch"]);
    std::vector<TensorData> tensors = random_weights(config, 3, DType::kBF16);
    const std::string op = row["op"];
    const std::string target = row.value("tensor", "");
    if (op == "drop") {
      const size_t before = tensors.size();
      std::erase_if(tensors, [&](const TensorData& t) { return t.name == target; });
      ASSERT_EQ(tensors.size() + 1, before) << "no tensor " << target;
    } else if (op == "reshape") {
      bool found = false;
      for (TensorData& t : tensors) {
        if (t.name != target) continue;
        t.shape = row["shape"].get<std::vector<int64_t>>();
        int64_t numel = 1;
        for (int64_t d : t.shape) numel *= d;
        t.bytes.resize(static_cast<size_t>(numel) * dtype_size_bytes(t.dtype));
        found = true;
      }
      ASSERT_TRUE(found) << "no tensor " << target;
    } else if (op == "add_lm_head") {
      tensors.push_back(tensors.front());
      tensors.back().name = "lm_head.weight";
    }
    write_random_model(dir.path(), config, 3, DType::kBF16);  // config.json (+ weights, replaced)
    write_safetensors(dir.path() / "model.safetensors", tensors);
    if (op == "retype") {
      edit_header(dir.path() / "model.safetensors", [&](nlohmann::json& h) { h[target]["dtype"] = row["dtype"]; });
    } else if (op == "remove_weights") {
      std::filesystem::remove(dir.path() / "model.safetensors");
    }
    if (row.contains("error")) {
      try {
        Model::load(dir.path());
        ADD_FAILURE() << "expected an error containing " << row["error"];
      } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(row["error"].get<std::string>()), std::string::npos)
            << "message: " << e.what();
      }
      continue;
    }
    const std::unique_ptr<Model> m = Model::load(dir.path());
    EXPECT_EQ(m->weights().layers.size(), 2u);
    EXPECT_EQ(m->weights().layers[0].q_bias.has_value(), config.attention_bias);
    if (config.tie_word_embeddings) {
      EXPECT_EQ(m->weights().lm_head.data, m->weights().embed_tokens.data);
    } else {
      EXPECT_NE(m->weights().lm_head.data, m->weights().embed_tokens.data);
    }
  }
}

std::vector<float> logits_of(const Model& m, const std::vector<int32_t>& tokens) {
  const ModelConfig& c = m.config();
  cpu::KvCache cache({.n_layers = c.n_layers, .n_kv_heads = c.n_kv_heads, .head_dim = c.head_dim,
                      .n_blocks = 1});
  std::vector<int32_t> positions(tokens.size()), seq_ids(tokens.size(), 0), table = {0};
  for (size_t i = 0; i < tokens.size(); ++i) positions[i] = static_cast<int32_t>(i);
  const std::vector<int32_t> wanted = {static_cast<int32_t>(tokens.size() - 1)};
  std::vector<float> logits(c.vocab_size);
  cpu::CpuForward(m).run({.tokens = tokens, .positions = positions, .seq_ids = seq_ids,
                          .block_tables = table, .max_blocks_per_seq = 1, .logit_indices = wanted},
                         cache, logits);
  return logits;
}

// Splits the tensors of a random model over two shards with an index, as transformers'
// save_pretrained(max_shard_size=...) does.
void write_sharded(const std::filesystem::path& dir, const ModelConfig& config,
                   const std::function<void(nlohmann::json&)>& edit_index = {}) {
  write_random_model(dir, config, 4, DType::kBF16);
  std::filesystem::remove(dir / "model.safetensors");
  std::vector<TensorData> all = random_weights(config, 4, DType::kBF16);
  std::vector<TensorData> first, second;
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  for (TensorData& t : all) {
    const bool early = t.name.starts_with("model.embed") || t.name.starts_with("model.layers.0.");
    const std::string shard = early ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
    index["weight_map"][t.name] = shard;
    (early ? first : second).push_back(std::move(t));
  }
  write_safetensors(dir / "model-00001-of-00002.safetensors", first);
  write_safetensors(dir / "model-00002-of-00002.safetensors", second);
  if (edit_index) edit_index(index);
  std::ofstream(dir / "model.safetensors.index.json") << index.dump(2);
}

TEST(ModelLoad, ShardedIndexGivesTheSameModel) {
  testing::ScratchDir dir("sharded");
  const ModelConfig config = small_config("qwen2");
  write_random_model(dir.path() / "single", config, 4, DType::kBF16);
  write_sharded(dir.path() / "sharded", config);
  const auto single = Model::load(dir.path() / "single");
  const auto sharded = Model::load(dir.path() / "sharded");
  const std::vector<int32_t> tokens = {3, 1, 4, 1, 5, 9, 2, 6};
  const std::vector<float> a = logits_of(*single, tokens), b = logits_of(*sharded, tokens);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

TEST(ModelLoad, ShardedIndexErrors) {
  const ModelConfig config = small_config("qwen2");
  const auto message = [&](const std::function<void(nlohmann::json&)>& edit) -> std::string {
    testing::ScratchDir dir("shard_errors");
    write_sharded(dir.path(), config, edit);
    try {
      Model::load(dir.path());
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message([](nlohmann::json& i) {
              i["weight_map"]["model.norm.weight"] = "model-00001-of-00002.safetensors";
            }).find("model-00001-of-00002.safetensors: tensor 'model.norm.weight' is listed in"),
            std::string::npos);
  EXPECT_NE(message([](nlohmann::json& i) {
              i["weight_map"]["model.norm.weight"] = "model-00003-of-00002.safetensors";
            }).find("model-00003-of-00002.safetensors: cannot open"),
            std::string::npos);
  EXPECT_NE(message([](nlohmann::json& i) { i["weight_map"].erase("lm_head.weight"); })
                .find("model.safetensors.index.json: tensor 'lm_head.weight' is missing"),
            std::string::npos);
  EXPECT_NE(message([](nlohmann::json& i) { i["weight_map"]["lm_head.weight"] = "../x.safetensors"; })
                .find("is not a file in the model directory"),
            std::string::npos);
  EXPECT_NE(message([](nlohmann::json& i) { i = nlohmann::json::array(); })
                .find("expected a JSON object with a \"weight_map\" object"),
            std::string::npos);
}

}  // namespace
}  // namespace boxed::inference::model
