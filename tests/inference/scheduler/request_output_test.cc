// Finish rules and incremental text of one request, over the tiny model's real tokenizer.
// Expected texts come from Tokenizer::decode of the whole id list, not from RequestOutput.
#include "inference/scheduler/request_output.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inference/tokenizer/tiny_tokenizer.h"

namespace boxed::inference::scheduler {
namespace {

const tokenizer::Tokenizer& tiny() {
  static const tokenizer::Tokenizer tok = tokenizer::Tokenizer::from_json_text(
      tokenizer::make_tiny_tokenizer_json().dump(), "tiny tokenizer.json");
  return tok;
}

int32_t eos() { return *tiny().token_id("<｜end▁of▁sentence｜>"); }

// Pushes ids until the output finishes; returns the reason (nullopt if it never did).
std::optional<FinishReason> feed(RequestOutput& out, const std::vector<int32_t>& ids) {
  for (int32_t id : ids) {
    if (std::optional<FinishReason> r = out.push(id)) return r;
  }
  return std::nullopt;
}

bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

TEST(RequestOutput, EosStopsWithoutText) {
  const std::vector<int32_t> eos_ids = {eos()};
  const std::vector<int32_t> ids = tiny().encode("The answer is 12.", false);
  RequestOutput out(tiny(), SamplingParams{}, 5, {.eos_ids = eos_ids, .context_tokens = 4096});
  std::vector<int32_t> with_eos = ids;
  with_eos.push_back(eos());
  EXPECT_EQ(feed(out, with_eos), FinishReason::kStop);
  const Completion c = out.completion("t/1/0");
  EXPECT_EQ(c.text, "The answer is 12.");
  EXPECT_EQ(c.completion_tokens, static_cast<int64_t>(ids.size()) + 1);
  EXPECT_EQ(c.prompt_tokens, 5);
  EXPECT_EQ(c.finish_reason, FinishReason::kStop);
  EXPECT_TRUE(c.error.empty());
}

TEST(RequestOutput, StopStringCutsTheTextWhereTheEarliestStopBegins) {
  const std::string text = "x = 42 so \\boxed{42}\n\nThanks";
  const std::vector<int32_t> ids = tiny().encode(text, false);
  const std::vector<int32_t> eos_ids = {eos()};
  SamplingParams p;
  p.stop = {"\n\n", "boxed"};
  RequestOutput out(tiny(), p, 3, {.eos_ids = eos_ids, .context_tokens = 4096});
  EXPECT_EQ(feed(out, ids), FinishReason::kStop);
  EXPECT_EQ(out.text(), "x = 42 so \\");
  // It stopped at the first token whose decoded prefix contains "boxed".
  size_t k = 1;
  while (tiny().decode(std::span(ids).first(k)).find("boxed") == std::string::npos) ++k;
  EXPECT_EQ(out.completion_tokens(), static_cast<int64_t>(k));
}

TEST(RequestOutput, StopStringSpanningTokensIsFound) {
  // The Qwen2 pre-tokenizer splits digits one by one, so "2026" spans four tokens.
  const std::vector<int32_t> ids = tiny().encode("year 2026 ok", false);
  const std::vector<int32_t> eos_ids = {eos()};
  SamplingParams p;
  p.stop = {"026"};
  RequestOutput out(tiny(), p, 1, {.eos_ids = eos_ids, .context_tokens = 4096});
  EXPECT_EQ(feed(out, ids), FinishReason::kStop);
  EXPECT_EQ(out.text(), "year 2");
}

TEST(RequestOutput, MaxTokensAndContextWindowEndWithLength) {
  const std::vector<int32_t> ids = tiny().encode("one two three four five six", false);
  ASSERT_GT(ids.size(), 4u);
  const std::vector<int32_t> eos_ids = {eos()};
  SamplingParams p;
  p.max_tokens = 3;
  RequestOutput by_max(tiny(), p, 2, {.eos_ids = eos_ids, .context_tokens = 4096});
  EXPECT_EQ(feed(by_max, ids), FinishReason::kLength);
  EXPECT_EQ(by_max.completion_tokens(), 3);
  EXPECT_EQ(by_max.text(), tiny().decode(std::span(ids).first(3)));

  RequestOutput by_context(tiny(), SamplingParams{}, 10, {.eos_ids = eos_ids, .context_tokens = 12});
  EXPECT_EQ(feed(by_context, ids), FinishReason::kLength);
  EXPECT_EQ(by_context.completion_tokens(), 2);
}

TEST(RequestOutput, TextNeverHoldsHalfACharacter) {
  const std::string text = "énergie ∑ 😀 done";  // 2-, 3- and 4-byte characters
  const std::vector<int32_t> ids = tiny().encode(text, false);
  const std::vector<int32_t> eos_ids = {eos()};
  RequestOutput out(tiny(), SamplingParams{}, 1, {.eos_ids = eos_ids, .context_tokens = 4096});
  for (int32_t id : ids) {
    ASSERT_FALSE(out.push(id).has_value());
    EXPECT_TRUE(valid_utf8(out.text())) << out.text().size() << " bytes";
  }
  EXPECT_EQ(out.push(eos()), FinishReason::kStop);
  EXPECT_EQ(out.text(), text);
}

TEST(RequestOutput, SpecialTokensAddNoTextButThinkMarkersDo) {
  const std::vector<int32_t> eos_ids = {eos()};
  RequestOutput out(tiny(), SamplingParams{}, 1, {.eos_ids = eos_ids, .context_tokens = 4096});
  out.push(*tiny().token_id("<｜begin▁of▁sentence｜>"));  // special, not an EOS here
  out.push(*tiny().token_id("</think>"));
  EXPECT_EQ(out.text(), "</think>");
  EXPECT_EQ(out.completion_tokens(), 2);
}

TEST(RequestOutput, IdsBeyondTheTokenizerAddNoText) {
  const std::vector<int32_t> eos_ids = {eos()};
  RequestOutput out(tiny(), SamplingParams{}, 1, {.eos_ids = eos_ids, .context_tokens = 4096});
  const std::vector<int32_t> ok = tiny().encode("ok", false);
  feed(out, ok);
  EXPECT_FALSE(out.push(tiny().vocab_size() + 3).has_value());
  EXPECT_EQ(out.text(), "ok");
  EXPECT_EQ(out.completion_tokens(), static_cast<int64_t>(ok.size()) + 1);
}

}  // namespace
}  // namespace boxed::inference::scheduler
