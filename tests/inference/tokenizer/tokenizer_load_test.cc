// Loading rules and refusals: merges.txt lines beginning with '#', ignore_merges, path forms
// (directory, tokenizer.json, vocab.json), bos/eos from tokenizer_config.json, and clear errors
// for what is not supported or inconsistent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "inference/tokenizer/pre_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::tokenizer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("boxed_tokload_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

// A small byte-level vocabulary: the 256 byte symbols plus `extra` entries.
json byte_vocab(const std::vector<std::string>& extra) {
  json vocab = json::object();
  // Bytes 0x21..0x7E are their own symbols in the byte-level alphabet (GPT-2 bytes_to_unicode).
  for (int b = 0x21; b <= 0x7E; ++b) vocab[std::string(1, static_cast<char>(b))] = b - 0x21;
  vocab["Ġ"] = 94;  // space
  int id = 95;
  for (const std::string& e : extra) vocab[e] = id++;
  return vocab;
}

json tokenizer_json(const json& vocab, const json& merges, bool ignore_merges,
                    std::string pattern = std::string(pre_family_pattern(PreFamily::kLlama3))) {
  const json byte_level = {{"type", "ByteLevel"},
                           {"add_prefix_space", false},
                           {"trim_offsets", true},
                           {"use_regex", false}};
  return {
      {"added_tokens", json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", pattern}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          byte_level}}}},
      {"decoder", byte_level},
      {"model",
       {{"type", "BPE"}, {"ignore_merges", ignore_merges}, {"vocab", vocab}, {"merges", merges}}}};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TokenizerLoadTest, MergesBeginningWithHashAreMergesNotComments) {
  TempDir dir;
  // Llama-3's merges.txt has merges such as "# #"; only the "#version" header is a comment.
  dir.write("vocab.json", byte_vocab({"##", "#a", "###"}).dump());
  dir.write("merges.txt", "#version: 0.2\n# #\n# a\n## #\n");
  const Tokenizer tok = Tokenizer::load((dir.path / "vocab.json").string(), "llama3");
  EXPECT_EQ(tok.encode("###", false), (std::vector<int32_t>{97}));
  EXPECT_EQ(tok.encode("#a", false), (std::vector<int32_t>{96}));
  // The directory form finds vocab.json + merges.txt too.
  EXPECT_EQ(Tokenizer::load(dir.path.string(), "llama3").encode("##", false),
            (std::vector<int32_t>{95}));
}

TEST(TokenizerLoadTest, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  // "abc" is in the vocabulary but no merge builds it.
  const json vocab = byte_vocab({"ab", "abc"});
  const json merges = json::array({"a b"});
  const auto with = Tokenizer::from_json_text(tokenizer_json(vocab, merges, true).dump(), "t");
  const auto without = Tokenizer::from_json_text(tokenizer_json(vocab, merges, false).dump(), "t");
  const int32_t c = 'c' - 0x21;
  EXPECT_EQ(with.encode("abc", false), (std::vector<int32_t>{96}));
  EXPECT_EQ(without.encode("abc", false), (std::vector<int32_t>{95, c}));
}

TEST(TokenizerLoadTest, BosEosFromTokenizerConfigBeside) {
  TempDir dir;
  json j = tokenizer_json(byte_vocab({}), json::array(), false);
  j["added_tokens"] = json::array({{{"id", 200}, {"content", "<s>"}, {"special", true}},
                                   {{"id", 201}, {"content", "</s>"}, {"special", true}}});
  dir.write("tokenizer.json", j.dump());
  dir.write("tokenizer_config.json", R"({"bos_token": {"content": "<s>"}, "eos_token": "</s>"})");
  const Tokenizer tok = Tokenizer::load(dir.path.string());
  EXPECT_EQ(tok.bos_id(), 200);
  EXPECT_EQ(tok.eos_id(), 201);
  EXPECT_EQ(tok.vocab_size(), 202);
  EXPECT_TRUE(tok.is_special(200));
  EXPECT_EQ(tok.decode(std::vector<int32_t>{200, 'h' - 0x21, 201}, /*skip_special=*/true), "h");
}

TEST(TokenizerLoadTest, RefusalsSayWhereAndWhat) {
  const json vocab = byte_vocab({"ab"});
  // An unknown Split regex is refused, not guessed.
  EXPECT_NE(error_of([&] {
              Tokenizer::from_json_text(
                  tokenizer_json(vocab, json::array(), false, R"(\p{L}+|\p{N}+)").dump(), "x.json");
            }).find("x.json: pre_tokenizer.pretokenizers[0].pattern.Regex: unknown pre-tokenizer"),
            std::string::npos);
  json j = tokenizer_json(vocab, json::array(), false);
  j["normalizer"] = {{"type", "Lowercase"}};
  EXPECT_NE(error_of([&] {
              Tokenizer::from_json_text(j.dump(), "x.json");
            }).find("x.json: normalizer: unsupported normalizer"),
            std::string::npos);
  // A merge whose result is not in the vocabulary names the merge.
  EXPECT_NE(error_of([&] {
              Tokenizer::from_json_text(
                  tokenizer_json(vocab, json::array({"a b", "b c"}), false).dump(), "x.json");
            }).find("merge 1 (\"b c\"): merged symbol \"bc\" is not in the vocabulary"),
            std::string::npos);
  // A malformed merges.txt line names the file and line.
  TempDir dir;
  dir.write("vocab.json", vocab.dump());
  const std::string merges = dir.write("merges.txt", "#version: 0.2\na b\na b c\n");
  EXPECT_NE(error_of([&] {
              Tokenizer::load((dir.path / "vocab.json").string(), "qwen2");
            }).find(merges + ":3: expected a merge"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              Tokenizer::load((dir.path / "vocab.json").string(), "bert");
            }).find("--pre: expected qwen2, llama3, gpt2 or smollm"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { Tokenizer::load((dir.path / "missing").string()); }).find("no such file"),
      std::string::npos);
  EXPECT_THROW(Tokenizer::from_json_text("{not json", "x.json"), std::runtime_error);
}

