// The built-in demo problem set of `boxed demo`: a few AIME-, MATH- and GPQA-style problems
// written for boxed (not taken from any benchmark), in the same file formats as the real sets,
// so the demo exercises the real loaders, prompts, extractors and graders.
//
//   for (const DemoFile& f : demo_files()) write(dir / f.file_name, f.contents);
//   // then: boxed run --task demo_aime --dataset dir/demo_aime.jsonl ...
#pragma once

#include <string_view>
#include <vector>

namespace boxed::datasets {

struct DemoFile {
  std::string_view task;       // the task spec that reads it ("demo_aime", ...)
  std::string_view file_name;  // "demo_aime.jsonl"
  std::string_view contents;   // JSONL in that task's format
};

std::vector<DemoFile> demo_files();

}  // namespace boxed::datasets
