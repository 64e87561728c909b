// The completion log: header and records round-trip; a resume with another configuration is
// refused naming each difference; a torn last line is dropped and the file stays appendable;
// error records are superseded by a retry, any other repeat is corruption.
#include "harness/completion_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "datasets/jsonl_reader.h"

namespace boxed::harness {
namespace {

namespace fs = std::filesystem;
using inference::FinishReason;
using nlohmann::json;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("boxed_log_" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  return dir;
}

const json kConfig = {{"model", "R1-1.5B"},
                      {"sampling", {{"temperature", 0.6}, {"top_p", 0.95}, {"max_tokens", 32768}}},
                      {"datasets", {{"aime24", "ab12"}}},
                      {"samples", 4},
                      {"seed", 7}};

LogRecord record(const std::string& problem, int sample, FinishReason reason = FinishReason::kStop,
                 std::string text = "\\boxed{3}") {
  LogRecord r{.id = "aime24/" + problem + "/" + std::to_string(sample),
              .task = "aime24", .problem_id = problem, .sample = sample, .seed = 99};
  r.completion = {.id = r.id, .text = std::move(text), .finish_reason = reason,
                  .prompt_tokens = 10, .completion_tokens = 20,
                  .error = reason == FinishReason::kError ? "HTTP 500" : ""};
  return r;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CompletionLog, WritesHeaderAndRecordsThatReopenIdentically) {
  const fs::path dir = fresh_dir("roundtrip");
  {
    CompletionLog log = CompletionLog::open(dir, kConfig, {{"backend", "openai"}});
    EXPECT_EQ(log.resumed_records(), 0);
    log.append(record("1", 0));
    log.append(record("1", 1, FinishReason::kLength, "cut off"));
  }
  const datasets::JsonlContents lines = datasets::read_jsonl((dir / "completions.jsonl").string());
  ASSERT_EQ(lines.records.size(), 3u);
  EXPECT_EQ(lines.records[0].value["type"], "header");
  EXPECT_EQ(lines.records[0].value["format"], "boxed-completions/1");
  EXPECT_EQ(lines.records[0].value["config"], kConfig);
  EXPECT_EQ(lines.records[0].value["info"]["backend"], "openai");
  EXPECT_EQ(lines.records[1].value["id"], "aime24/1/0");
  EXPECT_EQ(lines.records[2].value["finish_reason"], "length");

  CompletionLog again = CompletionLog::open(dir, kConfig, {{"backend", "cpu"}});  // info may differ
  EXPECT_EQ(again.resumed_records(), 2);
  EXPECT_FALSE(again.dropped_torn_tail());
  EXPECT_TRUE(again.is_done("aime24/1/0"));
  EXPECT_TRUE(again.is_done("aime24/1/1"));
  EXPECT_FALSE(again.is_done("aime24/1/2"));
  const LogRecord& r = again.latest().at("aime24/1/1");
  EXPECT_EQ(r.completion.text, "cut off");
  EXPECT_EQ(r.completion.finish_reason, FinishReason::kLength);
  EXPECT_EQ(r.completion.prompt_tokens, 10);
  EXPECT_EQ(r.completion.completion_tokens, 20);
  EXPECT_EQ(r.seed, 99u);
  EXPECT_EQ(r.sample, 1);
}

TEST(CompletionLog, ResumeWithAnotherConfigurationIsRefusedNamingTheDifferences) {
  const fs::path dir = fresh_dir("config");
  CompletionLog::open(dir, kConfig, {}).append(record("1", 0));
  json other = kConfig;
  other["model"] = "R1-7B";
  other["sampling"]["temperature"] = 0.7;
  other["datasets"]["aime24"] = "cd34";
  try {
    CompletionLog::open(dir, other, {});
    FAIL() << "expected a refusal";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("model: \"R1-1.5B\" in the log, \"R1-7B\" now"), std::string::npos) << what;
    EXPECT_NE(what.find("sampling.temperature: 0.6 in the log, 0.7 now"), std::string::npos) << what;
    EXPECT_NE(what.find("datasets.aime24: \"ab12\" in the log, \"cd34\" now"), std::string::npos)
        << what;
    EXPECT_EQ(what.find("top_p"), std::string::npos) << "equal fields are not listed: " << what;
  }
  // The refused open wrote nothing.
  EXPECT_EQ(datasets::read_jsonl((dir / "completions.jsonl").string()).records.size(), 2u);
}

TEST(CompletionLog, ConfigDifferencesCoverAddedAndRemovedKeys) {
  const auto diffs = config_differences({{"a", 1}, {"b", {{"c", 2}}}}, {{"b", {{"c", 2}, {"d", 3}}}});
  ASSERT_EQ(diffs.size(), 2u);
  EXPECT_EQ(diffs[0], "a: 1 in the log, null now");
  EXPECT_EQ(diffs[1], "b.d: null in the log, 3 now");
  EXPECT_TRUE(config_differences(kConfig, kConfig).empty());
}

TEST(CompletionLog, TornLastLineIsDroppedAndTheLogStaysAppendable) {
  const fs::path dir = fresh_dir("torn");
  const fs::path file = dir / "completions.jsonl";
  { CompletionLog::open(dir, kConfig, {}).append(record("1", 0)); }
  const auto intact_size = fs::file_size(file);
  std::ofstream(file, std::ios::app | std::ios::binary) << R"({"type":"completion","id":"aime24/1/1","te)";
  {
    CompletionLog log = CompletionLog::open(dir, kConfig, {});
    EXPECT_TRUE(log.dropped_torn_tail());
    EXPECT_EQ(log.resumed_records(), 1);
    EXPECT_FALSE(log.is_done("aime24/1/1"));
    EXPECT_EQ(fs::file_size(file), intact_size);
    log.append(record("1", 1));
  }
  const datasets::JsonlContents lines = datasets::read_jsonl(file.string());
  EXPECT_FALSE(lines.torn_tail);
  ASSERT_EQ(lines.records.size(), 3u);
  EXPECT_EQ(lines.records[2].value["id"], "aime24/1/1");
}

