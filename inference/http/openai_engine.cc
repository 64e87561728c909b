#include "inference/http/openai_engine.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "inference/http/openai_protocol.h"
#include "inference/http/openai_stream.h"

namespace boxed::inference::http {

namespace {

std::unique_ptr<httplib::Client> make_client(const Endpoint& endpoint,
                                             const OpenAiOptions& options) {
  auto client = std::make_unique<httplib::Client>(endpoint.origin);
  auto split = [](double seconds, auto&& set) {
    const auto whole = static_cast<time_t>(seconds);
    set(whole, static_cast<time_t>((seconds - static_cast<double>(whole)) * 1e6));
  };
  split(options.connect_timeout_s, [&](time_t s, time_t us) { client->set_connection_timeout(s, us); });
  split(options.request_timeout_s, [&](time_t s, time_t us) { client->set_read_timeout(s, us); });
  split(options.request_timeout_s, [&](time_t s, time_t us) { client->set_write_timeout(s, us); });
  // Keep-alive: one connection per worker and endpoint instead of a connect per request (a
  // burst of connects can overflow a small listen backlog and stall on SYN retransmits).
  // cpp-httplib checks that a kept socket is still open before reusing it; a connection the
  // server closed anyway fails that attempt, which is retried on a new one.
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);  // headers and body go in separate writes: no Nagle stall
  if (!options.api_key.empty()) client->set_bearer_token_auth(options.api_key);
  return client;
}

int64_t retry_after_seconds(const httplib::Response& response) {
  const std::string value = response.get_header_value("Retry-After");
  int64_t seconds = 0;
  std::from_chars(value.data(), value.data() + value.size(), seconds);  // HTTP-dates are ignored
  return std::max<int64_t>(seconds, 0);
}

// State shared by the workers of one generate() call.
class Dispatch {
 public:
  Dispatch(const OpenAiOptions& options, const std::vector<Endpoint>& endpoints,
           std::span<const Request> requests, const OnDone& on_done, const OnTokens& on_tokens,
           std::atomic<bool>& stream)
      : options_(options),
        endpoints_(endpoints),
        requests_(requests),
        on_done_(on_done),
        on_tokens_(on_tokens),
        stream_(stream),
        in_flight_(endpoints.size()),
        failing_(endpoints.size()) {}

  void work() {
    std::vector<std::unique_ptr<httplib::Client>> clients(endpoints_.size());
    try {
      for (size_t i = next_++; i < requests_.size() && !stopping(); i = next_++) {
        Completion completion = run_one(i, clients);
        if (stopping()) return;
        on_done_(std::move(completion));
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!failure_) failure_ = std::current_exception();
      stop_ = true;
      wake_.notify_all();
    }
  }

