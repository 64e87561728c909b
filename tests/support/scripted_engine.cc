#include "tests/support/scripted_engine.h"

#include <thread>
#include <vector>

namespace boxed::testing {

ScriptedEngine::ScriptedEngine(Script script, int n_threads)
    : script_(std::move(script)), n_threads_(n_threads) {}

inference::EngineInfo ScriptedEngine::info() const {
  return {.backend = "scripted", .model = "scripted-test-engine", .details = {}};
}

void ScriptedEngine::generate(std::span<const inference::Request> requests,
                              const inference::OnDone& on_done) {
  // Thread t takes requests t, t+n, t+2n, ... from the back, so completions arrive out of order.
  std::vector<std::thread> threads;
  for (int t = 0; t < n_threads_; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < requests.size(); i += n_threads_) {
        const inference::Request& request = requests[requests.size() - 1 - i];
        inference::Completion completion = script_(request);
        completion.id = request.id;
        {
          std::lock_guard lock(mutex_);
          ++counts_[request.id];
        }
        on_done(std::move(completion));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

int ScriptedEngine::times_generated(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(id);
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace boxed::testing
