// The "replay" backend: answers each Request with the completion a previous run saved under the
// same id, without generating anything — used to re-grade a run after a grader change.
//
//   ReplayEngine engine("runs/r1-aime24");           // a run directory or its completions.jsonl
//   engine.generate(requests, on_done);              // a missing id comes back as kError
//
// The file is the completion log that `boxed run` writes (harness/completion_log.h, format
// "boxed-completions/1"): a header line {"type":"header", "config":{...}} and one line per
// completion {"type":"completion", "id", "text", "finish_reason", "prompt_tokens",
// "completion_tokens", "error"}. When an id appears more than once (an error later retried) the
// last line wins, as it does for the run that wrote it. A torn last line (a killed writer) is
// dropped; any other malformed line is an error naming the file and line.
#pragma once

#include <map>
#include <string>

#include "inference/engine.h"

namespace boxed::inference::replay {

class ReplayEngine : public Engine {
 public:
  // `from`: a directory holding completions.jsonl, or a JSONL file. Throws std::runtime_error for
  // an unreadable file or a malformed line.
  explicit ReplayEngine(const std::string& from);

  // backend "replay"; model from the log header's config.model when present.
  EngineInfo info() const override;
  void generate(std::span<const Request> requests, const OnDone& on_done) override;

  size_t size() const { return saved_.size(); }

 private:
  std::string path_;
  std::string model_;
  std::map<std::string, Completion> saved_;
};

}  // namespace boxed::inference::replay
