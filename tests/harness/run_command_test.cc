// `boxed run` end to end: the real binary (BOXED_BINARY) as a child process, talking real HTTP
// over loopback to the scripted OpenAI-compatible server. Shows that a run killed with SIGKILL
// and restarted ends with the same report as an uninterrupted one, every id logged exactly once
// (and, in process, a small log cut at every byte does too);
// that failing one request in ten loses nothing; that seeds and reports do not depend on
// --concurrency; and shard/merge, replay and the refusal of a changed configuration.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "harness/completion_log.h"
#include "harness/run_command.h"
#include "inference/engine.h"
#include "tests/support/scripted_openai_server.h"

namespace boxed::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ScriptedOpenAiServer;

constexpr int kProblems = 6;
constexpr int kSamples = 8;

std::string source_dir() {
  const char* d = std::getenv("BOXED_SOURCE_DIR");
  return d ? d : BOXED_SOURCE_DIR_PATH;
}
std::string dataset() { return source_dir() + "/tests/data/runner/tiny_aime.jsonl"; }

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("boxed_run_" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Exit {
  int status = -1;  // exit status, or -signal when killed
  std::string err;
};

// Runs `boxed args...`; with kill_after > 0, SIGKILLs it once the log in `watch` has that many
// completion lines. Bounded: a child still running after 120 s is killed and reported.
Exit run_boxed(std::vector<std::string> args, const fs::path& watch = {}, int kill_after = 0) {
  const char* binary = BOXED_BINARY_PATH;  // compiled in by boxed_add_gtest
  const fs::path err_file = fs::temp_directory_path() /
                            ("boxed_run_" + std::to_string(getpid()) + ".stderr");
  args.insert(args.begin(), binary);
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    const int null_fd = ::open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  int status = 0;
  bool killed = false;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (!killed && kill_after > 0 && fs::exists(watch)) {
      const std::string text = slurp(watch);
      const auto lines = std::count(text.begin(), text.end(), '\n');
      if (lines - 1 >= kill_after) {  // minus the header
        kill(pid, SIGKILL);
        killed = true;
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "boxed did not finish within 120 s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  Exit e{.err = slurp(err_file)};
  e.status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return e;
}

std::vector<std::string> run_args(const ScriptedOpenAiServer& server, const fs::path& out,
                                  int concurrency, uint64_t seed = 11) {
  return {"run", "--task", "aime24", "--dataset", dataset(), "--backend", "openai",
          "--endpoint", server.url(), "--model-name", "scripted-r1", "--samples",
          std::to_string(kSamples), "--seed", std::to_string(seed), "--concurrency",
          std::to_string(concurrency), "--out", out.string(), "--quiet", "--max-retries", "6"};
}

// report.json without what legitimately differs between two runs of the same thing: when and
// where it ran, how long it took, the command line and the server's address.
json stable_report(const fs::path& dir) {
  json r = json::parse(slurp(dir / "report.json"));
  json& m = r["manifest"];
  for (const char* k : {"created_at", "generation_seconds", "scoring_seconds", "command_line",
                        "engine_details", "backend", "host"}) {
    m.erase(k);
  }
  return r;
}

std::vector<std::string> planned_ids() {
  std::vector<std::string> ids;
  for (int p = 60; p < 60 + kProblems; ++p) {
    for (int s = 0; s < kSamples; ++s) ids.push_back(fmt::format("aime24/{}/{}", p, s));
  }
  return ids;
}

// Every planned id logged exactly once, none an error.
void expect_complete_log(const fs::path& dir) {
  const LogContents log = read_completion_log(dir / kCompletionLogName);
  EXPECT_EQ(log.n_records, kProblems * kSamples);
  for (const std::string& id : planned_ids()) {
    ASSERT_TRUE(log.latest.contains(id)) << id;
    EXPECT_NE(log.latest.at(id).completion.finish_reason, inference::FinishReason::kError) << id;
  }
  EXPECT_FALSE(log.torn_tail);
}

// One uninterrupted reference run, shared by the tests of this process (made by the first test
// that needs it; a failure to make it fails that test rather than skipping the suite).
class RunCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!server_) {
      server_ = new ScriptedOpenAiServer({.delay_ms = 5});
      reference_ = new fs::path(fresh_dir("reference"));
      const Exit e = run_boxed(run_args(*server_, *reference_, 4));
      reference_ok_ = e.status == 0;
      reference_err_ = e.err;
    }
    ASSERT_TRUE(reference_ok_) << "the reference run failed: " << reference_err_;
  }
  static inline ScriptedOpenAiServer* server_ = nullptr;  // lives until the process exits
  static inline fs::path* reference_ = nullptr;
  static inline bool reference_ok_ = false;
  static inline std::string reference_err_;
};

