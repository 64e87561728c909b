// load_model_config over tests/data/model/configs.jsonl: each row writes a model directory's
// JSON files (an object is dumped, a string is written raw so that corrupt files can be
// expressed) and expects either field values or an error message fragment.
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/model/model_config.h"
#include "tests/inference/model/scratch_dir.h"

namespace boxed::inference::model {
namespace {

std::vector<nlohmann::json> rows() {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/tests/data/model/configs.jsonl");
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

// The config's value of an expectation key, as JSON.
nlohmann::json field(const ModelConfig& c, const std::string& key) {
  if (key == "arch") return architecture_name(c.arch);
  if (key == "vocab_size") return c.vocab_size;
  if (key == "hidden_size") return c.hidden_size;
  if (key == "n_layers") return c.n_layers;
  if (key == "n_heads") return c.n_heads;
  if (key == "n_kv_heads") return c.n_kv_heads;
  if (key == "head_dim") return c.head_dim;
  if (key == "intermediate_size") return c.intermediate_size;
  if (key == "max_position_embeddings") return c.max_position_embeddings;
  if (key == "rms_norm_eps") return c.rms_norm_eps;
  if (key == "rope_theta") return c.rope_theta;
  if (key == "rope_type") return c.rope_scaling.type;
  if (key == "rope_factor") return c.rope_scaling.factor;
  if (key == "low_freq_factor") return c.rope_scaling.low_freq_factor;
  if (key == "high_freq_factor") return c.rope_scaling.high_freq_factor;
  if (key == "original_max_position_embeddings") return c.rope_scaling.original_max_position_embeddings;
  if (key == "tie_word_embeddings") return c.tie_word_embeddings;
  if (key == "attention_bias") return c.attention_bias;
  if (key == "bos_token_id") return c.bos_token_id ? nlohmann::json(*c.bos_token_id) : nlohmann::json();
  if (key == "eos_token_ids") return c.eos_token_ids;
  if (key == "temperature") return c.generation.temperature ? nlohmann::json(*c.generation.temperature) : nlohmann::json();
  if (key == "top_p") return c.generation.top_p ? nlohmann::json(*c.generation.top_p) : nlohmann::json();
  if (key == "chat_template") return c.chat_template;
  if (key == "bos_token") return c.bos_token;
  if (key == "eos_token") return c.eos_token;
  ADD_FAILURE() << "unknown expectation key " << key;
  return nullptr;
}

bool same(const nlohmann::json& got, const nlohmann::json& want) {
  if (got.is_number() && want.is_number()) {
    const double a = got.get<double>(), b = want.get<double>();
    return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::fabs(b));  // float fields vs decimals
  }
  return got == want;
}

TEST(ModelConfig, TableOfConfigs) {
  const std::vector<nlohmann::json> table = rows();
  ASSERT_GE(table.size(), 20u);
  for (const nlohmann::json& row : table) {
    const std::string note = row["note"];
    SCOPED_TRACE(note);
    testing::ScratchDir dir("config");
    for (const auto& [name, content] : row["files"].items()) {
      std::ofstream(dir.path() / name) << (content.is_string() ? content.get<std::string>() : content.dump());
    }
    if (row.contains("error")) {
      try {
        load_model_config(dir.path());
        ADD_FAILURE() << note << ": expected an error containing " << row["error"];
      } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(row["error"].get<std::string>()), std::string::npos)
            << note << "\n  message: " << e.what() << "\n  expected: " << row["error"];
      }
      continue;
    }
    const ModelConfig c = load_model_config(dir.path());
    for (const auto& [key, want] : row["expect"].items()) {
      const nlohmann::json got = field(c, key);
      EXPECT_TRUE(same(got, want)) << note << ": " << key << " = " << got << ", expected " << want;
    }
  }
}

}  // namespace
}  // namespace boxed::inference::model
