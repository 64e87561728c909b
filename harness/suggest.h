// "Did you mean ...?" for unknown names (tasks, backends, subcommands, options, graders).
//
//   closest("aime42", {"aime24", "aime25", "math500"})  // -> "aime24"
//   unknown_name_message("task", "aime42", names)       // "unknown task 'aime42'; did you mean 'aime24'? ..."
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace boxed::harness {

// Optimal-string-alignment edit distance (insertions, deletions, substitutions, transpositions).
int edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `name`, if it is near enough to be a plausible typo (distance at most
// max(2, |name|/3)) — or a candidate that starts with `name`.
std::optional<std::string> closest(std::string_view name, std::span<const std::string> candidates);

// "unknown <what> '<name>'; did you mean '<x>'? (valid: a, b, c)".
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 std::span<const std::string> candidates);

}  // namespace boxed::harness