TEST_F(RunCommand, ReferenceRunLogsEveryIdOnceAndScoresSomeRightSomeWrong) {
  expect_complete_log(*reference_);
  for (const std::string& id : planned_ids()) EXPECT_EQ(server_->requests_for(id), 1) << id;
  const json report = stable_report(*reference_);
  const double pass1 = report["tasks"][0]["modes"][0]["pass@1"]["value"].get<double>();
  EXPECT_GT(pass1, 0.0);
  EXPECT_LT(pass1, 1.0);
  EXPECT_EQ(report["tasks"][0]["n_samples"], kSamples);
  EXPECT_EQ(report["tasks"][0]["n_problems"], kProblems);
}

TEST_F(RunCommand, KilledWithSigkillAndRestartedEndsWithTheSameReport) {
  ScriptedOpenAiServer server({.delay_ms = 20});
  const fs::path dir = fresh_dir("killed");
  const int concurrency = 4;
  const Exit first = run_boxed(run_args(server, dir, concurrency), dir / kCompletionLogName, 12);
  ASSERT_EQ(first.status, -SIGKILL) << "the run finished before it could be killed";
  const LogContents at_kill = read_completion_log(dir / kCompletionLogName);
  ASSERT_GE(at_kill.latest.size(), 12u);
  ASSERT_LT(at_kill.latest.size(), planned_ids().size());
  const std::map<std::string, int> served_before_restart = server.request_counts();
  // Also leave what a kill in the middle of a write leaves: a torn last line. (The SIGKILL above
  // may or may not have cut one; this makes the case certain.)
  if (!at_kill.torn_tail) {
    std::ofstream(dir / kCompletionLogName, std::ios::app | std::ios::binary)
        << R"({"type":"completion","id":"aime24/65/7","task":"aime24","problem_id":"65","sam)";
  }

  const Exit second = run_boxed(run_args(server, dir, concurrency));
  ASSERT_EQ(second.status, 0) << second.err;
  expect_complete_log(dir);
  EXPECT_EQ(stable_report(dir), stable_report(*reference_));
  EXPECT_EQ(slurp(dir / "samples.jsonl"), slurp(*reference_ / "samples.jsonl"));

  // "Exactly once": every id is logged exactly once (above). On the server, an id logged before
  // the kill was served once and never again; an id served before the kill but not logged was in
  // flight at the kill (at most `concurrency` of them) and is served exactly once more; every
  // other id is served exactly once, after the restart.
  int in_flight_at_kill = 0;
  for (const std::string& id : planned_ids()) {
    const int before = served_before_restart.contains(id) ? served_before_restart.at(id) : 0;
    const int total = server.requests_for(id);
    if (at_kill.latest.contains(id)) {
      EXPECT_EQ(total, 1) << id << " was logged before the kill but requested again";
    } else if (before > 0) {
      ++in_flight_at_kill;
      EXPECT_EQ(before, 1) << id;
      EXPECT_EQ(total, 2) << id;
    } else {
      EXPECT_EQ(total, 1) << id;
    }
  }
  EXPECT_LE(in_flight_at_kill, concurrency);
  std::printf("killed after %zu logged, %d in flight re-requested, %d requests for %zu ids\n",
              at_kill.latest.size(), in_flight_at_kill, server.total_requests(),
              planned_ids().size());
}

TEST_F(RunCommand, FailingOneRequestInTenLosesNothing) {
  ScriptedOpenAiServer server({.fail_fraction = 0.1});
  const fs::path dir = fresh_dir("failing");
  const Exit e = run_boxed(run_args(server, dir, 8));
  ASSERT_EQ(e.status, 0) << e.err;
  expect_complete_log(dir);
  int failing = 0;
  for (const std::string& id : planned_ids()) {
    const bool fails = testing::id_fraction(id) < 0.1;
    failing += fails;
    EXPECT_EQ(server.requests_for(id), fails ? 2 : 1) << id;
  }
  EXPECT_GT(failing, 0) << "the fixture must exercise failures";
  EXPECT_EQ(server.failed(), failing);
  EXPECT_EQ(stable_report(dir), stable_report(*reference_));
}

