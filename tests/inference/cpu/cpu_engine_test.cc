// The CPU engine end to end on the tiny random model (written by make_tiny_model into a temp
// dir): determinism across batch sizes and thread counts, prompt prefix sharing, pre-emption,
// the on_done contract, finish reasons, and greedy decoding against the stand-alone
// last_token_logits tool (an independent path through the forward: no scheduler, no paging).
#include "inference/cpu/cpu_engine.h"
#include "inference/cpu/kv_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "inference/engine_factory.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tools.h"

namespace boxed::inference::cpu {
namespace {

namespace fs = std::filesystem;

// DeepSeek-R1-Distill chat template with the generation prompt (model card, "Usage
// Recommendations": start the response with "<think>\n").
std::string r1_prompt(const std::string& user) {
  return "<｜begin▁of▁sentence｜><｜User｜>" + user + "<｜Assistant｜><think>\n";
}

class CpuEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("boxed_cpu_engine_test_" + std::to_string(::getpid())));
    make_tiny_model(dir_->string(), "qwen2", 7);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string model() { return dir_->string(); }

  using Results = std::map<std::string, Completion>;
  // Runs the requests; fails the test if any id is reported twice or not at all.
  static Results run(CpuEngine& engine, const std::vector<Request>& requests) {
    Results out;
    std::mutex mutex;
    engine.generate(requests, [&](Completion c) {
      std::lock_guard lock(mutex);
      EXPECT_FALSE(out.contains(c.id)) << c.id << " reported twice";
      out[c.id] = std::move(c);
    });
    EXPECT_EQ(out.size(), requests.size());
    return out;
  }

  // 8 samples of each of two problems, seeds from the run seed and the id.
  static std::vector<Request> two_problems(int max_tokens) {
    std::vector<Request> requests;
    for (int p = 0; p < 2; ++p) {
      for (int s = 0; s < 8; ++s) {
        Request r{.id = "t/" + std::to_string(p) + "/" + std::to_string(s)};
        r.messages = {{.role = "user",
                       .content = p == 0 ? "What is 2+2? Put the answer in \\boxed{}."
                                         : "Solve x^2 = 9 for x > 0."}};
        r.sampling.max_tokens = max_tokens;
        r.seed = request_seed(2026, r.id);
        requests.push_back(std::move(r));
      }
    }
    return requests;
  }

  static fs::path* dir_;
};

fs::path* CpuEngineTest::dir_ = nullptr;

TEST_F(CpuEngineTest, SameSeedGivesIdenticalTokensForAnyBatchSizeAndThreadCount) {
  const std::vector<Request> requests = two_problems(24);
  CpuEngine reference_engine({.model_dir = model(), .threads = 1, .max_batch_sequences = 1});
  const Results reference = run(reference_engine, requests);
  std::set<std::string> distinct;
  for (const auto& [id, c] : reference) {
    ASSERT_NE(c.finish_reason, FinishReason::kError) << c.error;
    EXPECT_GT(c.completion_tokens, 0);
    distinct.insert(c.text);
  }
  EXPECT_GE(distinct.size(), 12u) << "samples of a prompt should differ by seed";
  for (int threads : {1, 2}) {
    for (int batch : {1, 3, 64}) {
      SCOPED_TRACE(testing::Message() << threads << " threads, batch " << batch);
      CpuEngine engine({.model_dir = model(), .threads = threads, .max_batch_sequences = batch,
                        .max_batch_tokens = batch == 3 ? 7 : 2048});
      const Results got = run(engine, requests);
      for (const auto& [id, c] : reference) {
        EXPECT_EQ(got.at(id).text, c.text) << id;
        EXPECT_EQ(got.at(id).completion_tokens, c.completion_tokens) << id;
        EXPECT_EQ(got.at(id).finish_reason, c.finish_reason) << id;
      }
    }
  }
}