  void rethrow_failure() {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  bool stopping() {
    std::lock_guard lock(mutex_);
    return stop_;
  }

  // The endpoint with the fewest requests in flight, avoiding endpoints whose last attempt
  // failed while a healthy one exists, and (with several endpoints) the one a retry just failed
  // on. Ties go to (request index + attempt) so requests start spread out.
  size_t pick_endpoint(size_t request_index, int attempt, size_t previous) {
    const size_t n = endpoints_.size();
    const size_t start = (request_index + static_cast<size_t>(attempt)) % n;
    auto cost = [&](size_t e) {
      int64_t c = in_flight_[e].load();
      if (failing_[e].load()) c += int64_t{1} << 32;
      if (attempt > 0 && e == previous && n > 1) c += int64_t{1} << 40;
      return c;
    };
    size_t best = start;
    for (size_t k = 1; k < n; ++k) {
      const size_t e = (start + k) % n;
      if (cost(e) < cost(best)) best = e;
    }
    return best;
  }

  void report(const std::string& id, int64_t n) {
    if (on_tokens_) on_tokens_(id, n);
  }

  // One attempt. Streaming: the events are parsed as they arrive and each piece of text is
  // reported; the answer is complete only with its finish reason, so a stream cut half-way
  // comes back as a failed attempt (retried like a dropped connection) and `*streamed` says how
  // many pieces it had reported. A server that ignores "stream" and answers JSON is read as JSON.
  struct Attempt {
    httplib::Result result;
    std::optional<Completion> completion;  // set for a complete 200 answer
    std::string cut;                       // a 200 stream that ended early: why
  };
  Attempt attempt_once(httplib::Client& client, const std::string& path, const Request& request,
                       const httplib::Headers& headers, bool stream, int64_t* streamed) {
    const std::string payload = make_request_body(request, {.model = options_.model,
                                                            .raw_prompt = options_.raw_prompt,
                                                            .stream = stream})
                                    .dump();
    if (!stream) {
      Attempt a{.result = client.Post(path, headers, payload, "application/json")};
      if (a.result && a.result->status == 200) {
        a.completion = parse_response_body(request.id, a.result->body, options_.raw_prompt);
      }
      return a;
    }
    httplib::Request req;
    req.method = "POST";
    req.path = path;
    req.headers = headers;
    req.headers.emplace("Accept", "text/event-stream");
    req.body = payload;
    req.headers.emplace("Content-Type", "application/json");
    bool sse = false;
    int status = 0;
    std::string raw;  // a non-stream answer (an error, or JSON from a server that does not stream)
    SseParser parser;
    StreamAccumulator answer(request.id, options_.raw_prompt);
    req.response_handler = [&](const httplib::Response& response) {
      status = response.status;
      sse = status == 200 &&
            response.get_header_value("Content-Type").find("text/event-stream") != std::string::npos;
      return true;
    };
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (!sse) {
        raw.append(data, n);
        return true;
      }
      int64_t pieces = 0;
      parser.feed({data, n}, [&](std::string_view event) { pieces += answer.add_event(event); });
      if (pieces > 0) {
        *streamed += pieces;
        report(request.id, pieces);
      }
      return true;
    };
    Attempt a{.result = client.send(req)};
    if (a.result) a.result->body = std::move(raw);
    if (!a.result || a.result->status != 200) return a;
    if (!sse) {
      a.completion = parse_response_body(request.id, a.result->body, options_.raw_prompt);
    } else if (!answer.finished()) {
      a.cut = answer.completion().error;
    } else {
      a.completion = answer.completion();
    }
    return a;
  }

  Completion run_one(size_t index, std::vector<std::unique_ptr<httplib::Client>>& clients) {
    const Request& request = requests_[index];
    make_request_body(request, {.model = options_.model, .raw_prompt = options_.raw_prompt});
    const httplib::Headers headers = {{"X-Request-Id", request.id}};
    std::string last_error;
    size_t e = 0;
    report(request.id, 0);  // started
    for (int attempt = 0;; ++attempt) {
      e = pick_endpoint(index, attempt, e);
      const Endpoint& endpoint = endpoints_[e];
      if (!clients[e]) clients[e] = make_client(endpoint, options_);
      const std::string path = endpoint.base_path + std::string(api_path(options_.raw_prompt));
      ++in_flight_[e];
      int64_t streamed = 0;
      const bool stream = stream_.load();
      Attempt a = attempt_once(*clients[e], path, request, headers, stream, &streamed);
      if (stream && a.result && (a.result->status == 400 || a.result->status == 422) &&
          a.result->body.find("stream") != std::string::npos) {
        // A server that rejects "stream"/"stream_options": every later request goes without
        // streaming, and this one is sent again at once (not counted as a retry).
        stream_ = false;
        a = attempt_once(*clients[e], path, request, headers, false, &streamed);
      }
      --in_flight_[e];
      httplib::Result& result = a.result;
      failing_[e] = !result || is_retryable_status(result->status) || !a.cut.empty();
      if (streamed > 0 && !a.completion) report(request.id, -streamed);  // thrown away
      int64_t retry_after_s = 0;
      if (!result) {
        last_error = fmt::format("{}{}: {}", endpoint.origin, path, httplib::to_string(result.error()));
        clients[e].reset();  // the connection is in an unknown state; reconnect next time
      } else if (a.completion) {
        return std::move(*a.completion);
      } else if (!a.cut.empty()) {
        last_error = fmt::format("{}{}: {}", endpoint.origin, path, a.cut);
        clients[e].reset();
      } else {
        last_error = fmt::format("{}{}: HTTP {}: {}", endpoint.origin, path, result->status,
                                 std::string_view(result->body).substr(0, 300));
        if (!is_retryable_status(result->status)) {
          return Completion{.id = request.id, .finish_reason = FinishReason::kError,
                            .error = last_error};
        }
        retry_after_s = retry_after_seconds(*result);
      }
      if (attempt >= options_.retry.max_retries) {
        return Completion{
            .id = request.id, .finish_reason = FinishReason::kError,
            .error = fmt::format("gave up after {} attempts; last: {}", attempt + 1, last_error)};
      }
      const int64_t delay_ms = backoff_delay_ms(options_.retry, request.id, attempt, retry_after_s);
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, std::chrono::milliseconds(delay_ms), [&] { return stop_; })) {
        return Completion{.id = request.id, .finish_reason = FinishReason::kError,
                          .error = "cancelled: the run is stopping"};
      }
    }
  }

  const OpenAiOptions& options_;
  const std::vector<Endpoint>& endpoints_;
  std::span<const Request> requests_;
  const OnDone& on_done_;
  const OnTokens& on_tokens_;
  std::atomic<bool>& stream_;
  std::atomic<size_t> next_{0};
  std::vector<std::atomic<int>> in_flight_;
  std::vector<std::atomic<bool>> failing_;  // the endpoint's latest attempt failed
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::exception_ptr failure_;
};