TEST_F(RunCommand, SameSeedGivesSameRequestSeedsAndReportWhateverConcurrency) {
  for (int concurrency : {1, 16}) {
    ScriptedOpenAiServer server;
    const fs::path dir = fresh_dir("concurrency" + std::to_string(concurrency));
    const Exit e = run_boxed(run_args(server, dir, concurrency));
    ASSERT_EQ(e.status, 0) << e.err;
    for (const std::string& id : planned_ids()) {
      EXPECT_EQ(server.seeds_for(id), std::vector<uint64_t>{inference::request_seed(11, id)}) << id;
      EXPECT_EQ(server.seeds_for(id), server_->seeds_for(id)) << id;
    }
    EXPECT_EQ(stable_report(dir), stable_report(*reference_)) << "concurrency " << concurrency;
  }
}

TEST_F(RunCommand, ResumeWithAnotherConfigurationIsRefused) {
  std::vector<std::string> args = run_args(*server_, *reference_, 4);
  args.insert(args.end(), {"--temperature", "0.7"});
  const int before = server_->total_requests();
  const Exit e = run_boxed(args);
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find("sampling.temperature"), std::string::npos) << e.err;
  EXPECT_EQ(server_->total_requests(), before);
}

TEST_F(RunCommand, ResumingACompleteRunRequestsNothing) {
  const fs::path dir = fresh_dir("complete");
  fs::copy(*reference_, dir);
  const int before = server_->total_requests();
  const Exit e = run_boxed(run_args(*server_, dir, 4));
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(server_->total_requests(), before);
  EXPECT_EQ(stable_report(dir), stable_report(*reference_));
}

TEST_F(RunCommand, ReplayRegradesASavedLogWithoutGenerating) {
  const fs::path dir = fresh_dir("replay");
  const Exit e = run_boxed({"run", "--task", "aime24", "--dataset", dataset(), "--backend",
                            "replay", "--from", reference_->string(), "--samples",
                            std::to_string(kSamples), "--seed", "11", "--out", dir.string(),
                            "--quiet"});
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(stable_report(dir)["tasks"], stable_report(*reference_)["tasks"]);
  EXPECT_EQ(slurp(dir / "samples.jsonl"), slurp(*reference_ / "samples.jsonl"));
}