// A normalized added token whose content is not NFC matches NFC text and NFD text alike, as in
// Hugging Face (checked there: both "e\u0301x" and "\u00e9x" give the token).
TEST(TokenizerLoadTest, NormalizedAddedTokenContentIsNormalizedToo) {
  json j = tokenizer_json(byte_vocab({}), json::array(), false,
                          std::string(pre_family_pattern(PreFamily::kQwen2)));
  j["normalizer"] = {{"type", "NFC"}};
  j["added_tokens"] = json::array(
      {{{"id", 300}, {"content", "e\u0301x"}, {"normalized", true}, {"special", false}}});
  const Tokenizer tok = Tokenizer::from_json_text(j.dump(), "t");
  EXPECT_EQ(tok.encode("e\u0301x", true), (std::vector<int32_t>{300}));
  EXPECT_EQ(tok.encode("\u00e9x", true), (std::vector<int32_t>{300}));
  EXPECT_EQ(tok.encode("a\u00e9xb", true), (std::vector<int32_t>{'a' - 0x21, 300, 'b' - 0x21}));
  EXPECT_EQ(tok.token_text(300), "e\u0301x");  // the stored form keeps the original content
}

TEST(TokenizerLoadTest, TokenLookups) {
  const auto tok = Tokenizer::from_json_text(
      tokenizer_json(byte_vocab({"ab"}), json::array({"a b"}), false).dump(), "t");
  EXPECT_EQ(tok.token_id("ab"), 95);
  EXPECT_EQ(tok.token_id("zz"), std::nullopt);
  EXPECT_EQ(tok.token_text(94), "Ġ");
  EXPECT_EQ(tok.token_bytes(94), " ");
  EXPECT_THROW(tok.token_text(96), std::out_of_range);
  EXPECT_THROW(tok.decode(std::vector<int32_t>{-1}), std::out_of_range);
}

}  // namespace
}  // namespace boxed::inference::tokenizer
