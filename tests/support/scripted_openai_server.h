// A scripted OpenAI-compatible server for tests, on 127.0.0.1 with an ephemeral port (cpp-httplib,
// in a background thread; the destructor stops it). It answers POST /v1/chat/completions,
// POST /v1/completions and GET /v1/models with deterministic text computed from the request's
// seed and prompt, and can misbehave on purpose: answer slowly, fail with 500 or 429, or drop the
// connection half-way through the answer. A request with "stream": true is answered as
// server-sent events, one word (standing in for a token) per event, `token_delay_ms` apart, unless
// `streaming` is off (a server without streaming: plain JSON whatever the request asks); a
// dropped streamed answer is cut after half its events. Misbehaviour is chosen by a hash of the request id (the
// X-Request-Id header) and the attempt number, so a test knows exactly which ids will misbehave.
// It counts the requests it received per id and keeps the seeds it was sent.
//
//   ScriptedOpenAiServer server({.fail_fraction = 0.1});
//   OpenAiEngine engine({.endpoints = {server.url()}, .model = "scripted"});
//   ...; EXPECT_EQ(server.requests_for("aime/3/0"), 2);  // failed once, then served
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace boxed::testing {

struct ScriptedCall {
  std::string id;      // X-Request-Id
  std::string path;    // "/v1/chat/completions" or "/v1/completions"
  std::string prompt;  // the user messages joined by "\n", or the raw prompt
  uint64_t seed = 0;
  int64_t max_tokens = 0;
  int attempt = 1;     // 1 for the first request with this id, 2 for the next, ...
};

// The default answer: a short reasoning trace and "\boxed{seed % 4}", so tests whose gold answers
// are 0..3 get some samples right and some wrong, determined by the seed alone.
std::string default_answer(const ScriptedCall& call);

// The fraction in [0, 1) that decides whether an id misbehaves (FNV-1a of the id, top 53 bits).
double id_fraction(const std::string& id);

struct ScriptedServerOptions {
  std::function<std::string(const ScriptedCall&)> respond = default_answer;
  int delay_ms = 0;             // every answer waits this long before it is sent
  // Ids with id_fraction < fail_fraction fail their first `failures_per_id` attempts, with 429
  // when id_fraction < fail_fraction / 2 and 500 otherwise (a 429 carries "Retry-After: 0").
  double fail_fraction = 0;
  int failures_per_id = 1;
  // Ids with fail_fraction <= id_fraction < fail_fraction + drop_fraction have their first
  // attempt's answer cut off half-way and the connection closed.
  double drop_fraction = 0;
  std::string model_name = "scripted-r1";
  int n_threads = 64;           // server worker threads (requests served at once)
  bool streaming = true;        // honour "stream": true
  int token_delay_ms = 0;       // streamed answers: the wait before each event
};

class ScriptedOpenAiServer {
 public:
  explicit ScriptedOpenAiServer(ScriptedServerOptions options = {});
  ~ScriptedOpenAiServer();
  ScriptedOpenAiServer(const ScriptedOpenAiServer&) = delete;
  ScriptedOpenAiServer& operator=(const ScriptedOpenAiServer&) = delete;

  int port() const { return port_; }
  std::string url() const;  // "http://127.0.0.1:<port>"

  int requests_for(const std::string& id) const;    // every request seen, failed ones too
  std::map<std::string, int> request_counts() const;
  int total_requests() const;
  int answered() const;                             // 200 answers sent in full
  int failed() const;                               // 429/500 sent
  int dropped() const;                              // connections cut mid-answer
  std::vector<uint64_t> seeds_for(const std::string& id) const;
  std::vector<std::string> models_seen() const;     // the "model" field of each request
  std::vector<std::string> paths_seen() const;      // the path of each request
  int max_in_flight() const;                        // most requests being handled at once
  int stream_requests() const;                      // requests that asked to stream

 private:
  // `events`: the SSE "data:" payloads when the answer is streamed, else empty.
  void handle(const std::string& path, const std::string& id, const std::string& body,
              int& status, std::string& content, bool& drop, std::string& retry_after,
              std::vector<std::string>& events);

  ScriptedServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, int> counts_;
  std::map<std::string, std::vector<uint64_t>> seeds_;
  std::vector<std::string> models_;
  std::vector<std::string> paths_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
  int answered_ = 0;
  int failed_ = 0;
  int dropped_ = 0;
  int stream_requests_ = 0;
};

}  // namespace boxed::testing