TEST_F(RunCommand, ShardsMergeIntoTheSameReportAndMergeRefusesGapsAndDuplicates) {
  std::vector<std::string> shards;
  for (int i = 0; i < 3; ++i) {
    const fs::path dir = fresh_dir("shard" + std::to_string(i));
    std::vector<std::string> args = run_args(*server_, dir, 4);
    args.insert(args.end(), {"--shard", fmt::format("{}/3", i)});
    const Exit e = run_boxed(args);
    ASSERT_EQ(e.status, 0) << e.err;
    EXPECT_FALSE(fs::exists(dir / "report.json"));
    shards.push_back(dir.string());
  }
  const fs::path merged = fresh_dir("merged");
  Exit e = run_boxed({"merge", shards[0], shards[1], shards[2], "--out", merged.string()});
  ASSERT_EQ(e.status, 0) << e.err;
  expect_complete_log(merged);
  json a = stable_report(merged), b = stable_report(*reference_);
  EXPECT_EQ(a["tasks"], b["tasks"]);
  EXPECT_EQ(slurp(merged / "samples.jsonl"), slurp(*reference_ / "samples.jsonl"));

  e = run_boxed({"merge", shards[0], shards[1], "--out", fresh_dir("m1").string()});
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find("shard 2/3 is missing"), std::string::npos) << e.err;
  e = run_boxed({"merge", shards[0], shards[1], shards[1], "--out", fresh_dir("m2").string()});
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find("shard 1/3 is given twice"), std::string::npos) << e.err;

  // A gap: the last response of shard 2 lost.
  const fs::path log2 = fs::path(shards[2]) / kCompletionLogName;
  std::string text = slurp(log2);
  const std::string full = text;
  text.pop_back();
  text.erase(text.rfind('\n') + 1);
  std::ofstream(log2, std::ios::binary | std::ios::trunc) << text;
  e = run_boxed({"merge", shards[0], shards[1], shards[2], "--out", fresh_dir("m3").string()});
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find("gap: 1 of 48 requests"), std::string::npos) << e.err;

  // A duplicate: shard 2 also holds the first response shard 0 logged.
  const std::string shard0 = slurp(fs::path(shards[0]) / kCompletionLogName);
  const size_t first = shard0.find('\n') + 1;
  const std::string line = shard0.substr(first, shard0.find('\n', first) + 1 - first);
  const std::string id = json::parse(line)["id"];
  std::ofstream(log2, std::ios::binary | std::ios::trunc) << full << line;
  e = run_boxed({"merge", shards[0], shards[1], shards[2], "--out", fresh_dir("m4").string()});
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find(fmt::format("duplicate: '{}' is in both {} and {}", id, shards[0], shards[2])),
            std::string::npos)
      << e.err;

  // A header edited by something else: each bad field is refused with the log and the field's
  // path, and nothing is written (not even the output directory's log).
  std::ofstream(log2, std::ios::binary | std::ios::trunc) << full;
  const std::string header_line = full.substr(0, full.find('\n'));
  const std::string rest = full.substr(full.find('\n'));
  const auto with_header = [&](const std::function<void(json&)>& edit) {
    json h = json::parse(header_line);
    edit(h);
    std::ofstream(log2, std::ios::binary | std::ios::trunc) << h.dump() << rest;
  };
  const struct {
    std::function<void(json&)> edit;
    std::string message;
  } bad_headers[] = {
      {[](json& h) { h["config"]["shard"]["count"] = "3"; }, "header config.shard.count: expected an integer, found string"},
      {[](json& h) { h["config"]["shard"].erase("index"); }, "header config.shard.index: missing"},
      {[](json& h) { h["config"]["shard"]["index"] = 7; }, "header config.shard: expected 0 <= index < count, found 7/3"},
      {[](json& h) { h["config"]["sampling"]["top_p"] = nullptr; }, "header config.sampling.top_p: expected a number, found null"},
      {[](json& h) { h["config"]["tasks"] = json::object(); }, "header config.tasks: expected a non-empty array, found object"},
      {[](json& h) { h["config"]["seed"] = -1; }, "header config.seed: expected a non-negative integer, found number"},
  };
  for (const auto& bad : bad_headers) {
    with_header(bad.edit);
    const fs::path out = fresh_dir("m5");
    fs::remove_all(out);
    // The edited shard is last, so the first shard's header is the one merge plans from; the
    // edited one must still be refused by name.
    e = run_boxed({"merge", shards[0], shards[1], shards[2], "--out", out.string()});
    EXPECT_EQ(e.status, 2) << bad.message;
    EXPECT_NE(e.err.find(log2.string() + ": " + bad.message), std::string::npos) << e.err;
    EXPECT_FALSE(fs::exists(out)) << bad.message;
  }
  std::ofstream(log2, std::ios::binary | std::ios::trunc) << full;
}

TEST_F(RunCommand, RawPromptSendsTheTemplatedPromptToCompletions) {
  auto prompts = std::make_shared<std::set<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  ScriptedOpenAiServer server({.respond = [prompts, mutex](const testing::ScriptedCall& call) {
    std::lock_guard lock(*mutex);
    prompts->insert(call.prompt);
    return testing::default_answer(call);
  }});
  const fs::path dir = fresh_dir("raw");
  std::vector<std::string> args = run_args(server, dir, 4);
  args.insert(args.end(), {"--raw-prompt", "--chat-template", "deepseek-r1", "--limit", "2"});
  const Exit e = run_boxed(args);
  ASSERT_EQ(e.status, 0) << e.err;
  for (const std::string& path : server.paths_seen()) EXPECT_EQ(path, "/v1/completions");
  ASSERT_EQ(prompts->size(), 2u);  // two problems (--limit 2), the same prompt for each sample
  for (const std::string& prompt : *prompts) {
    // DeepSeek-R1 chat template: BOS, user turn, assistant turn opened with the forced <think>.
    EXPECT_TRUE(prompt.starts_with("<｜begin▁of▁sentence｜><｜User｜>")) << prompt;
    EXPECT_TRUE(prompt.ends_with("<｜Assistant｜><think>\n")) << prompt;
    EXPECT_NE(prompt.find("Please reason step by step"), std::string::npos) << prompt;
  }
  const LogContents log = read_completion_log(dir / kCompletionLogName);
  EXPECT_EQ(log.n_records, 2 * kSamples);
  EXPECT_EQ(log.header["config"]["prompt_mode"], "raw");
  EXPECT_EQ(log.header["config"]["limit"], 2);
}