std::string ask_model_name(const Endpoint& endpoint, const OpenAiOptions& options) {
  auto client = make_client(endpoint, options);
  const std::string path = endpoint.base_path + "/v1/models";
  httplib::Result result = client->Get(path);
  if (!result) {
    throw std::runtime_error(fmt::format("no --model-name given and GET {}{} failed: {}",
                                         endpoint.origin, path, httplib::to_string(result.error())));
  }
  const auto models = nlohmann::json::parse(result->body, nullptr, false);
  if (result->status != 200 || !models.is_object() || !models.contains("data") ||
      !models["data"].is_array() || models["data"].empty() || !models["data"][0].contains("id")) {
    throw std::runtime_error(
        fmt::format("no --model-name given and GET {}{} gave HTTP {} without data[0].id: '{}'",
                    endpoint.origin, path, result->status, result->body.substr(0, 200)));
  }
  return models["data"][0]["id"].get<std::string>();
}

}  // namespace

OpenAiEngine::OpenAiEngine(OpenAiOptions options) : options_(std::move(options)) {
  stream_ = options_.stream;
  if (options_.endpoints.empty()) {
    throw std::invalid_argument("the openai backend needs at least one --endpoint URL");
  }
  if (options_.concurrency < 1) {
    throw std::invalid_argument(
        fmt::format("--concurrency must be at least 1, found {}", options_.concurrency));
  }
  for (const std::string& url : options_.endpoints) endpoints_.push_back(parse_endpoint(url));
  if (options_.model.empty()) options_.model = ask_model_name(endpoints_.front(), options_);
}

EngineInfo OpenAiEngine::info() const {
  std::vector<std::string> urls;
  for (const Endpoint& e : endpoints_) urls.push_back(e.url);
  return EngineInfo{
      .backend = "openai",
      .model = options_.model,
      .details = {{"endpoints", fmt::format("{}", fmt::join(urls, ","))},
                  {"api", std::string(api_path(options_.raw_prompt))}}};
}

void OpenAiEngine::generate(std::span<const Request> requests, const OnDone& on_done) {
  Dispatch dispatch(options_, endpoints_, requests, on_done, on_tokens(), stream_);
  const size_t n_workers = std::min(requests.size(), static_cast<size_t>(options_.concurrency));
  std::vector<std::jthread> workers;
  workers.reserve(n_workers);
  for (size_t w = 0; w < n_workers; ++w) workers.emplace_back([&dispatch] { dispatch.work(); });
  workers.clear();  // joins
  dispatch.rethrow_failure();
}

}  // namespace boxed::inference::http
