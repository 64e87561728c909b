// `boxed inspect` and `boxed logits --all/--top` through the binary, on a small random Qwen2
// model written both as a Hugging Face directory and as its GGUF twin.
#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "inference/model/gguf_convert.h"
#include "inference/model/gguf_file.h"
#include "inference/model/random_model.h"
#include "tests/inference/model/scratch_dir.h"
#include "tests/support/run_boxed.h"

namespace boxed::inference::model {
namespace {

using nlohmann::json;

class GgufCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.arch = Architecture::kQwen2;
    config_.vocab_size = 40;
    config_.hidden_size = 32;
    config_.n_layers = 2;
    config_.n_heads = 4;
    config_.n_kv_heads = 2;
    config_.head_dim = 8;
    config_.intermediate_size = 48;
    config_.max_position_embeddings = 128;
    config_.attention_bias = true;
    write_random_model(dir_.path() / "hf", config_, 21, DType::kF32);
    gguf_from_hf(config_, random_weights(config_, 21, DType::kF32)).write(gguf());
  }
  std::string gguf() const { return (dir_.path() / "m.gguf").string(); }
  std::string hf() const { return (dir_.path() / "hf").string(); }

  static json run_json(const std::string& args) {
    const boxed::testing::RunResult r = boxed::testing::run_boxed(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return json::parse(r.output, nullptr, false);
  }
  static std::vector<json> run_lines(const std::string& args) {
    const boxed::testing::RunResult r = boxed::testing::run_boxed(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::vector<json> lines;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line, nullptr, false));
    return lines;
  }

  ModelConfig config_;
  testing::ScratchDir dir_{"gguf_cli"};
};

