#include "datasets/builtin.h"

#include <fmt/format.h>

#include <array>
#include <cstddef>

#include "datasets/demo_set.h"

// Generated at build time by cmake/embed_file.cmake (see datasets/CMakeLists.txt).
namespace boxed::embedded {
extern const unsigned char kAime24[];
extern const std::size_t kAime24_size;
extern const unsigned char kAime25[];
extern const std::size_t kAime25_size;
extern const unsigned char kAmc23[];
extern const std::size_t kAmc23_size;
extern const unsigned char kMath500[];
extern const std::size_t kMath500_size;
}  // namespace boxed::embedded

namespace boxed::datasets {
namespace {

std::string_view view(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The SHA-256 values are those of the upstream files (recorded in each SOURCE.md); the
// datasets_builtin test checks the embedded bytes against them and against the committed files.
std::vector<BuiltinDataset> make_builtins() {
  namespace e = boxed::embedded;
  std::vector<BuiltinDataset> out = {
      {.task = "aime24",
       .file = "datasets/builtin/aime24/test.jsonl",
       .sha256 = "af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac",
       .source = "QwenLM/Qwen2.5-Math evaluation/data/aime24/test.jsonl @ a45202bd16f1",
       .license = "MIT (Qwen2.5-Math evaluation/LICENSE); problems (c) MAA",
       .bytes = view(e::kAime24, e::kAime24_size)},
      {.task = "aime25",
       .file = "datasets/builtin/aime25/test.jsonl",
       .sha256 = "b4e273c02d3e7fe1b74b59eae768fc8230bfb0f79539890cb56f4361caac0331",
       .source = "inclusionAI/AReaL evaluation/data/aime25/test.jsonl @ f55fe685c661",
       .license = "Apache-2.0 (AReaL LICENSE); problems (c) MAA",
       .bytes = view(e::kAime25, e::kAime25_size)},
      {.task = "amc23",
       .file = "datasets/builtin/amc23/test.jsonl",
       .sha256 = "43707e1ca784602d8479de24ee8ce36609dbebc46dd152b0b12a46611aa898a4",
       .source = "QwenLM/Qwen2.5-Math evaluation/data/amc23/test.jsonl @ a45202bd16f1",
       .license = "MIT (Qwen2.5-Math evaluation/LICENSE); problems (c) MAA",
       .bytes = view(e::kAmc23, e::kAmc23_size)},
      {.task = "math500",
       .file = "datasets/builtin/math500/test.jsonl",
       .sha256 = "35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132",
       .source = "hkust-nlp/simpleRL-reason examples/simplelr_math_eval/data/math500/test.jsonl "
                 "@ cf1c7858bfc1",
       .license = "MIT (simpleRL-reason; MATH: MIT, hendrycks/math)",
       .bytes = view(e::kMath500, e::kMath500_size)},
  };
  for (const DemoFile& d : demo_files()) {
    out.push_back({.task = d.task,
                   .file = "datasets/demo_set.cc",
                   .sha256 = "",
                   .source = "written for boxed (datasets/demo_set.cc)",
                   .license = "as boxed",
                   .bytes = d.contents});
  }
  return out;
}

const std::vector<BuiltinDataset>& builtins() {
  static const std::vector<BuiltinDataset> kBuiltins = make_builtins();
  return kBuiltins;
}

}  // namespace

std::span<const BuiltinDataset> builtin_datasets() { return builtins(); }

const BuiltinDataset* find_builtin(std::string_view task) {
  for (const BuiltinDataset& b : builtins()) {
    if (b.task == task) return &b;
  }
  return nullptr;
}

std::string missing_dataset_help(const TaskSpec& spec) {
  if (spec.loader == LoaderKind::kGpqa) {
    // GPQA dataset card (huggingface.co/datasets/Idavidrein/gpqa): "We request that you do not
    // reveal examples from this dataset in plain text or images online, to reduce the risk of
    // leakage into foundation model training corpora." The official release is dataset.zip in
    // github.com/idavidrein/gpqa (password in its README), and that gated dataset.
    return fmt::format(
        "task '{}' has no built-in dataset: GPQA's authors ask that its questions never be "
        "published in plain text, so boxed does not ship them. Obtain the official file and pass "
        "it with --dataset:\n"
        "  - github.com/idavidrein/gpqa: dataset.zip (password in its README) holds "
        "dataset/gpqa_diamond.csv\n"
        "  - huggingface.co/datasets/Idavidrein/gpqa (gated; accept the terms): gpqa_diamond.csv\n"
        "boxed reads the official CSV (columns 'Question', 'Correct Answer', 'Incorrect Answer "
        "1'..'3', 'Record ID', 'High-level domain'), or JSONL with the same keys; other names map "
        "with --field, e.g. --field Question=question.\n"
        "  boxed run --task {} --dataset gpqa_diamond.csv --model ...",
        spec.name, spec.name);
  }
  return fmt::format(
      "task '{}' has no built-in dataset; pass its file with --dataset (JSONL with 'problem' and "
      "'answer' fields, others mapped with --field)",
      spec.name);
}

}  // namespace boxed::datasets
