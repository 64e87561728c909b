#include "tests/support/scripted_openai_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace boxed::testing {

using nlohmann::json;

std::string default_answer(const ScriptedCall& call) {
  return fmt::format(
      "<think>\nThe question has {} characters. I try seed {}.\n</think>\n\nThe answer is "
      "\\boxed{{{}}}.",
      call.prompt.size(), call.seed, call.seed % 4);
}

double id_fraction(const std::string& id) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 (isthe.com/chongo/tech/comp/fnv)
  for (unsigned char c : id) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;  // FNV's low bits mix poorly; fold the high ones in
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

namespace {

// Whitespace-separated words stand in for tokens.
std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into Debian's
// libcpp-httplib), so a burst of more connects than that drops SYNs and stalls a second on the
// retransmit. Real servers listen with hundreds; find our listening socket and do the same
// (listen(2) on a listening socket updates its backlog).
void raise_listen_backlog(int port) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    int accepting = 0;
    socklen_t len = sizeof accepting;
    sockaddr_in addr{};
    socklen_t addr_len = sizeof addr;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0 && accepting &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) == 0 &&
        addr.sin_family == AF_INET && ntohs(addr.sin_port) == port) {
      ::listen(fd, 1024);
    }
  }
}

}  // namespace

ScriptedOpenAiServer::ScriptedOpenAiServer(ScriptedServerOptions options)
    : options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  const int n_threads = options_.n_threads;
  server_->new_task_queue = [n_threads] { return new httplib::ThreadPool(n_threads); };
  server_->set_tcp_nodelay(true);
  // Clients keep their connections: cpp-httplib's listen backlog is 5, so reconnecting per
  // request under concurrency would stall on SYN retransmits.
  server_->set_keep_alive_max_count(1'000'000);
  server_->set_keep_alive_timeout(60);
  auto post = [this](const httplib::Request& req, httplib::Response& res) {
    int status = 200;
    std::string content;
    bool drop = false;
    std::string retry_after;
    std::vector<std::string> events;
    handle(req.path, req.get_header_value("X-Request-Id"), req.body, status, content, drop,
           retry_after, events);
    res.status = status;
    if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
    if (!events.empty()) {
      // Server-sent events over chunked encoding, one event per chunk; a drop sends half the
      // events and then fails, so cpp-httplib closes the connection mid-stream.
      const size_t limit = drop ? events.size() / 2 : events.size();
      const int delay_ms = options_.token_delay_ms;
      auto next = std::make_shared<size_t>(0);
      res.set_chunked_content_provider(
          "text/event-stream", [events = std::move(events), limit, delay_ms, next](
                                   size_t, httplib::DataSink& sink) {
            if (*next >= limit) {
              if (limit < events.size()) return false;
              sink.done();
              return true;
            }
            if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
            const std::string event = "data: " + events[(*next)++] + "\n\n";
            return sink.write(event.data(), event.size());
          });
      return;
    }
    if (drop) {
      // Promise the whole length, send half, then fail: cpp-httplib closes the connection.
      const std::string half = content.substr(0, content.size() / 2);
      res.set_content_provider(content.size(), "application/json",
                               [half](size_t, size_t, httplib::DataSink& sink) {
                                 sink.write(half.data(), half.size());
                                 return false;
                               });
      return;
    }
    res.set_content(content, "application/json");
  };
  server_->Post("/v1/chat/completions", post);
  server_->Post("/v1/completions", post);
  server_->Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    json models = {{"object", "list"},
                   {"data", json::array({{{"id", options_.model_name}, {"object", "model"}}})}};
    res.set_content(models.dump(), "application/json");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("scripted server: cannot bind 127.0.0.1");
  raise_listen_backlog(port_);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 500 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

ScriptedOpenAiServer::~ScriptedOpenAiServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string ScriptedOpenAiServer::url() const { return fmt::format("http://127.0.0.1:{}", port_); }