TEST_F(GgufCli, InspectSummarisesAGgufFile) {
  const json j = run_json("inspect " + gguf());
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["format"], "gguf");
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["metadata"]["general.architecture"], "qwen2");
  EXPECT_EQ(j["metadata"]["qwen2.block_count"], 2);
  EXPECT_EQ(j["config"]["num_hidden_layers"], 2);
  EXPECT_EQ(j["config"]["hidden_size"], 32);
  EXPECT_EQ(j["tensor_count"], 2 * 12 + 3);
  EXPECT_EQ(j["tensor_types"]["F32"], 2 * 12 + 3);
  bool found = false;
  for (const json& t : j["tensors"]) {
    if (t["name"] == "blk.1.ffn_down.weight") {
      found = true;
      EXPECT_EQ(t["type"], "F32");
      EXPECT_EQ(t["shape"], json({32, 48}));
      EXPECT_EQ(t["ne"], json({48, 32}));
      EXPECT_EQ(t["bytes"], 32 * 48 * 4);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(GgufCli, InspectSummarisesATruncatedFileAndADirectory) {
  const GgufFile f = GgufFile::open(gguf());
  const uint64_t size = f.data_offset() + 64;
  std::filesystem::resize_file(gguf(), size);
  const json j = run_json("inspect " + gguf());
  EXPECT_EQ(j["complete"], false);
  EXPECT_EQ(j["missing_bytes"], f.needed_bytes() - size);
  EXPECT_EQ(j["tensor_count"], 2 * 12 + 3);
  const boxed::testing::RunResult r = boxed::testing::run_boxed("logits --model " + gguf() + " --tokens 1,2");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("runs past the end of the file"), std::string::npos) << r.output;

  const json d = run_json("inspect " + hf());
  EXPECT_EQ(d["format"], "safetensors");
  EXPECT_EQ(d["config"]["num_hidden_layers"], 2);
  EXPECT_EQ(d["tensor_count"], 2 * 12 + 3);
}

TEST_F(GgufCli, InspectTensorDumpsValues) {
  const json j = run_json("inspect " + gguf() + " --tensor blk.0.attn_k.bias");
  EXPECT_EQ(j["type"], "F32");
  EXPECT_EQ(j["shape"], json({16}));
  const json d = run_json("inspect " + hf() + " --tensor model.layers.0.self_attn.k_proj.bias");
  ASSERT_EQ(j["values"].size(), 16u);
  EXPECT_EQ(j["values"], d["values"]);
  const boxed::testing::RunResult r = boxed::testing::run_boxed("inspect " + gguf() + " --tensor nope");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no tensor 'nope'"), std::string::npos) << r.output;
}

TEST_F(GgufCli, LogitsAllAndTopAgreeWithTheDirectory) {
  const std::string tokens = " --tokens 3,1,4,1,5,9,2,6";
  const json last = run_json("logits --model " + hf() + tokens);
  const std::vector<json> all_gguf = run_lines("logits --all --model " + gguf() + tokens);
  const std::vector<json> all_hf = run_lines("logits --all --model " + hf() + tokens);
  ASSERT_EQ(all_gguf.size(), 8u);
  ASSERT_EQ(all_hf.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(all_gguf[i]["position"], i);
    EXPECT_EQ(all_gguf[i]["logits"], all_hf[i]["logits"]) << "position " << i;
  }
  EXPECT_EQ(all_gguf[7]["logits"], last["logits"]);

  const std::vector<json> top = run_lines("logits --all --top 5 --model " + gguf() + tokens);
  ASSERT_EQ(top.size(), 8u);
  for (int i = 0; i < 8; ++i) {
    SCOPED_TRACE(i);
    const std::vector<float> logits = all_gguf[i]["logits"].get<std::vector<float>>();
    double z = 0;
    for (float x : logits) z += std::exp(static_cast<double>(x));
    const json& best = top[i]["top"];
    ASSERT_EQ(best.size(), 5u);
    EXPECT_EQ(top[i]["position"], i);
    const int argmax = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    EXPECT_EQ(best[0][0], argmax);
    for (size_t k = 0; k < 5; ++k) {
      const int id = best[k][0];
      EXPECT_NEAR(best[k][1].get<double>(), logits[id] - std::log(z), 1e-9);
      if (k > 0) {
        EXPECT_LE(best[k][1].get<double>(), best[k - 1][1].get<double>());
      }
    }
  }
  const std::vector<json> last_top = run_lines("logits --top 3 --model " + gguf() + tokens);
  ASSERT_EQ(last_top.size(), 1u);
  EXPECT_EQ(last_top[0]["position"], 7);
  EXPECT_EQ(last_top[0]["top"][0], top[7]["top"][0]);
}

// --logits-out (tools/llama_cpp/compare_logits.py): raw float32 [positions, vocab], the same
// values as --all prints.
TEST_F(GgufCli, LogitsOutWritesEveryPositionAsFloat32) {
  const std::string tokens = " --tokens 3,1,4,1,5";
  const std::string raw = (dir_.path() / "logits.f32").string();
  const json summary = run_json("logits --model " + gguf() + tokens + " --logits-out " + raw);
  EXPECT_EQ(summary["positions"], 5);
  const std::vector<json> all = run_lines("logits --all --model " + gguf() + tokens);
  ASSERT_EQ(all.size(), 5u);
  std::ifstream in(raw, std::ios::binary);
  std::vector<float> values(5 * 40 + 1);
  in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(values.size() * 4));
  ASSERT_EQ(in.gcount(), 5 * 40 * 4);  // exactly positions x vocab floats, no header
  for (int i = 0; i < 5; ++i) {
    const std::vector<float> row(values.begin() + i * 40, values.begin() + (i + 1) * 40);
    EXPECT_EQ(json(row), all[i]["logits"]) << "position " << i;
  }
  const boxed::testing::RunResult bad =
      boxed::testing::run_boxed("logits --model " + gguf() + tokens + " --logits-out /nonexistent/x.f32");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--logits-out: cannot open '/nonexistent/x.f32'"), std::string::npos)
      << bad.output;
}

