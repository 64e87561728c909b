// `boxed tokenize` / `boxed detokenize` end to end (the binary from BOXED_BINARY, set by CTest),
// on the committed Llama-3-style tokenizer: ids equal the Hugging Face golden ids, JSONL lines
// keep their fields and gain "ids" / "text", and errors exit with status 2 and a message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/inference/tokenizer/test_paths.h"
#include "tests/support/run_boxed.h"

namespace boxed::inference::tokenizer {
namespace {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string out;  // stdout and stderr
};

Result run(const std::string& args) {
  const boxed::testing::RunResult r = boxed::testing::run_boxed(args);
  return {r.exit_code, r.output};
}

std::string tokenizer_path() {
  return (testing::source_dir() / "tests" / "data" / "tokenizer" / "llama3_style_tokenizer.json")
      .string();
}

// The first golden row: {"text": "Hello world", "ids": [...]}.
nlohmann::json first_golden_row() {
  std::ifstream in(testing::source_dir() / "tests" / "data" / "tokenizer" /
                   "llama3_style_golden.jsonl");
  std::string line;
  std::getline(in, line);
  return nlohmann::json::parse(line);
}

std::string join(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s;
}

TEST(TokenizeCliTest, TextAndIdsRoundTrip) {
  const nlohmann::json row = first_golden_row();
  const std::string ids = join(row["ids"].get<std::vector<int32_t>>());
  const Result enc = run("tokenize --tokenizer " + tokenizer_path() + " --text '" +
                         row["text"].get<std::string>() + "'");
  EXPECT_EQ(enc.status, 0) << enc.out;
  EXPECT_EQ(enc.out, ids + "\n");
  const Result dec = run("detokenize --tokenizer " + tokenizer_path() + " --ids " + ids);
  EXPECT_EQ(dec.status, 0) << dec.out;
  EXPECT_EQ(dec.out, row["text"].get<std::string>() + "\n");
}

TEST(TokenizeCliTest, JsonlLinesGainIdsThenText) {
  const fs::path in = fs::temp_directory_path() / ("boxed_tok_cli_" + std::to_string(::getpid()));
  std::ofstream(in) << R"({"id": "a", "text": "Hello world"})"
                    << "\n\n"
                    << R"({"text": "x  = 12345", "note": "digits"})"
                    << "\n";
  const Result enc = run("tokenize --tokenizer " + tokenizer_path() + " " + in.string());
  ASSERT_EQ(enc.status, 0) << enc.out;
  std::istringstream lines(enc.out);
  std::string l1, l2;
  std::getline(lines, l1);
  std::getline(lines, l2);
  const auto j1 = nlohmann::ordered_json::parse(l1);
  EXPECT_EQ(j1.begin().key(), "id");  // fields keep their order; "ids" is appended
  EXPECT_EQ(j1["ids"], first_golden_row()["ids"]);
  EXPECT_EQ(nlohmann::ordered_json::parse(l2)["note"], "digits");
  // Feeding the output to detokenize gives the texts back.
  std::ofstream(in) << enc.out;
  const Result dec = run("detokenize --tokenizer " + tokenizer_path() + " " + in.string());
  ASSERT_EQ(dec.status, 0) << dec.out;
  std::istringstream back(dec.out);
  std::getline(back, l1);
  std::getline(back, l2);
  EXPECT_EQ(nlohmann::json::parse(l1)["text"], "Hello world");
  EXPECT_EQ(nlohmann::json::parse(l2)["text"], "x  = 12345");
  fs::remove(in);
}

TEST(TokenizeCliTest, ErrorsExitTwoWithAMessage) {
  const Result no_input = run("tokenize --tokenizer " + tokenizer_path());
  EXPECT_EQ(no_input.status, 2);
  EXPECT_NE(no_input.out.find("give --text S, a FILE, or - for stdin"), std::string::npos)
      << no_input.out;
  const Result bad_id = run("detokenize --tokenizer " + tokenizer_path() + " --ids 1,x");
  EXPECT_EQ(bad_id.status, 2);
  EXPECT_NE(bad_id.out.find("found \"x\""), std::string::npos) << bad_id.out;
  const Result out_of_range = run("detokenize --tokenizer " + tokenizer_path() + " --ids 999999");
  EXPECT_EQ(out_of_range.status, 2);
  EXPECT_NE(out_of_range.out.find("token id 999999 is outside"), std::string::npos);
}

}  // namespace
}  // namespace boxed::inference::tokenizer
