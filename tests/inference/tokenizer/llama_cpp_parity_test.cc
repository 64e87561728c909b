// Label `model`: boxed's tokenizers from the real GGUF files give llama.cpp's ids. The goldens
// (tests/data/golden/llama_cpp_tokenizer.jsonl, written by
// tools/llama_cpp/make_tokenizer_golden.py from `llama-tokenize --ids --no-bos --no-escape`, special
// tokens parsed) hold, for every problem of ../shared/datasets, the user message and the R1 prompt
// that `boxed prompts --chat-template deepseek-r1` prints, tokenized with each vocabulary: qwen2
// (Qwen2.5-Coder-0.5B), smollm (SmolLM2-135M) and r1 (the DeepSeek-R1-Distill-Qwen-7B header).
// This test renders the same texts with the boxed binary, encodes them with parse_special=true
// (the mode boxed's engine uses) and compares token counts and id hashes, text by text.
// Skips without the models or ../shared (BOXED_SHARED_DIR overrides where ../shared is).
// EdgeCases: the 70 strings of tests/data/tokenizer/golden_inputs.jsonl with llama.cpp's ids in
// full (llama_cpp_tokenizer_edge.jsonl); for qwen2 and r1, whose Hugging Face tokenizers apply
// NFC and so does boxed, llama.cpp (which does not normalise) was given NFC(text).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "inference/tokenizer/tokenizer.h"
#include "tests/inference/tokenizer/test_paths.h"
#include "tests/support/run_boxed.h"

namespace boxed::inference::tokenizer {
namespace {

namespace fs = std::filesystem;

std::string fnv1a64(std::string_view bytes) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char b : bytes) h = (h ^ b) * 0x100000001B3ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// FNV-1a 64 over the ids as little-endian int32, as the golden script hashes them.
std::string ids_hash(const std::vector<int32_t>& ids) {
  std::string bytes;
  for (int32_t id : ids) {
    const auto u = static_cast<uint32_t>(id);
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<char>(u >> shift));
  }
  return fnv1a64(bytes);
}

fs::path shared_dir() {
  const char* env = std::getenv("BOXED_SHARED_DIR");
  return env ? fs::path(env) : testing::source_dir() / ".." / "shared";
}

