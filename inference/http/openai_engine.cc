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
#include <stdexcept>
#include <thread>

#include "inference/http/openai_protocol.h"

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
           std::span<const Request> requests, const OnDone& on_done)
      : options_(options),
        endpoints_(endpoints),
        requests_(requests),
        on_done_(on_done),
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

  Completion run_one(size_t index, std::vector<std::unique_ptr<httplib::Client>>& clients) {
    const Request& request = requests_[index];
    const nlohmann::json body =
        make_request_body(request, {.model = options_.model, .raw_prompt = options_.raw_prompt});
    const std::string payload = body.dump();
    const httplib::Headers headers = {{"X-Request-Id", request.id}};
    std::string last_error;
    size_t e = 0;
    for (int attempt = 0;; ++attempt) {
      e = pick_endpoint(index, attempt, e);
      const Endpoint& endpoint = endpoints_[e];
      if (!clients[e]) clients[e] = make_client(endpoint, options_);
      const std::string path = endpoint.base_path + std::string(api_path(options_.raw_prompt));
      ++in_flight_[e];
      httplib::Result result = clients[e]->Post(path, headers, payload, "application/json");
      --in_flight_[e];
      failing_[e] = !result || is_retryable_status(result->status);
      int64_t retry_after_s = 0;
      if (!result) {
        last_error = fmt::format("{}{}: {}", endpoint.origin, path, httplib::to_string(result.error()));
        clients[e].reset();  // the connection is in an unknown state; reconnect next time
      } else if (result->status == 200) {
        return parse_response_body(request.id, result->body, options_.raw_prompt);
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
  Dispatch dispatch(options_, endpoints_, requests, on_done);
  const size_t n_workers = std::min(requests.size(), static_cast<size_t>(options_.concurrency));
  std::vector<std::jthread> workers;
  workers.reserve(n_workers);
  for (size_t w = 0; w < n_workers; ++w) workers.emplace_back([&dispatch] { dispatch.work(); });
  workers.clear();  // joins
  dispatch.rethrow_failure();
}

}  // namespace boxed::inference::http