// `boxed bench`: the byte accounting is exact (asserted); the rates are only checked to exist.
TEST_F(GgufCli, BenchReportsRatesAndBytesPerStep) {
  const json j = run_json("bench --backend cpu --model " + gguf() +
                          " --prompts 2 --samples 3 --max-tokens 5 --prompt-tokens 20 --threads 1 --json");
  ASSERT_TRUE(j.is_object());
  EXPECT_GT(j["prefill_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["decode_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["machine_read_gb_per_s"].get<double>(), 0);
  EXPECT_EQ(j["threads"], 1);
  const int64_t h = 32, q = 32, kv = 16, inter = 48, vocab = 40;
  const int64_t per_layer = 2 * h + q * h + 2 * kv * h + h * q + q + 2 * kv + 3 * inter * h;
  EXPECT_EQ(j["weight_bytes_per_step"], 4 * (2 * per_layer + h + vocab * h));
  // 3 samples x 2 layers x K and V x 16 floats x mean length 20 + 3.
  EXPECT_EQ(j["kv_bytes_per_step"], 3 * 2 * 2 * 16 * 4 * 23);
  EXPECT_EQ(j["bytes_per_decode_step"], j["weight_bytes_per_step"].get<int64_t>() +
                                            j["kv_bytes_per_step"].get<int64_t>() + 3 * h * 4);
}

// `boxed bench --cpu-activations q8`: reported in the JSON; refused for another backend and for
// another value.
TEST_F(GgufCli, BenchTakesInt8ActivationsOnTheCpuOnly) {
  const std::string args = " --model " + gguf() + " --prompts 1 --samples 1 --max-tokens 3 --prompt-tokens 10";
  const json j = run_json("bench --backend cpu --cpu-activations q8 --json" + args);
  EXPECT_EQ(j["cpu_activations"], "q8");
  EXPECT_GT(j["decode_tokens_per_s"].get<double>(), 0);
  const boxed::testing::RunResult cuda = boxed::testing::run_boxed("bench --backend cuda --cpu-activations q8" + args);
  EXPECT_NE(cuda.exit_code, 0);
  EXPECT_NE(cuda.output.find("--cpu-activations q8 is an option of the cpu backend; the backend here is 'cuda'"),
            std::string::npos) << cuda.output;
  const boxed::testing::RunResult bad = boxed::testing::run_boxed("bench --backend cpu --cpu-activations q4" + args);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--cpu-activations"), std::string::npos) << bad.output;
}

// `boxed bench --kv-cache-dtype`: the cpu backend's cache is f32 only; bf16 is refused naming why.
TEST_F(GgufCli, BenchRefusesABf16CacheOnTheCpu) {
  const std::string args = " --model " + gguf() + " --prompts 1 --samples 1 --max-tokens 3 --prompt-tokens 10";
  const json j = run_json("bench --backend cpu --kv-cache-dtype f32 --json" + args);
  EXPECT_EQ(j["kv_cache_dtype"], "f32");
  const boxed::testing::RunResult bf16 = boxed::testing::run_boxed("bench --backend cpu --kv-cache-dtype bf16" + args);
  EXPECT_NE(bf16.exit_code, 0);
  EXPECT_NE(bf16.output.find("--kv-cache-dtype bf16: the cpu backend keeps its KV cache in f32"),
            std::string::npos) << bf16.output;
  const boxed::testing::RunResult bad = boxed::testing::run_boxed("bench --backend cpu --kv-cache-dtype fp8" + args);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--kv-cache-dtype"), std::string::npos) << bad.output;
}

// `boxed bench --backend cuda`: on the emulation (BOXED_CUDA=EMULATE builds) the same accounting
// with the device's storage (bf16 matrices, fp32 norms and biases) and the device yardsticks;
// without a device or emulation, an error naming the device probe's answer.
TEST_F(GgufCli, BenchOnCudaCountsTheDevicesBytesOrSaysWhyNot) {
  const std::string version = boxed::testing::run_boxed("--version").output;
  const std::string args = " --model " + gguf() +
                           " --prompts 1 --samples 2 --max-tokens 3 --prompt-tokens 10 --json";
  if (version.find("cuda: emulated") == std::string::npos) {
    if (version.find("backends available now: cuda") != std::string::npos) {
      GTEST_SKIP() << "a CUDA device is visible: tests/inference/cuda/bench_test.cc covers it";
    }
    const boxed::testing::RunResult r = boxed::testing::run_boxed("bench --backend cuda" + args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("needs a CUDA device, and the device probe says"), std::string::npos)
        << r.output;
    return;
  }
  const json j = run_json("bench --backend cuda" + args);
  EXPECT_EQ(j["emulated"], true);
  EXPECT_EQ(j["device"], "CUDA emulation on the CPU");
  EXPECT_EQ(j["decode_samples_on_device"], true);
  EXPECT_GT(j["copy_gb_per_s"].get<double>(), 0);
  EXPECT_GT(j["peak_device_bytes"].get<int64_t>(), 0);
  const int64_t h = 32, q = 32, kv = 16, inter = 48, vocab = 40;
  const int64_t matrices = 2 * (q * h + 2 * kv * h + h * q + 3 * inter * h) + vocab * h;
  const int64_t vectors = 2 * (2 * h + q + 2 * kv) + h;
  EXPECT_EQ(j["weight_bytes_per_step"], 2 * matrices + 4 * vectors);
  EXPECT_EQ(j["bytes_per_decode_step"], j["weight_bytes_per_step"].get<int64_t>() +
                                            j["kv_bytes_per_step"].get<int64_t>() + 2 * h * 2);
  // The default cache is bf16: 2 samples x 2 layers x K and V x 16 values x 2 bytes x mean
  // length 10 + 2; --kv-cache-dtype f32 doubles it.
  EXPECT_EQ(j["kv_bytes_per_step"], 2 * 2 * 2 * 16 * 2 * 12);
  const json f32 = run_json("bench --backend cuda --kv-cache-dtype f32" + args);
  EXPECT_EQ(f32["kv_cache_dtype"], "f32");
  EXPECT_EQ(f32["kv_bytes_per_step"], 2 * j["kv_bytes_per_step"].get<int64_t>());
}

}  // namespace
}  // namespace boxed::inference::model