TEST_F(RunCommand, SeveralTasksInOneRunEachWithItsDataset) {
  ScriptedOpenAiServer server;
  const fs::path dir = fresh_dir("two_tasks");
  std::vector<std::string> args = run_args(server, dir, 8);
  args[2] = "aime24,aime25";  // --task
  args.insert(args.begin() + 5, {"--dataset", dataset()});
  const Exit e = run_boxed(args);
  ASSERT_EQ(e.status, 0) << e.err;
  const json report = json::parse(slurp(dir / "report.json"));
  ASSERT_EQ(report["tasks"].size(), 2u);
  EXPECT_EQ(report["tasks"][0]["task"], "aime24");
  EXPECT_EQ(report["tasks"][1]["task"], "aime25");
  // The aime24 half has the same ids and seeds as the reference run, so the same scores.
  EXPECT_EQ(report["tasks"][0], stable_report(*reference_)["tasks"][0]);
  EXPECT_EQ(server.requests_for("aime25/63/7"), 1);
  EXPECT_EQ(read_completion_log(dir / kCompletionLogName).n_records, 2 * kProblems * kSamples);

  args.erase(args.begin() + 5, args.begin() + 7);  // one --dataset for two tasks
  const Exit mismatch = run_boxed(args);
  EXPECT_EQ(mismatch.status, 2);
  EXPECT_NE(mismatch.err.find("2 task(s) but 1 --dataset file(s)"), std::string::npos)
      << mismatch.err;
}

// The kill test above cuts the log wherever the kill lands; this one cuts a small log at every
// byte offset, header included, and resumes each cut in process (run_evaluation, as `boxed run`
// does): every resumed run must end with the uninterrupted run's report and samples, and request
// exactly the ids whose records the cut did not leave whole (a whole line parses even without its
// newline; a torn header means nothing was logged).
TEST(ResumeFromACutLog, EveryCutPositionEndsWithTheSameReport) {
  ScriptedOpenAiServer server;
  const auto args_for = [&](const fs::path& out) {
    RunArgs a;
    a.tasks = {"aime24"};
    a.datasets = {dataset()};
    a.endpoints = {server.url()};
    a.backend = "openai";
    a.model_name = "scripted-r1";
    a.out = out.string();
    a.samples = 2;
    a.limit = 2;
    a.seed = 11;
    a.concurrency = 1;
    a.quiet = true;
    return a;
  };
  const fs::path reference = fresh_dir("cut-reference");
  run_evaluation(args_for(reference));
  const std::string log = slurp(reference / kCompletionLogName);
  const json report = stable_report(reference);
  const std::string samples = slurp(reference / "samples.jsonl");
  std::vector<size_t> line_ends;  // offset of each line's last byte before its newline
  for (size_t at = log.find('\n'); at != std::string::npos; at = log.find('\n', at + 1)) {
    line_ends.push_back(at);
  }
  ASSERT_EQ(line_ends.size(), 5u) << "a header and 2 problems x 2 samples";
  ASSERT_EQ(line_ends.back() + 1, log.size());

  for (size_t cut = 0; cut <= log.size(); ++cut) {
    SCOPED_TRACE(fmt::format("log cut at byte {} of {}", cut, log.size()));
    const fs::path dir = fresh_dir("cut");
    fs::create_directories(dir);
    std::ofstream(dir / kCompletionLogName, std::ios::binary) << log.substr(0, cut);
    int whole_records = 0;
    if (cut >= line_ends[0]) {
      for (size_t i = 1; i < line_ends.size(); ++i) whole_records += cut >= line_ends[i];
    }
    const int requests_before = server.total_requests();
    ASSERT_NO_THROW(run_evaluation(args_for(dir)));
    EXPECT_EQ(server.total_requests() - requests_before, 4 - whole_records);
    EXPECT_EQ(stable_report(dir), report);
    EXPECT_EQ(slurp(dir / "samples.jsonl"), samples);
    const LogContents resumed = read_completion_log(dir / kCompletionLogName);
    EXPECT_EQ(resumed.n_records, 4);
    EXPECT_FALSE(resumed.torn_tail);
    if (HasFailure()) break;  // one cut's story is enough to debug
  }
}

}  // namespace
}  // namespace boxed::harness
