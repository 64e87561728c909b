// A scripted Engine for tests: each request's Completion comes from a function of the request,
// delivered from several threads in an order that differs from the request order, as real
// backends do. Counts how often each id was generated.
//
//   ScriptedEngine engine([](const Request& r) { return Completion{.id = r.id, .text = "\\boxed{4}"}; });
//   engine.generate(requests, on_done);
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "inference/engine.h"

namespace boxed::testing {

class ScriptedEngine : public inference::Engine {
 public:
  using Script = std::function<inference::Completion(const inference::Request&)>;
  explicit ScriptedEngine(Script script, int n_threads = 4);

  inference::EngineInfo info() const override;
  void generate(std::span<const inference::Request> requests,
                const inference::OnDone& on_done) override;

  int times_generated(const std::string& id) const;

 private:
  Script script_;
  int n_threads_;
  mutable std::mutex mutex_;
  std::map<std::string, int> counts_;
};

}  // namespace boxed::testing
