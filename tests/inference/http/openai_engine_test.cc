// The openai backend over real HTTP on loopback, against the scripted server: every request
// answered exactly once through on_done, retries on 429/500/dropped connections/timeouts/refused
// connections, errors after retries as kError values, the concurrency bound, spreading over
// endpoints, seeds and model names on the wire.
#include "inference/http/openai_engine.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/scripted_openai_server.h"

namespace boxed::inference::http {
namespace {

using testing::ScriptedCall;
using testing::ScriptedOpenAiServer;
using testing::id_fraction;

std::vector<Request> make_requests(int n_problems, int n_samples) {
  std::vector<Request> requests;
  for (int p = 0; p < n_problems; ++p) {
    for (int s = 0; s < n_samples; ++s) {
      const std::string id = "t/" + std::to_string(p) + "/" + std::to_string(s);
      requests.push_back({.id = id,
                          .messages = {{"user", "Problem number " + std::to_string(p)}},
                          .sampling = {.max_tokens = 1000},
                          .seed = request_seed(42, id)});
    }
  }
  return requests;
}

// Runs the engine, checking that on_done saw every id exactly once.
std::map<std::string, Completion> run(Engine& engine, const std::vector<Request>& requests) {
  std::mutex mutex;
  std::map<std::string, Completion> done;
  engine.generate(requests, [&](Completion c) {
    std::lock_guard lock(mutex);
    const std::string id = c.id;
    EXPECT_TRUE(done.emplace(id, std::move(c)).second) << "on_done twice for " << id;
  });
  EXPECT_EQ(done.size(), requests.size());
  return done;
}

const RetryPolicy kFastRetry{.base_ms = 2, .max_ms = 20, .max_retries = 4};

TEST(OpenAiEngine, AnswersEveryRequestOnceWithServerTextCountsAndSeeds) {
  ScriptedOpenAiServer server;
  OpenAiEngine engine({.endpoints = {server.url()}, .model = "m", .concurrency = 4});
  const std::vector<Request> requests = make_requests(5, 4);
  const auto done = run(engine, requests);
  for (const Request& r : requests) {
    const Completion& c = done.at(r.id);
    const std::string expected = testing::default_answer(
        {.id = r.id, .prompt = r.messages[0].content, .seed = r.seed});
    EXPECT_EQ(c.text, expected);
    EXPECT_EQ(c.finish_reason, FinishReason::kStop);
    EXPECT_EQ(c.error, "");
    EXPECT_EQ(c.prompt_tokens, 3);  // "Problem number N": three words
    EXPECT_GT(c.completion_tokens, 5);
    EXPECT_EQ(server.requests_for(r.id), 1);
    EXPECT_EQ(server.seeds_for(r.id), std::vector<uint64_t>{r.seed});
  }
  for (const std::string& m : server.models_seen()) EXPECT_EQ(m, "m");
  for (const std::string& p : server.paths_seen()) EXPECT_EQ(p, "/v1/chat/completions");
  EXPECT_EQ(engine.info().backend, "openai");
  EXPECT_EQ(engine.info().model, "m");
}

TEST(OpenAiEngine, MaxTokensGivesLengthFromTheServer) {
  ScriptedOpenAiServer server;
  OpenAiEngine engine({.endpoints = {server.url()}, .model = "m", .concurrency = 2});
  std::vector<Request> requests = make_requests(1, 2);
  for (Request& r : requests) r.sampling.max_tokens = 3;
  for (const auto& [id, c] : run(engine, requests)) {
    EXPECT_EQ(c.finish_reason, FinishReason::kLength) << id;
    EXPECT_EQ(c.completion_tokens, 3) << id;
  }
}

TEST(OpenAiEngine, RetriesFailuresAndDroppedConnectionsUntilEveryRequestSucceeds) {
  ScriptedOpenAiServer server({.fail_fraction = 0.3, .failures_per_id = 2, .drop_fraction = 0.2});
  OpenAiEngine engine(
      {.endpoints = {server.url()}, .model = "m", .concurrency = 8, .retry = kFastRetry});
  const std::vector<Request> requests = make_requests(10, 10);
  const auto done = run(engine, requests);
  int n_failing = 0, n_dropping = 0;
  for (const Request& r : requests) {
    EXPECT_EQ(done.at(r.id).finish_reason, FinishReason::kStop) << done.at(r.id).error;
    const double f = id_fraction(r.id);
    const int expected = f < 0.3 ? 3 : f < 0.5 ? 2 : 1;  // two failures, one drop, or none
    n_failing += f < 0.3;
    n_dropping += f >= 0.3 && f < 0.5;
    EXPECT_EQ(server.requests_for(r.id), expected) << r.id << " fraction " << f;
  }
  // The table really exercised both kinds of misbehaviour.
  EXPECT_GT(n_failing, 10);
  EXPECT_GT(n_dropping, 5);
  EXPECT_EQ(server.failed(), 2 * n_failing);
  EXPECT_EQ(server.dropped(), n_dropping);
}

TEST(OpenAiEngine, GivesUpAfterMaxRetriesWithAnErrorCompletion) {
  ScriptedOpenAiServer server({.fail_fraction = 1.0, .failures_per_id = 100});
  OpenAiEngine engine({.endpoints = {server.url()}, .model = "m", .concurrency = 2,
                       .retry = {.base_ms = 1, .max_ms = 5, .max_retries = 2}});
  const std::vector<Request> requests = make_requests(2, 2);
  for (const auto& [id, c] : run(engine, requests)) {
    EXPECT_EQ(c.finish_reason, FinishReason::kError);
    EXPECT_NE(c.error.find("gave up after 3 attempts"), std::string::npos) << c.error;
    EXPECT_TRUE(c.error.find("HTTP 500") != std::string::npos ||
                c.error.find("HTTP 429") != std::string::npos)
        << c.error;
    EXPECT_EQ(server.requests_for(id), 3);
  }
}

TEST(OpenAiEngine, NonRetryableStatusIsAnImmediateError) {
  ScriptedOpenAiServer server;
  // A wrong path prefix: the server answers 404, which no retry can fix.
  OpenAiEngine engine({.endpoints = {server.url() + "/wrong"}, .model = "m", .concurrency = 1,
                       .retry = kFastRetry});
  for (const auto& [id, c] : run(engine, make_requests(1, 2))) {
    EXPECT_EQ(c.finish_reason, FinishReason::kError);
    EXPECT_NE(c.error.find("HTTP 404"), std::string::npos) << c.error;
    EXPECT_EQ(c.error.find("gave up"), std::string::npos) << c.error;
  }
}

TEST(OpenAiEngine, PerRequestTimeoutIsRetriedThenReported) {
  ScriptedOpenAiServer server({.delay_ms = 1500});
  OpenAiEngine engine({.endpoints = {server.url()}, .model = "m", .concurrency = 2,
                       .request_timeout_s = 0.3,
                       .retry = {.base_ms = 1, .max_ms = 5, .max_retries = 1}});
  for (const auto& [id, c] : run(engine, make_requests(1, 2))) {
    EXPECT_EQ(c.finish_reason, FinishReason::kError);
    EXPECT_NE(c.error.find("gave up after 2 attempts"), std::string::npos) << c.error;
    EXPECT_EQ(server.requests_for(id), 2);
  }
}

TEST(OpenAiEngine, KeepsConcurrencyBoundAndSpreadsOverEndpoints) {
  ScriptedOpenAiServer a({.delay_ms = 30}), b({.delay_ms = 30});
  OpenAiEngine engine({.endpoints = {a.url(), b.url()}, .model = "m", .concurrency = 6});
  const std::vector<Request> requests = make_requests(8, 5);
  run(engine, requests);
  EXPECT_EQ(a.total_requests() + b.total_requests(), 40);
  EXPECT_LE(a.max_in_flight() + b.max_in_flight(), 6 + 1);  // +1: per-server maxima may not
  EXPECT_LE(a.max_in_flight(), 6);                          // coincide; each is bounded
  EXPECT_LE(b.max_in_flight(), 6);
  // Least-loaded choice keeps the two close to even.
  EXPECT_GE(a.total_requests(), 12);
  EXPECT_GE(b.total_requests(), 12);
}

TEST(OpenAiEngine, RefusedConnectionMovesToAnotherEndpoint) {
  int dead_port = 0;
  {
    ScriptedOpenAiServer gone;  // bind a port, then free it: nothing listens there any more
    dead_port = gone.port();
  }
  ScriptedOpenAiServer live;
  OpenAiEngine engine({.endpoints = {"http://127.0.0.1:" + std::to_string(dead_port), live.url()},
                       .model = "m", .concurrency = 3, .retry = kFastRetry});
  const std::vector<Request> requests = make_requests(4, 3);
  for (const auto& [id, c] : run(engine, requests)) {
    EXPECT_EQ(c.finish_reason, FinishReason::kStop) << c.error;
    EXPECT_EQ(live.requests_for(id), 1);
  }
}

TEST(OpenAiEngine, RawPromptGoesToCompletions) {
  ScriptedOpenAiServer server({.respond = [](const ScriptedCall& call) {
    return "echo:" + call.prompt;
  }});
  OpenAiEngine engine(
      {.endpoints = {server.url()}, .model = "m", .concurrency = 2, .raw_prompt = true});
  std::vector<Request> requests = make_requests(1, 2);
  for (Request& r : requests) r.prompt = "<｜User｜>" + r.id + "<｜Assistant｜><think>\n";
  const auto done = run(engine, requests);
  for (const Request& r : requests) {
    EXPECT_EQ(done.at(r.id).text, "echo:" + r.prompt);
  }
  for (const std::string& p : server.paths_seen()) EXPECT_EQ(p, "/v1/completions");
  EXPECT_EQ(engine.info().details.at("api"), "/v1/completions");
}

TEST(OpenAiEngine, EmptyModelNameIsAskedFromTheServer) {
  ScriptedOpenAiServer server({.model_name = "served-name"});
  OpenAiEngine engine({.endpoints = {server.url()}, .concurrency = 1});
  EXPECT_EQ(engine.info().model, "served-name");
  run(engine, make_requests(1, 1));
  EXPECT_EQ(server.models_seen(), std::vector<std::string>{"served-name"});
}

TEST(OpenAiEngine, AFailingOnDoneStopsTheRunAndIsRethrown) {
  ScriptedOpenAiServer server;
  OpenAiEngine engine({.endpoints = {server.url()}, .model = "m", .concurrency = 2});
  const std::vector<Request> requests = make_requests(10, 10);
  EXPECT_THROW(engine.generate(requests,
                               [](Completion) { throw std::runtime_error("disk full"); }),
               std::runtime_error);
  EXPECT_LT(server.total_requests(), 100);  // stopped early, did not drain the queue
}

TEST(OpenAiEngine, BadOptionsAreRefused) {
  EXPECT_THROW(OpenAiEngine({.model = "m"}), std::invalid_argument);
  EXPECT_THROW(OpenAiEngine({.endpoints = {"http://h:1"}, .model = "m", .concurrency = 0}),
               std::invalid_argument);
  EXPECT_THROW(OpenAiEngine({.endpoints = {"ftp://h"}, .model = "m"}), std::invalid_argument);
}

}  // namespace
}  // namespace boxed::inference::http
