#include "harness/suggest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace boxed::harness {
namespace {

TEST(EditDistance, CountsTranspositionsAsOneEdit) {
  EXPECT_EQ(edit_distance("aime24", "aime42"), 1);
  EXPECT_EQ(edit_distance("math500", "math500"), 0);
  EXPECT_EQ(edit_distance("", "cpu"), 3);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
}

TEST(Closest, SuggestsPlausibleTyposOnly) {
  const std::vector<std::string> tasks = {"aime24", "aime25", "amc23", "math500", "gpqa_diamond"};
  EXPECT_EQ(closest("aime42", tasks), "aime24");
  EXPECT_EQ(closest("math-500", tasks), "math500");
  EXPECT_EQ(closest("gpqa", tasks), "gpqa_diamond");  // a prefix
  EXPECT_FALSE(closest("humaneval", tasks).has_value());
}

TEST(UnknownNameMessage, NamesTheGuessAndTheValidSet) {
  const std::vector<std::string> names = {"cpu", "cuda"};
  EXPECT_EQ(unknown_name_message("backend", "cdua", names),
            "unknown backend 'cdua'; did you mean 'cuda'? (valid: cpu, cuda)");
}

}  // namespace
}  // namespace boxed::harness