TEST(CompletionLog, CompleteLastLineWithoutNewlineIsKeptAndTerminated) {
  const fs::path dir = fresh_dir("nonewline");
  const fs::path file = dir / "completions.jsonl";
  { CompletionLog::open(dir, kConfig, {}).append(record("1", 0)); }
  std::string text = slurp(file);
  text += to_json(record("1", 1)).dump();  // no trailing newline
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  {
    CompletionLog log = CompletionLog::open(dir, kConfig, {});
    EXPECT_TRUE(log.is_done("aime24/1/1"));
    log.append(record("1", 2));
  }
  EXPECT_EQ(datasets::read_jsonl(file.string()).records.size(), 4u);
}

TEST(CompletionLog, KilledWhileWritingTheHeaderStartsFresh) {
  const fs::path dir = fresh_dir("tornheader");
  fs::create_directories(dir);
  std::ofstream(dir / "completions.jsonl", std::ios::binary) << R"({"type":"head)";
  CompletionLog log = CompletionLog::open(dir, kConfig, {});
  EXPECT_EQ(log.header()["config"], kConfig);
  EXPECT_EQ(log.resumed_records(), 0);
}

TEST(CompletionLog, ErrorRecordIsRetriedAndSuperseded) {
  const fs::path dir = fresh_dir("retry");
  {
    CompletionLog log = CompletionLog::open(dir, kConfig, {});
    log.append(record("2", 0, FinishReason::kError, ""));
    EXPECT_FALSE(log.is_done("aime24/2/0"));
  }
  {
    CompletionLog log = CompletionLog::open(dir, kConfig, {});
    EXPECT_FALSE(log.is_done("aime24/2/0"));
    log.append(record("2", 0));
  }
  const LogContents contents = read_completion_log(dir / "completions.jsonl");
  EXPECT_EQ(contents.n_records, 2);
  EXPECT_EQ(contents.latest.at("aime24/2/0").completion.finish_reason, FinishReason::kStop);
}

TEST(CompletionLog, RepeatAfterAResponseIsCorruption) {
  const fs::path dir = fresh_dir("dup");
  {
    CompletionLog log = CompletionLog::open(dir, kConfig, {});
    log.append(record("3", 0));
    log.append(record("3", 0));
  }
  try {
    read_completion_log(dir / "completions.jsonl");
    FAIL() << "expected a duplicate error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("completions.jsonl:3: id 'aime24/3/0' is already logged"),
              std::string::npos)
        << e.what();
  }
}

TEST(CompletionLog, MalformedRecordsNameFileLineAndField) {
  const fs::path dir = fresh_dir("malformed");
  { CompletionLog::open(dir, kConfig, {}); }
  json bad = to_json(record("4", 0));
  bad["finish_reason"] = "done";
  std::ofstream(dir / "completions.jsonl", std::ios::app) << bad.dump() << "\n";
  try {
    read_completion_log(dir / "completions.jsonl");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":2: field 'finish_reason'"), std::string::npos)
        << e.what();
  }
  json wrong_id = to_json(record("4", 0));
  wrong_id["id"] = "aime24/4/1";
  EXPECT_THROW(record_from_json(wrong_id, "x:1"), std::runtime_error);
  json no_text = to_json(record("4", 0));
  no_text.erase("text");
  EXPECT_THROW(record_from_json(no_text, "x:1"), std::runtime_error);
}

TEST(CompletionLog, InvalidUtf8InAResponseIsStillLogged) {
  const fs::path dir = fresh_dir("utf8");
  {
    CompletionLog log = CompletionLog::open(dir, kConfig, {});
    log.append(record("5", 0, FinishReason::kLength, "cut mid-character \xe2\x88"));
  }
  const LogContents contents = read_completion_log(dir / "completions.jsonl");
  EXPECT_EQ(contents.latest.at("aime24/5/0").completion.text, "cut mid-character \xef\xbf\xbd");
}

}  // namespace
}  // namespace boxed::harness
