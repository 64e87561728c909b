// The 46 Qwen2 reference tokenizations of llama.cpp (ggml-vocab-qwen2.gguf.inp/.out, produced by
// the Hugging Face tokenizer; see ../shared/tokenizers/qwen2/SOURCE.md) must come out exactly,
// from vocab.json + merges.txt with --pre qwen2 and from tokenizer.json files built from the
// same two files (merges in both published forms). Skips when ../shared is absent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "inference/tokenizer/pre_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"
#include "tests/inference/tokenizer/test_paths.h"

namespace boxed::inference::tokenizer {
namespace {

using testing::read_text;
using testing::shared_tokenizer_dir;

struct Case {
  std::string text;
  std::vector<int32_t> ids;
};

// .inp joins the strings with "\n__ggml_vocab_test__\n" (and ends with one); .out has one line
// of space-separated ids per string (llama.cpp tests/test-tokenizer-0.cpp reads them so).
std::vector<Case> read_cases(const std::filesystem::path& dir) {
  const std::string inp = read_text(dir / "ggml-vocab-qwen2.gguf.inp");
  const std::string out = read_text(dir / "ggml-vocab-qwen2.gguf.out");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<Case> cases;
  for (size_t pos = 0; pos < inp.size();) {
    const size_t next = inp.find(sep, pos);
    if (next == std::string::npos) break;
    cases.push_back({inp.substr(pos, next - pos), {}});
    pos = next + sep.size();
  }
  std::istringstream lines(out);
  std::string line;
  for (Case& c : cases) {
    std::getline(lines, line);
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) c.ids.push_back(id);
  }
  return cases;
}

// A tokenizer.json in Qwen2's layout around the shared vocab.json + merges.txt.
std::string build_tokenizer_json(const std::filesystem::path& dir, bool merges_as_pairs) {
  nlohmann::json vocab = nlohmann::json::parse(read_text(dir / "vocab.json"));
  nlohmann::json merges = nlohmann::json::array();
  std::istringstream in(read_text(dir / "merges.txt"));
  std::string line;
  std::getline(in, line);  // "#version: 0.2"
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the shared file has CRLF
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    if (merges_as_pairs) {
      merges.push_back({line.substr(0, space), line.substr(space + 1)});
    } else {
      merges.push_back(line);
    }
  }
  const nlohmann::json byte_level = {{"type", "ByteLevel"},
                                     {"add_prefix_space", false},
                                     {"trim_offsets", false},
                                     {"use_regex", false}};
  nlohmann::json j = {
      {"added_tokens", nlohmann::json::array()},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", std::string(pre_family_pattern(PreFamily::kQwen2))}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          byte_level}}}},
      {"decoder", byte_level},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
  return j.dump();
}

class Qwen2ReferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = shared_tokenizer_dir("qwen2");
    if (dir_.empty()) GTEST_SKIP() << "../shared/tokenizers/qwen2 is absent: reference skipped";
    cases_ = read_cases(dir_);
    ASSERT_EQ(cases_.size(), 46u);
  }
  void expect_all(const Tokenizer& tok) {
    for (size_t i = 0; i < cases_.size(); ++i) {
      EXPECT_EQ(tok.encode(cases_[i].text, false), cases_[i].ids)
          << "case " << i << ": " << nlohmann::json(cases_[i].text).dump();
      // Decoding gives the text back (all 46 strings are NFC already).
      EXPECT_EQ(tok.decode(cases_[i].ids), cases_[i].text) << "case " << i;
    }
  }
  std::filesystem::path dir_;
  std::vector<Case> cases_;
};

TEST_F(Qwen2ReferenceTest, VocabJsonAndMergesTxt) {
  const Tokenizer tok = Tokenizer::load((dir_ / "vocab.json").string(), "qwen2");
  EXPECT_EQ(tok.vocab_size(), 151643);
  expect_all(tok);
}

TEST_F(Qwen2ReferenceTest, TokenizerJsonWithStringMerges) {
  expect_all(Tokenizer::from_json_text(build_tokenizer_json(dir_, false), "built.json"));
}

TEST_F(Qwen2ReferenceTest, TokenizerJsonWithPairMerges) {
  expect_all(Tokenizer::from_json_text(build_tokenizer_json(dir_, true), "built.json"));
}

TEST_F(Qwen2ReferenceTest, VocabJsonWithoutPreIsRefused) {
  try {
    Tokenizer::load((dir_ / "vocab.json").string(), "");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--pre qwen2|llama3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace boxed::inference::tokenizer
