// The runner's own overheads, which must stay negligible next to generation:
//   BM_CompletionLogAppend   one record (an 8 KB response) appended to completions.jsonl
//   BM_OpenAiLoopback/C      256 requests through the openai backend to the scripted server on
//                            loopback (answers instantly) at concurrency C: the client's cost
//                            per request, HTTP and JSON included.
// Run: build/bin/runner_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "harness/completion_log.h"
#include "inference/http/openai_engine.h"
#include "tests/support/scripted_openai_server.h"

namespace {

namespace fs = std::filesystem;
using namespace boxed;

void BM_CompletionLogAppend(benchmark::State& state) {
  const fs::path dir = fs::temp_directory_path() / ("boxed_bench_log_" + std::to_string(getpid()));
  fs::remove_all(dir);
  harness::CompletionLog log = harness::CompletionLog::open(dir, {{"bench", true}}, {});
  harness::LogRecord record{.task = "aime24", .problem_id = "60", .seed = 1};
  record.completion.text = std::string(8192, 'x') + "</think> \\boxed{204}";
  int64_t i = 0;
  for (auto _ : state) {
    record.sample = static_cast<int>(i);
    record.id = "aime24/60/" + std::to_string(i++);
    log.append(record);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(record.completion.text.size()));
  fs::remove_all(dir);
}
BENCHMARK(BM_CompletionLogAppend);

void BM_OpenAiLoopback(benchmark::State& state) {
  testing::ScriptedOpenAiServer server;
  const int concurrency = static_cast<int>(state.range(0));
  inference::http::OpenAiEngine engine(
      {.endpoints = {server.url()}, .model = "m", .concurrency = concurrency});
  std::vector<inference::Request> requests;
  for (int i = 0; i < 2048; ++i) {
    const std::string id = "t/" + std::to_string(i / 64) + "/" + std::to_string(i % 64);
    requests.push_back({.id = id, .messages = {{"user", "What is 2+2?"}},
                        .seed = inference::request_seed(0, id)});
  }
  for (auto _ : state) {
    int64_t done = 0;
    engine.generate(requests, [&](inference::Completion) { ++done; });
    benchmark::DoNotOptimize(done);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(requests.size()));
  state.counters["server_requests_per_request"] =
      static_cast<double>(server.total_requests()) /
      static_cast<double>(state.iterations() * requests.size());
}
BENCHMARK(BM_OpenAiLoopback)->Arg(1)->Arg(8)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
BENCHMARK_MAIN();