TEST_F(CpuEngineTest, EachPromptIsPrefilledOnceForAllItsSamples) {
  const std::vector<Request> requests = two_problems(4);
  CpuEngine engine({.model_dir = model(), .threads = 2});
  const Results got = run(engine, requests);
  const int64_t l0 = got.at("t/0/0").prompt_tokens, l1 = got.at("t/1/0").prompt_tokens;
  EXPECT_EQ(static_cast<size_t>(l0),
            encode_text_for_model(model(), r1_prompt(requests[0].messages[0].content)).size());
  const scheduler::SchedulerStats s = engine.last_stats().scheduler;
  // Shared positions [0, L-1) once per prompt, plus each sample's own last prompt token.
  EXPECT_EQ(s.prompt_tokens_computed, (l0 - 1 + 8) + (l1 - 1 + 8));
  EXPECT_EQ(s.shared_prompt_tokens, 8 * (l0 - 1) + 8 * (l1 - 1));
  EXPECT_EQ(s.forks, 16);
  EXPECT_EQ(s.preemptions, 0);
}

TEST_F(CpuEngineTest, PreemptionUnderATinyBlockBudgetChangesNothing) {
  const std::vector<Request> requests = two_problems(40);
  CpuEngine roomy({.model_dir = model(), .threads = 2});
  const Results reference = run(roomy, requests);
  int64_t longest = 0;
  for (const auto& [id, c] : reference) {
    longest = std::max(longest, c.prompt_tokens + c.completion_tokens);
  }
  // Room for about two sequences of 16-token blocks: the others must wait or be evicted.
  const int blocks = static_cast<int>(2 * ((longest + 15) / 16));
  CpuEngine tight({.model_dir = model(), .threads = 2, .n_kv_blocks = blocks});
  const Results got = run(tight, requests);
  for (const auto& [id, c] : reference) {
    EXPECT_EQ(got.at(id).text, c.text) << id;
    EXPECT_EQ(got.at(id).completion_tokens, c.completion_tokens) << id;
  }
  const scheduler::GenerationStats stats = tight.last_stats();
  EXPECT_EQ(stats.n_blocks, blocks);
  EXPECT_GT(stats.scheduler.preemptions, 0);
  EXPECT_GT(stats.scheduler.recomputed_tokens, 0);
  EXPECT_LE(stats.scheduler.peak_blocks_used, blocks);
}

// The KV budget callback (how the CUDA backend sizes its pool from free device memory): asked
// once, at the first run, and its answer bounds the pool of every run; info() says so before.
TEST_F(CpuEngineTest, KvBudgetCallbackIsAskedOnceAndBoundsThePool) {
  const std::vector<Request> requests = two_problems(8);
  const int64_t block_bytes = static_cast<int64_t>(KvCache::bytes_per_block(
      {.n_layers = 2, .n_kv_heads = 2, .head_dim = 16, .block_size_tokens = 16, .n_blocks = 1}));
  int calls = 0;
  CpuEngineOptions options{.model_dir = model(), .threads = 2};
  options.kv_cache_budget_bytes = [&] {
    ++calls;
    return 7 * block_bytes;
  };
  CpuEngine engine(options);
  EXPECT_EQ(engine.info().details.at("max_kv_cache_bytes"), "sized at the first run");
  EXPECT_EQ(calls, 0);
  const Results first = run(engine, requests);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(engine.info().details.at("max_kv_cache_bytes"), std::to_string(7 * block_bytes));
  EXPECT_EQ(engine.last_stats().n_blocks, 7);  // 16 sequences would want more
  const Results second = run(engine, requests);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(engine.last_stats().n_blocks, 7);
  for (const auto& [id, c] : first) EXPECT_EQ(second.at(id).text, c.text) << id;
}

