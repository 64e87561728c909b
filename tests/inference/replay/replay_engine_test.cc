// The replay backend: saved completions come back by id with their text, finish reason and
// counts; the last record of an id wins; a missing id is an error value; a torn last line is
// dropped and a malformed middle line is refused with file:line.
#include "inference/replay/replay_engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>

namespace boxed::inference::replay {
namespace {

namespace fs = std::filesystem;

fs::path write_log(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("boxed_replay_" + std::to_string(getpid())) / name;
  fs::create_directories(dir);
  std::ofstream(dir / "completions.jsonl", std::ios::binary) << text;
  return dir;
}

constexpr const char* kLog =
    R"({"type":"header","format":"boxed-completions/1","config":{"model":"R1-1.5B"}})"
    "\n"
    R"({"type":"completion","id":"t/1/0","text":"\\boxed{1}","finish_reason":"stop","prompt_tokens":4,"completion_tokens":9,"error":""})"
    "\n"
    R"({"type":"completion","id":"t/1/1","text":"","finish_reason":"error","error":"HTTP 500"})"
    "\n"
    R"({"type":"completion","id":"t/2/0","text":"long","finish_reason":"length","completion_tokens":32768})"
    "\n"
    R"({"type":"completion","id":"t/1/1","text":"\\boxed{2}","finish_reason":"stop","completion_tokens":3})"
    "\n"
    R"({"type":"completion","id":"t/2/1","text":"torn)";

std::map<std::string, Completion> replay(ReplayEngine& engine, std::vector<std::string> ids) {
  std::vector<Request> requests;
  for (const std::string& id : ids) requests.push_back({.id = id});
  std::map<std::string, Completion> out;
  engine.generate(requests, [&](Completion c) { out.emplace(c.id, std::move(c)); });
  EXPECT_EQ(out.size(), ids.size());
  return out;
}

TEST(ReplayEngine, ReturnsSavedCompletionsByIdLastRecordWinning) {
  ReplayEngine engine(write_log("ok", kLog).string());
  EXPECT_EQ(engine.size(), 3u);  // t/1/0, t/1/1 (twice, one kept), t/2/0; torn t/2/1 dropped
  EXPECT_EQ(engine.info().backend, "replay");
  EXPECT_EQ(engine.info().model, "R1-1.5B");
  auto out = replay(engine, {"t/1/0", "t/1/1", "t/2/0", "t/2/1"});
  EXPECT_EQ(out["t/1/0"].text, "\\boxed{1}");
  EXPECT_EQ(out["t/1/0"].finish_reason, FinishReason::kStop);
  EXPECT_EQ(out["t/1/0"].prompt_tokens, 4);
  EXPECT_EQ(out["t/1/0"].completion_tokens, 9);
  EXPECT_EQ(out["t/1/1"].text, "\\boxed{2}");  // the retry that succeeded, not the error
  EXPECT_EQ(out["t/1/1"].finish_reason, FinishReason::kStop);
  EXPECT_EQ(out["t/2/0"].finish_reason, FinishReason::kLength);
  EXPECT_EQ(out["t/2/1"].finish_reason, FinishReason::kError);  // only its torn line existed
  EXPECT_NE(out["t/2/1"].error.find("no completion for 't/2/1'"), std::string::npos);
}

TEST(ReplayEngine, AcceptsTheLogFileItself) {
  const fs::path dir = write_log("file", kLog);
  ReplayEngine engine((dir / "completions.jsonl").string());
  EXPECT_EQ(engine.size(), 3u);
}

TEST(ReplayEngine, MalformedMiddleLineNamesFileAndLine) {
  // Line 2 is cut short but a complete line follows it: corruption, not a torn tail.
  const fs::path dir = write_log("bad", R"({"type":"header","config":{}})"
                                        "\n"
                                        R"({"type":"completion","id":"t/1/0","te)"
                                        "\n"
                                        R"({"type":"completion","id":"t/1/1","text":""})"
                                        "\n");
  try {
    ReplayEngine engine(dir.string());
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("completions.jsonl:2: not a JSON object"), std::string::npos) << e.what();
  }
  const fs::path bad_finish = write_log(
      "finish", R"({"type":"completion","id":"a","text":"","finish_reason":"done"})"
                "\n");
  EXPECT_THROW(ReplayEngine engine(bad_finish.string()), std::runtime_error);
  EXPECT_THROW(ReplayEngine engine("/nonexistent/boxed/log.jsonl"), std::runtime_error);
}

}  // namespace
}  // namespace boxed::inference::replay
