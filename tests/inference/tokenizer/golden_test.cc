// Golden tokenizations from Hugging Face `tokenizers` (tools/tokenizer/make_golden.py) over the
// 70 inputs of tests/data/tokenizer/golden_inputs.jsonl (multilingual, code, LaTeX, whitespace
// runs, digits, emoji, special tokens, added-token flags): ids with special tokens parsed, ids
// with them as text, and the decoded text.
// - Qwen2: the committed tokenizer.json skeleton refilled with ../shared's Qwen2 vocabulary
//   (skips when ../shared is absent).
// - Llama-3 style: a committed small tokenizer.json (Llama-3 regex, ignore_merges) — always runs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "inference/tokenizer/tokenizer.h"
#include "tests/inference/tokenizer/test_paths.h"

namespace boxed::inference::tokenizer {
namespace {

using testing::read_text;
using testing::shared_tokenizer_dir;
using testing::source_dir;

std::filesystem::path data_dir() { return source_dir() / "tests" / "data" / "tokenizer"; }

std::vector<nlohmann::json> read_rows(const std::string& name) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(read_text(data_dir() / name));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

void expect_golden(const Tokenizer& tok, const std::string& golden_name) {
  const std::vector<nlohmann::json> rows = read_rows(golden_name);
  ASSERT_EQ(rows.size(), 70u);
  int n_failed = 0;
  for (const nlohmann::json& row : rows) {
    const std::string text = row["text"].get<std::string>();
    const auto ids = row["ids"].get<std::vector<int32_t>>();
    const std::string label = row["note"].get<std::string>() + ": " + nlohmann::json(text).dump();
    const std::vector<int32_t> got = tok.encode(text, true);
    const std::vector<int32_t> got_plain = tok.encode(text, false);
    EXPECT_EQ(got, ids) << label;
    EXPECT_EQ(got_plain, row["ids_plain"].get<std::vector<int32_t>>()) << label << " (plain)";
    EXPECT_EQ(tok.decode(ids), row["decoded"].get<std::string>()) << label << " (decode)";
    n_failed += got != ids;
  }
  EXPECT_EQ(n_failed, 0);
}

TEST(TokenizerGoldenTest, Qwen2FromSharedVocabulary) {
  const auto dir = shared_tokenizer_dir("qwen2");
  if (dir.empty()) GTEST_SKIP() << "../shared/tokenizers/qwen2 is absent: Qwen2 golden skipped";
  nlohmann::json j = nlohmann::json::parse(read_text(data_dir() / "qwen2_skeleton.json"));
  j["model"]["vocab"] = nlohmann::json::parse(read_text(dir / "vocab.json"));
  std::istringstream merges(read_text(dir / "merges.txt"));
  std::string line;
  std::getline(merges, line);  // "#version: 0.2"
  while (std::getline(merges, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    j["model"]["merges"].push_back({line.substr(0, space), line.substr(space + 1)});
  }
  const Tokenizer tok = Tokenizer::from_json_text(j.dump(), "qwen2_skeleton.json + ../shared");
  EXPECT_EQ(tok.vocab_size(), 151668);  // 151643 + 22 R1 tokens + 3 test tokens
  EXPECT_EQ(tok.pre_name(), "qwen2");
  EXPECT_EQ(tok.bos_id(), 151646);  // from the post-processor template, as in R1-Distill
  expect_golden(tok, "qwen2_golden.jsonl");
}

TEST(TokenizerGoldenTest, Llama3StyleCommittedTokenizer) {
  const Tokenizer tok = Tokenizer::load((data_dir() / "llama3_style_tokenizer.json").string());
  EXPECT_EQ(tok.pre_name(), "llama3");
  expect_golden(tok, "llama3_style_golden.jsonl");
}

// One Tokenizer shared by 8 threads (its word cache is shared) gives the golden ids in each.
TEST(TokenizerGoldenTest, ConcurrentEncodeMatchesGolden) {
  const Tokenizer tok = Tokenizer::load((data_dir() / "llama3_style_tokenizer.json").string());
  const std::vector<nlohmann::json> rows = read_rows("llama3_style_golden.jsonl");
  std::vector<int> n_wrong(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = 0; i < rows.size(); ++i) {
          const auto& row = rows[(i + static_cast<size_t>(t) * 7) % rows.size()];
          n_wrong[t] += tok.encode(row["text"].get<std::string>(), true) !=
                        row["ids"].get<std::vector<int32_t>>();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(n_wrong, std::vector<int>(8, 0));
}

TEST(TokenizerGoldenTest, Llama3StyleRejectsWrongPre) {
  EXPECT_THROW(Tokenizer::load((data_dir() / "llama3_style_tokenizer.json").string(), "qwen2"),
               std::runtime_error);
}

}  // namespace
}  // namespace boxed::inference::tokenizer
