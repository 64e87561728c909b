// Tokenizer throughput on ~1 MB of mixed text (the 70 golden inputs — multilingual, code, LaTeX,
// whitespace, emoji — and the Llama-3-style corpus, repeated), in MB/s of UTF-8 input:
//   build/bin/tokenizer_bench
// Qwen2 (151k vocabulary, from ../shared/tokenizers/qwen2) when present; the committed small
// Llama-3-style tokenizer always. "Warm" repeats the text, so most words hit the per-word cache;
// "UniqueWords" encodes pseudo-random words that all miss it (the merge loop's own speed).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "inference/tokenizer/pre_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using boxed::inference::tokenizer::Tokenizer;

fs::path source_dir() {
  const char* dir = std::getenv("BOXED_SOURCE_DIR");
  return dir ? fs::path(dir) : fs::path(BOXED_BENCH_SOURCE_DIR);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& mixed_text() {
  static const std::string text = [] {
    const fs::path data = source_dir() / "tests" / "data" / "tokenizer";
    std::string block = read_text(data / "llama3_style_corpus.txt");
    std::istringstream in(read_text(data / "golden_inputs.jsonl"));
    for (std::string line; std::getline(in, line);) {
      block += nlohmann::json::parse(line)["text"].get<std::string>() + "\n";
    }
    std::string out;
    while (out.size() < (1 << 20)) out += block;
    return out;
  }();
  return text;
}

// ~1 MB of distinct lowercase words from a fixed linear congruential sequence.
const std::string& unique_words() {
  static const std::string text = [] {
    std::string out;
    uint64_t x = 12345;
    while (out.size() < (1 << 20)) {
      out += ' ';
      const int len = 4 + static_cast<int>((x >> 33) % 8);
      for (int i = 0; i < len; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        out += static_cast<char>('a' + (x >> 33) % 26);
      }
    }
    return out;
  }();
  return text;
}

const Tokenizer* qwen2() {
  static const Tokenizer* tok = []() -> const Tokenizer* {
    const fs::path dir = source_dir() / ".." / "shared" / "tokenizers" / "qwen2";
    if (!fs::exists(dir)) return nullptr;
    return new Tokenizer(Tokenizer::load((dir / "vocab.json").string(), "qwen2"));
  }();
  return tok;
}

const Tokenizer& llama3_style() {
  static const Tokenizer tok = Tokenizer::load(
      (source_dir() / "tests" / "data" / "tokenizer" / "llama3_style_tokenizer.json").string());
  return tok;
}

void run_encode(benchmark::State& state, const Tokenizer& tok, const std::string& text) {
  size_t n_tokens = 0;
  for (auto _ : state) {
    auto ids = tok.encode(text, true);
    n_tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n_tokens);
}

void BM_EncodeQwen2Warm(benchmark::State& state) {
  if (!qwen2()) return state.SkipWithError("../shared/tokenizers/qwen2 absent");
  qwen2()->encode(mixed_text(), true);  // fill the cache
  run_encode(state, *qwen2(), mixed_text());
}

void BM_EncodeQwen2UniqueWords(benchmark::State& state) {
  if (!qwen2()) return state.SkipWithError("../shared/tokenizers/qwen2 absent");
  // Every iteration after the first would hit the cache; a fresh tokenizer per run is too slow
  // to load (~1 s), so words are made distinct per iteration by a rotating prefix letter.
  size_t n = 0;
  std::string text = unique_words();
  for (auto _ : state) {
    state.PauseTiming();
    for (size_t i = 1; i < text.size(); i += 9) text[i] = static_cast<char>('a' + (n + i) % 26);
    ++n;
    state.ResumeTiming();
    benchmark::DoNotOptimize(qwen2()->encode(text, true).data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_EncodeLlama3StyleWarm(benchmark::State& state) {
  llama3_style().encode(mixed_text(), true);
  run_encode(state, llama3_style(), mixed_text());
}

// The regex split alone (RE2 plus the lookahead step), the first stage of encode().
void BM_PreTokenizeQwen2(benchmark::State& state) {
  const auto pre = boxed::inference::tokenizer::PreTokenizer::for_family(
      boxed::inference::tokenizer::PreFamily::kQwen2);
  std::vector<std::string_view> pieces;
  for (auto _ : state) {
    pieces.clear();
    pre.split(mixed_text(), pieces);
    benchmark::DoNotOptimize(pieces.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * mixed_text().size()));
  state.counters["pieces"] = static_cast<double>(pieces.size());
}

void BM_DecodeQwen2(benchmark::State& state) {
  if (!qwen2()) return state.SkipWithError("../shared/tokenizers/qwen2 absent");
  const std::vector<int32_t> ids = qwen2()->encode(mixed_text(), true);
  for (auto _ : state) benchmark::DoNotOptimize(qwen2()->decode(ids).data());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * mixed_text().size()));
}

void BM_LoadQwen2VocabMerges(benchmark::State& state) {
  const fs::path dir = source_dir() / ".." / "shared" / "tokenizers" / "qwen2";
  if (!fs::exists(dir)) return state.SkipWithError("../shared/tokenizers/qwen2 absent");
  for (auto _ : state) {
    benchmark::DoNotOptimize(Tokenizer::load((dir / "vocab.json").string(), "qwen2").vocab_size());
  }
}

BENCHMARK(BM_EncodeQwen2Warm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EncodeQwen2UniqueWords)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EncodeLlama3StyleWarm)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PreTokenizeQwen2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecodeQwen2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadQwen2VocabMerges)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