TEST_F(CpuEngineTest, GreedyTokensAreTheArgmaxOfTheStandAloneForward) {
  const std::string prompt = r1_prompt("Compute 7*6.");
  Request r{.id = "g/0/0", .prompt = prompt};
  r.sampling = {.temperature = 0, .max_tokens = 6};
  CpuEngine engine({.model_dir = model(), .threads = 2});
  const Completion c = run(engine, {r}).at("g/0/0");
  ASSERT_EQ(c.finish_reason, FinishReason::kLength);
  std::vector<int32_t> tokens = encode_text_for_model(model(), prompt);
  EXPECT_EQ(c.prompt_tokens, static_cast<int64_t>(tokens.size()));
  for (int i = 0; i < 6; ++i) {
    const std::vector<float> logits = last_token_logits(model(), tokens);
    tokens.push_back(static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) -
                                          logits.begin()));
  }
  // The engine's text must be the decoding of those six argmax tokens.
  const std::vector<int32_t> generated(tokens.end() - 6, tokens.end());
  EXPECT_EQ(c.completion_tokens, 6);
  EXPECT_EQ(c.text, tokenizer::Tokenizer::load(model()).decode(generated, /*skip_special=*/true));
}

TEST_F(CpuEngineTest, MessagesAreTemplatedLikeTheWrittenOutR1Prompt) {
  Request by_messages{.id = "m/0/0", .messages = {{.role = "user", .content = "Hi there"}}};
  Request by_prompt{.id = "m/0/1", .prompt = r1_prompt("Hi there")};
  by_messages.sampling.max_tokens = by_prompt.sampling.max_tokens = 10;
  by_messages.seed = by_prompt.seed = 99;
  CpuEngine engine({.model_dir = model(), .threads = 1});
  const Results got = run(engine, {by_messages, by_prompt});
  EXPECT_EQ(got.at("m/0/0").prompt_tokens, got.at("m/0/1").prompt_tokens);
  EXPECT_EQ(got.at("m/0/0").text, got.at("m/0/1").text);
  // Identical prompt ids: one group, one prefill.
  EXPECT_EQ(engine.last_stats().scheduler.forks, 2);
}

TEST_F(CpuEngineTest, StopStringsAndMaxTokensSetTheFinishReason) {
  Request r{.id = "s/0/0", .prompt = r1_prompt("Count to ten.")};
  r.sampling = {.temperature = 0, .max_tokens = 40};
  CpuEngine engine({.model_dir = model(), .threads = 2});
  const Completion full = run(engine, {r}).at("s/0/0");
  ASSERT_EQ(full.finish_reason, FinishReason::kLength);
  ASSERT_GE(full.text.size(), 12u);
  // A stop string taken from the middle of the unconstrained text: the text is cut before its
  // first occurrence.
  size_t at = full.text.size() / 2;
  while (at > 0 && (static_cast<unsigned char>(full.text[at]) & 0xC0) == 0x80) --at;
  std::string stop = full.text.substr(at, 3);
  Request stopped = r;
  stopped.id = "s/0/1";
  stopped.sampling.stop = {stop};
  const Completion cut = run(engine, {stopped}).at("s/0/1");
  EXPECT_EQ(cut.finish_reason, FinishReason::kStop);
  EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(stop)));
  EXPECT_LT(cut.completion_tokens, full.completion_tokens);

  Request short_one = r;
  short_one.id = "s/0/2";
  short_one.sampling.max_tokens = 5;
  const Completion five = run(engine, {short_one}).at("s/0/2");
  EXPECT_EQ(five.finish_reason, FinishReason::kLength);
  EXPECT_EQ(five.completion_tokens, 5);
  EXPECT_EQ(full.text.rfind(five.text, 0), 0u) << "a prefix of the longer greedy run";
}

TEST_F(CpuEngineTest, UnservableRequestsComeBackAsErrorsOnce) {
  std::string huge;
  for (int i = 0; i < 5000; ++i) huge += "7 ";  // single digits: > 4096 tokens
  std::vector<Request> requests(3);
  requests[0] = {.id = "e/0/0", .prompt = r1_prompt(huge)};
  requests[1] = {.id = "e/1/0", .prompt = r1_prompt("fine")};
  requests[1].sampling.max_tokens = 3;
  requests[2] = {.id = "e/2/0", .prompt = r1_prompt("bad")};
  requests[2].sampling.top_p = 0;
  CpuEngine engine({.model_dir = model(), .threads = 2});
  const Results got = run(engine, requests);
  EXPECT_EQ(got.at("e/0/0").finish_reason, FinishReason::kError);
  EXPECT_NE(got.at("e/0/0").error.find("context window is 4096 tokens"), std::string::npos)
      << got.at("e/0/0").error;
  EXPECT_GT(got.at("e/0/0").prompt_tokens, 4096);
  EXPECT_EQ(got.at("e/1/0").finish_reason, FinishReason::kLength);
  EXPECT_TRUE(got.at("e/1/0").error.empty());
  EXPECT_EQ(got.at("e/2/0").finish_reason, FinishReason::kError);
  EXPECT_EQ(got.at("e/2/0").error, "sampling.top_p: expected 0 < top_p <= 1, found 0");
}

