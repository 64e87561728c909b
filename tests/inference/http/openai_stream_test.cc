// Streaming answers: the SSE parser and chunk accumulator on strings (split anywhere), then the
// openai engine against the scripted server streaming, not streaming, and cutting streams
// half-way: every request answered once, the same texts either way, tokens reported as they
// arrive, a cut stream retried and its reported tokens taken back.
#include "inference/http/openai_stream.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "inference/http/openai_engine.h"
#include "tests/support/scripted_openai_server.h"

namespace boxed::inference::http {
namespace {

using testing::ScriptedOpenAiServer;

std::vector<std::string> parse_in_pieces(std::string_view stream, size_t piece) {
  SseParser parser;
  std::vector<std::string> events;
  for (size_t i = 0; i < stream.size(); i += piece) {
    parser.feed(stream.substr(i, piece), [&](std::string_view d) { events.emplace_back(d); });
  }
  return events;
}

TEST(SseParser, EventsWhateverTheLineEndingsAndSplits) {
  const std::string stream =
      ": keep-alive comment\r\n\r\ndata: {\"a\":1}\r\n\r\ndata:{\"b\":2}\n\nevent: x\ndata: l1\n"
      "data: l2\n\rdata: [DONE]\r\r";
  const std::vector<std::string> want = {"{\"a\":1}", "{\"b\":2}", "l1\nl2", "[DONE]"};
  for (size_t piece : {1, 2, 3, 7, 1000}) EXPECT_EQ(parse_in_pieces(stream, piece), want) << piece;
  EXPECT_TRUE(parse_in_pieces("data: no blank line yet\n", 1).empty());
}

TEST(StreamAccumulator, ChatChunksUsageAndReasoning) {
  StreamAccumulator a("t/1/0", /*raw_prompt=*/false);
  EXPECT_EQ(a.add_event(R"({"choices":[{"delta":{"role":"assistant"}}]})"), 0);
  EXPECT_EQ(a.add_event(R"({"choices":[{"delta":{"reasoning_content":"think"}}]})"), 1);
  EXPECT_EQ(a.add_event(R"({"choices":[{"delta":{"content":"The answer"}}]})"), 1);
  EXPECT_EQ(a.add_event(R"({"choices":[{"delta":{"content":" is 4."},"finish_reason":null}]})"), 1);
  EXPECT_FALSE(a.finished());
  EXPECT_EQ(a.add_event(R"({"choices":[{"delta":{},"finish_reason":"length"}]})"), 0);
  EXPECT_EQ(a.add_event(R"({"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":9}})"), 0);
  EXPECT_EQ(a.add_event("[DONE]"), 0);
  const Completion c = a.completion();
  EXPECT_EQ(c.finish_reason, FinishReason::kLength);
  EXPECT_EQ(c.text, "think\n</think>\n\nThe answer is 4.");
  EXPECT_EQ(c.prompt_tokens, 7);
  EXPECT_EQ(c.completion_tokens, 9);
}

TEST(StreamAccumulator, CompletionsTextAndPiecesWithoutUsage) {
  StreamAccumulator a("t/1/0", /*raw_prompt=*/true);
  a.add_event(R"({"choices":[{"text":"a"}]})");
  a.add_event(R"({"choices":[{"text":" b","finish_reason":"stop"}]})");
  const Completion c = a.completion();
  EXPECT_EQ(c.text, "a b");
  EXPECT_EQ(c.finish_reason, FinishReason::kStop);
  EXPECT_EQ(c.completion_tokens, 2);  // no usage chunk: the pieces
}

TEST(StreamAccumulator, ACutOrMalformedStreamIsAnError) {
  StreamAccumulator cut("t/1/0", false);
  cut.add_event(R"({"choices":[{"delta":{"content":"half"}}]})");
  EXPECT_FALSE(cut.finished());
  EXPECT_EQ(cut.completion().finish_reason, FinishReason::kError);
  EXPECT_NE(cut.completion().error.find("cut half-way"), std::string::npos);
  StreamAccumulator bad("t/1/0", false);
  bad.add_event("{not json");
  bad.add_event(R"({"choices":[{"delta":{},"finish_reason":"stop"}]})");
  EXPECT_EQ(bad.completion().finish_reason, FinishReason::kError);
}

std::vector<Request> requests(int n) {
  std::vector<Request> out;
  for (int i = 0; i < n; ++i) {
    const std::string id = "s/" + std::to_string(i) + "/0";
    out.push_back({.id = id,
                   .messages = {{"user", "Problem " + std::to_string(i)}},
                   .sampling = {.max_tokens = 1000},
                   .seed = request_seed(3, id)});
  }
  return out;
}

struct Observed {
  std::map<std::string, Completion> done;
  std::map<std::string, int64_t> net_tokens;  // sum of on_tokens per id
  std::map<std::string, int64_t> negative;    // tokens taken back per id
  std::map<std::string, int> on_done_calls;
};

Observed run(bool stream, testing::ScriptedServerOptions server_options, int n = 12) {
  ScriptedOpenAiServer server(server_options);
  OpenAiEngine engine({.endpoints = {server.url()},
                       .model = "scripted",
                       .concurrency = 4,
                       .stream = stream,
                       .retry = {.base_ms = 1, .max_ms = 2, .max_retries = 3}});
  Observed o;
  std::mutex mutex;
  engine.set_on_tokens([&](std::string_view id, int64_t n_tokens) {
    std::lock_guard lock(mutex);
    o.net_tokens[std::string(id)] += n_tokens;
    if (n_tokens < 0) o.negative[std::string(id)] += -n_tokens;
  });
  engine.generate(requests(n), [&](Completion c) {
    std::lock_guard lock(mutex);
    ++o.on_done_calls[c.id];
    o.done[c.id] = std::move(c);
  });
  EXPECT_EQ(server.stream_requests(), stream ? server.total_requests() : 0);
  return o;
}

TEST(OpenAiStreaming, StreamingAndNonStreamingServersGiveTheSameAnswers) {
  const Observed plain = run(false, {});
  const Observed streamed = run(true, {});
  const Observed refused = run(true, {.streaming = false});  // asked to stream, answers JSON
  ASSERT_EQ(plain.done.size(), 12u);
  for (const auto& [id, c] : plain.done) {
    EXPECT_EQ(c.finish_reason, FinishReason::kStop) << c.error;
    for (const Observed* o : {&streamed, &refused}) {
      ASSERT_TRUE(o->done.contains(id));
      EXPECT_EQ(o->done.at(id).text, c.text) << id;
      EXPECT_EQ(o->done.at(id).completion_tokens, c.completion_tokens) << id;
      EXPECT_EQ(o->on_done_calls.at(id), 1) << id;
    }
    // Streamed: every word (the scripted server's token) was reported as it arrived.
    EXPECT_EQ(streamed.net_tokens.at(id), c.completion_tokens) << id;
    // Not streamed: only the start (0) is reported; the harness counts tokens at the end.
    EXPECT_EQ(plain.net_tokens.at(id), 0) << id;
    EXPECT_EQ(refused.net_tokens.at(id), 0) << id;
  }
}

TEST(OpenAiStreaming, ACutStreamIsRetriedAndItsTokensTakenBack) {
  const Observed whole = run(true, {});
  const Observed cut = run(true, {.drop_fraction = 0.5});
  int n_cut = 0;
  for (const auto& [id, c] : whole.done) {
    ASSERT_TRUE(cut.done.contains(id));
    EXPECT_EQ(cut.on_done_calls.at(id), 1) << id;
    EXPECT_EQ(cut.done.at(id).finish_reason, FinishReason::kStop) << cut.done.at(id).error;
    EXPECT_EQ(cut.done.at(id).text, c.text) << id;
    // The net count equals the final answer's tokens: the cut attempt's pieces were taken back.
    EXPECT_EQ(cut.net_tokens.at(id), c.completion_tokens) << id;
    if (testing::id_fraction(id) < 0.5) {
      ++n_cut;
      EXPECT_GT(cut.negative.count(id), 0u) << id << " was cut but nothing was taken back";
    } else {
      EXPECT_EQ(cut.negative.count(id), 0u) << id;
    }
  }
  EXPECT_GT(n_cut, 0);  // the seed ids include some that are cut
}

}  // namespace
}  // namespace boxed::inference::http
