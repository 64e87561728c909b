// Runs the `boxed` binary of this build (BOXED_BINARY_PATH, compiled in by boxed_add_gtest) with
// a shell-quoted argument string and captures its exit status and combined stdout + stderr.
//
//   RunResult r = run_boxed("demo --out /tmp/x --samples 2");
//   EXPECT_EQ(r.exit_code, 0) << r.output;
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace boxed::testing {

struct RunResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string output;  // stdout and stderr, interleaved
};

inline RunResult run_boxed(const std::string& args) {
  const std::string command = std::string(BOXED_BINARY_PATH) + " " + args + " 2>&1";
  RunResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace boxed::testing