TEST(LlamaCppParityTest, BoxedIdsEqualLlamaTokenize) {
  const std::vector<std::pair<std::string, std::string>> vocabs = {
      {"qwen2", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"},
      {"smollm", "smollm2-135m-instruct-q4_1.gguf"},
      {"r1", "r1-distill-qwen-7b-q4_k_m.head.gguf"}};
  std::vector<Tokenizer> tokenizers;
  for (const auto& [name, file] : vocabs) {
    const fs::path path = testing::model_file(file);
    if (path.empty()) GTEST_SKIP() << file << " is not fetched (../shared/models/fetch.sh)";
    tokenizers.push_back(Tokenizer::load(path.string()));
  }
  const std::vector<std::string> tasks = {"math500", "aime24", "aime25", "amc23"};
  for (const std::string& task : tasks) {
    if (!fs::exists(shared_dir() / "datasets" / task / "test.jsonl")) {
      GTEST_SKIP() << shared_dir() / "datasets" / task << " is absent (set BOXED_SHARED_DIR)";
    }
  }
  const fs::path golden_path =
      testing::source_dir() / "tests" / "data" / "golden" / "llama_cpp_tokenizer.jsonl";
  if (!fs::exists(golden_path)) {
    GTEST_SKIP() << golden_path << " is not generated: run tools/llama_cpp/make_tokenizer_golden.py"
                 << " (needs llama.cpp, tools/llama_cpp/build.sh)";
  }
  std::istringstream golden_in(testing::read_text(golden_path));
  std::string line;
  ASSERT_TRUE(std::getline(golden_in, line));
  const auto meta = nlohmann::json::parse(line)["meta"];
  std::map<std::string, nlohmann::json> golden;  // "task|problem_id|kind" → row
  while (std::getline(golden_in, line)) {
    const auto row = nlohmann::json::parse(line);
    golden[row["task"].get<std::string>() + "|" + row["problem_id"].get<std::string>() + "|" +
           row["kind"].get<std::string>()] = row;
  }
  ASSERT_EQ(golden.size(), meta["n_texts"].get<size_t>());

  std::vector<int> n_agree(vocabs.size(), 0);
  std::vector<int64_t> n_tokens(vocabs.size(), 0);
  int n_texts = 0, n_reported = 0;
  for (const std::string& task : tasks) {
    const auto r = boxed::testing::run_boxed(
        "prompts --task " + task + " --dataset '" +
        (shared_dir() / "datasets" / task / "test.jsonl").string() +
        "' --chat-template deepseek-r1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::istringstream prompts(r.output);
    while (std::getline(prompts, line)) {
      const auto p = nlohmann::json::parse(line);
      const std::string id = p["problem_id"];
      for (const char* kind : {"content", "prompt"}) {
        const std::string text = std::string(kind) == "content"
                                     ? p["messages"][0]["content"].get<std::string>()
                                     : p["prompt"].get<std::string>();
        const auto it = golden.find(task + "|" + id + "|" + kind);
        ASSERT_NE(it, golden.end()) << task << " " << id << " " << kind << " has no golden row";
        ASSERT_EQ(it->second["text_fnv1a64"], fnv1a64(text))
            << task << " " << id << " " << kind
            << ": boxed's text changed since the golden; rerun "
               "tools/llama_cpp/make_tokenizer_golden.py";
        ++n_texts;
        for (size_t v = 0; v < vocabs.size(); ++v) {
          const std::vector<int32_t> ids = tokenizers[v].encode(text, /*parse_special=*/true);
          const auto& want = it->second[vocabs[v].first];
          n_tokens[v] += static_cast<int64_t>(ids.size());
          if (want[0].get<size_t>() == ids.size() && want[1] == ids_hash(ids)) {
            ++n_agree[v];
          } else if (n_reported++ < 10) {
            ADD_FAILURE() << vocabs[v].first << " " << task << " " << id << " " << kind
                          << ": llama.cpp gives " << want[0] << " tokens, boxed " << ids.size()
                          << ": " << nlohmann::json(ids).dump() << "\ntext: "
                          << nlohmann::json(text).dump();
          }
        }
      }
    }
  }
  EXPECT_EQ(static_cast<size_t>(n_texts), golden.size());
  for (size_t v = 0; v < vocabs.size(); ++v) {
    std::cout << vocabs[v].first << ": " << n_agree[v] << " / " << n_texts
              << " texts give llama.cpp's ids (" << n_tokens[v] << " tokens; llama.cpp "
              << meta["llama_cpp"].get<std::string>() << ")\n";
    EXPECT_EQ(n_agree[v], n_texts) << vocabs[v].first;
  }
}

TEST(LlamaCppParityTest, EdgeCases) {
  const std::vector<std::pair<std::string, std::string>> vocabs = {
      {"qwen2", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"},
      {"smollm", "smollm2-135m-instruct-q4_1.gguf"},
      {"r1", "r1-distill-qwen-7b-q4_k_m.head.gguf"}};
  const std::string golden = testing::read_text(testing::source_dir() / "tests" / "data" /
                                                "golden" / "llama_cpp_tokenizer_edge.jsonl");
  ASSERT_FALSE(golden.empty()) << "run tools/llama_cpp/make_tokenizer_golden.py";
  for (const auto& [name, file] : vocabs) {
    const fs::path path = testing::model_file(file);
    if (path.empty()) GTEST_SKIP() << file << " is not fetched (../shared/models/fetch.sh)";
    const Tokenizer tok = Tokenizer::load(path.string());
    std::istringstream in(golden);
    int n_rows = 0, n_agree = 0, n_nfc = 0;
    for (std::string line; std::getline(in, line);) {
      const auto row = nlohmann::json::parse(line);
      const std::string text = row["text"];
      const auto want = row[name].get<std::vector<int32_t>>();
      const std::vector<int32_t> ids = tok.encode(text, /*parse_special=*/true);
      ++n_rows;
      n_nfc += row["nfc"].get<bool>() ? 1 : 0;
      if (ids == want) {
        ++n_agree;
      } else {
        ADD_FAILURE() << name << ": " << row["note"].get<std::string>() << " "
                      << nlohmann::json(text).dump() << "\n llama.cpp " << nlohmann::json(want).dump()
                      << "\n boxed     " << nlohmann::json(ids).dump();
      }
    }
    std::cout << name << ": " << n_agree << " / " << n_rows << " edge cases give llama.cpp's ids ("
              << n_nfc << " not in NFC)\n";
    EXPECT_EQ(n_rows, 70);
    EXPECT_EQ(n_agree, n_rows) << name;
  }
}

}  // namespace
}  // namespace boxed::inference::tokenizer