void ScriptedOpenAiServer::handle(const std::string& path, const std::string& id,
                                  const std::string& body, int& status, std::string& content,
                                  bool& drop, std::string& retry_after,
                                  std::vector<std::string>& events) {
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    status = 400;
    content = R"({"error":{"message":"body is not a JSON object"}})";
    return;
  }
  ScriptedCall call{.id = id, .path = path};
  if (path == "/v1/completions") {
    call.prompt = request.value("prompt", "");
  } else {
    for (const json& m : request.value("messages", json::array())) {
      if (!call.prompt.empty()) call.prompt += "\n";
      call.prompt += m.value("content", "");
    }
  }
  call.seed = request.value("seed", uint64_t{0});
  call.max_tokens = request.value("max_tokens", int64_t{1} << 30);
  {
    std::lock_guard lock(mutex_);
    call.attempt = ++counts_[id];
    seeds_[id].push_back(call.seed);
    models_.push_back(request.value("model", ""));
    paths_.push_back(path);
    max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
  }
  struct Leave {
    ScriptedOpenAiServer* self;
    ~Leave() {
      std::lock_guard lock(self->mutex_);
      --self->in_flight_;
    }
  } leave{this};
  if (options_.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.delay_ms));

  const double f = id_fraction(id);
  if (f < options_.fail_fraction && call.attempt <= options_.failures_per_id) {
    const bool rate_limited = f < options_.fail_fraction / 2;
    status = rate_limited ? 429 : 500;
    if (rate_limited) retry_after = "0";
    content = fmt::format(R"({{"error":{{"message":"scripted failure {} of '{}'"}}}})",
                          call.attempt, id);
    std::lock_guard lock(mutex_);
    ++failed_;
    return;
  }
  drop = f >= options_.fail_fraction && f < options_.fail_fraction + options_.drop_fraction &&
         call.attempt == 1;

  std::string text = options_.respond(call);
  std::vector<std::string> text_words = words(text);
  std::string finish = "stop";
  if (static_cast<int64_t>(text_words.size()) > call.max_tokens) {
    text.clear();
    for (int64_t i = 0; i < call.max_tokens; ++i) text += (i ? " " : "") + text_words[i];
    text_words.resize(call.max_tokens);
    finish = "length";
  }
  json choice = {{"index", 0}, {"finish_reason", finish}};
  if (path == "/v1/completions") {
    choice["text"] = text;
  } else {
    choice["message"] = {{"role", "assistant"}, {"content", text}};
  }
  const auto n_prompt = static_cast<int64_t>(words(call.prompt).size());
  const auto n_completion = static_cast<int64_t>(text_words.size());
  json answer = {{"id", "scripted-" + id},
                 {"object", path == "/v1/completions" ? "text_completion" : "chat.completion"},
                 {"model", options_.model_name},
                 {"choices", json::array({choice})},
                 {"usage",
                  {{"prompt_tokens", n_prompt},
                   {"completion_tokens", n_completion},
                   {"total_tokens", n_prompt + n_completion}}}};
  content = answer.dump();
  const bool stream = request.value("stream", false);
  if (stream && options_.streaming) {
    // OpenAI API reference, "The chat completion chunk object": choices[0].delta.content (chat)
    // or choices[0].text (completions) per event, finish_reason on the last one, then a usage
    // event when stream_options.include_usage is set, then "[DONE]".
    const bool chat = path != "/v1/completions";
    auto chunk = [&](const std::string& piece, const json& finish_reason) {
      json c = {{"index", 0}, {"finish_reason", finish_reason}};
      if (chat) {
        c["delta"] = {{"content", piece}};
      } else {
        c["text"] = piece;
      }
      return json{{"id", "scripted-" + id}, {"choices", json::array({c})}}.dump();
    };
    // One event per word with the whitespace after it, so the pieces join to the exact text.
    std::string piece;
    for (size_t i = 0; i < text.size(); ++i) {
      const bool space = std::isspace(static_cast<unsigned char>(text[i])) != 0;
      if (!space && i > 0 && std::isspace(static_cast<unsigned char>(text[i - 1])) &&
          !piece.empty() && piece.find_first_not_of(" \t\r\n") != std::string::npos) {
        events.push_back(chunk(piece, nullptr));
        piece.clear();
      }
      piece += text[i];
    }
    if (!piece.empty()) events.push_back(chunk(piece, nullptr));
    events.push_back(chunk("", finish));
    if (request.contains("stream_options") &&
        request["stream_options"].value("include_usage", false)) {
      events.push_back(json{{"id", "scripted-" + id},
                            {"choices", json::array()},
                            {"usage", answer["usage"]}}
                           .dump());
    }
    events.push_back("[DONE]");
  }
  std::lock_guard lock(mutex_);
  stream_requests_ += stream ? 1 : 0;
  (drop ? dropped_ : answered_) += 1;
}

int ScriptedOpenAiServer::requests_for(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(id);
  return it == counts_.end() ? 0 : it->second;
}

std::map<std::string, int> ScriptedOpenAiServer::request_counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

int ScriptedOpenAiServer::total_requests() const {
  std::lock_guard lock(mutex_);
  int total = 0;
  for (const auto& [id, n] : counts_) total += n;
  return total;
}

int ScriptedOpenAiServer::answered() const {
  std::lock_guard lock(mutex_);
  return answered_;
}

int ScriptedOpenAiServer::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

int ScriptedOpenAiServer::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::vector<uint64_t> ScriptedOpenAiServer::seeds_for(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = seeds_.find(id);
  return it == seeds_.end() ? std::vector<uint64_t>{} : it->second;
}

std::vector<std::string> ScriptedOpenAiServer::paths_seen() const {
  std::lock_guard lock(mutex_);
  return paths_;
}

int ScriptedOpenAiServer::stream_requests() const {
  std::lock_guard lock(mutex_);
  return stream_requests_;
}

int ScriptedOpenAiServer::max_in_flight() const {
  std::lock_guard lock(mutex_);
  return max_in_flight_;
}

std::vector<std::string> ScriptedOpenAiServer::models_seen() const {
  std::lock_guard lock(mutex_);
  return models_;
}

}  // namespace boxed::testing