TEST_F(CpuEngineTest, ARequestOutgrowingTheKvCacheFailsAloneAsAValue) {
  // Two blocks of 16 positions: a 20-token-odd prompt cannot grow to 40 new tokens.
  Request grows{.id = "k/0/0", .prompt = r1_prompt("Tell me a long story.")};
  grows.sampling = {.temperature = 0, .max_tokens = 40};
  Request fits{.id = "k/1/0", .prompt = r1_prompt("Hi")};
  fits.sampling = {.temperature = 0, .max_tokens = 2};
  CpuEngine engine({.model_dir = model(), .threads = 1, .n_kv_blocks = 2});
  const Results got = run(engine, {grows, fits});
  ASSERT_LE(got.at("k/0/0").prompt_tokens, 32);
  EXPECT_EQ(got.at("k/0/0").finish_reason, FinishReason::kError);
  EXPECT_NE(got.at("k/0/0").error.find("KV cache (2 blocks of 16 tokens) cannot hold"),
            std::string::npos)
      << got.at("k/0/0").error;
  EXPECT_EQ(got.at("k/1/0").finish_reason, FinishReason::kLength);
  EXPECT_EQ(got.at("k/1/0").completion_tokens, 2);
}

TEST_F(CpuEngineTest, FactoryBuildsItAsCpuAndAsTheAutoFallback) {
  const std::vector<std::string> built = compiled_backends();
  EXPECT_NE(std::ranges::find(built, "cpu"), built.end());
  const std::unique_ptr<Engine> engine = make_engine({.backend = "cpu", .model = model()});
  EXPECT_EQ(engine->info().backend, "cpu");
  EXPECT_EQ(engine->info().details.at("chat_template"), "deepseek-r1");
  // "auto" takes a visible CUDA device (never the emulation), else cpu.
  const std::vector<std::string> now = available_backends();
  const bool device =
      std::ranges::find(now, "cuda") != now.end() && !cuda_status().starts_with("emulated");
  EXPECT_EQ(make_engine({.backend = "auto", .model = model()})->info().backend, device ? "cuda" : "cpu");
  EXPECT_THROW(make_engine({.backend = "cpu", .model = ""}), std::invalid_argument);
}

// --cpu-activations: q8 is recorded in the engine's arithmetic (and so in the run report); a
// value other than f32 / q8, or q8 for a backend other than cpu, is refused by name.
TEST_F(CpuEngineTest, Int8ActivationsAreACpuOptionRecordedInTheArithmetic) {
  EXPECT_EQ(make_engine({.backend = "cpu", .model = model()})->info().details.at("arithmetic"), "fp32");
  const std::string q8 =
      make_engine({.backend = "cpu", .model = model(), .cpu_activations = "q8"})->info().details.at("arithmetic");
  EXPECT_NE(q8.find("int8 activations"), std::string::npos) << q8;
  const auto message = [&](const EngineOptions& o) {
    try {
      make_engine(o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({.backend = "cpu", .model = model(), .cpu_activations = "q4"}),
            "--cpu-activations 'q4': expected f32 or q8");
  EXPECT_EQ(message({.backend = "replay", .model = model(), .cpu_activations = "q8", .replay_from = "x"}),
            "--cpu-activations q8 is an option of the cpu backend; the backend here is 'replay'");
}

}  // namespace
}  // namespace boxed::inference::cpu
