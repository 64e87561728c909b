// The OpenAI wire format: request bodies field by field, and server answers as a table
// (tests/data/http/responses.jsonl, one case per row with a note), plus endpoint URLs
// (tests/data/http/endpoints.jsonl).
#include "inference/http/openai_protocol.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "inference/http/endpoint.h"

namespace boxed::inference::http {
namespace {

using nlohmann::json;

std::vector<json> read_rows(const std::string& name) {
  const char* root = std::getenv("BOXED_SOURCE_DIR");
  const std::string path = std::string(root ? root : ".") + "/tests/data/http/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rows.push_back(json::parse(line));
  }
  return rows;
}

TEST(OpenAiProtocol, ChatBodyCarriesMessagesSamplingAndSeed) {
  Request r{.id = "aime24/7/13",
            .messages = {{"user", "What is 2+2?"}},
            .sampling = {.temperature = 0.6f, .top_p = 0.95f, .max_tokens = 32768},
            .seed = 0xfedcba9876543210ULL};
  const json body = make_request_body(r, {.model = "r1", .raw_prompt = false});
  EXPECT_EQ(body["model"], "r1");
  EXPECT_EQ(body["messages"], json::parse(R"([{"role":"user","content":"What is 2+2?"}])"));
  EXPECT_FALSE(body.contains("prompt"));
  EXPECT_FLOAT_EQ(body["temperature"].get<float>(), 0.6f);
  EXPECT_FLOAT_EQ(body["top_p"].get<float>(), 0.95f);
  EXPECT_EQ(body["max_tokens"], 32768);
  EXPECT_EQ(body["seed"].get<uint64_t>(), 0xfedcba9876543210ULL);  // full 64 bits survive
  EXPECT_EQ(body["n"], 1);
  EXPECT_EQ(body["stream"], false);
  // Extensions only when set, so strict servers accept the defaults.
  EXPECT_FALSE(body.contains("top_k"));
  EXPECT_FALSE(body.contains("min_p"));
  EXPECT_FALSE(body.contains("stop"));
  EXPECT_EQ(api_path(false), "/v1/chat/completions");
}

TEST(OpenAiProtocol, RawPromptBodyUsesPromptAndExtensions) {
  Request r{.id = "a/1/0",
            .messages = {{"user", "ignored"}},
            .prompt = "<｜User｜>hi<｜Assistant｜><think>\n",
            .sampling = {.top_k = 20, .min_p = 0.05f, .stop = {"</s>"}},
            .seed = 5};
  const json body = make_request_body(r, {.model = "m", .raw_prompt = true});
  EXPECT_EQ(body["prompt"], "<｜User｜>hi<｜Assistant｜><think>\n");
  EXPECT_FALSE(body.contains("messages"));
  EXPECT_EQ(body["top_k"], 20);
  EXPECT_FLOAT_EQ(body["min_p"].get<float>(), 0.05f);
  EXPECT_EQ(body["stop"], json::array({"</s>"}));
  EXPECT_EQ(api_path(true), "/v1/completions");
}

TEST(OpenAiProtocol, MissingPromptOrMessagesIsRefusedWithTheId) {
  Request no_prompt{.id = "t/1/2", .messages = {{"user", "x"}}};
  try {
    make_request_body(no_prompt, {.model = "m", .raw_prompt = true});
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("t/1/2"), std::string::npos) << e.what();
  }
  Request no_messages{.id = "t/1/3"};
  EXPECT_THROW(make_request_body(no_messages, {.model = "m"}), std::invalid_argument);
}

TEST(OpenAiProtocol, ResponsesTable) {
  const std::vector<json> rows = read_rows("responses.jsonl");
  ASSERT_GE(rows.size(), 10u);
  for (const json& row : rows) {
    SCOPED_TRACE(row["note"].get<std::string>());
    const Completion c =
        parse_response_body("id/1/0", row["body"].get<std::string>(), row["raw_prompt"]);
    EXPECT_EQ(c.id, "id/1/0");
    EXPECT_EQ(to_string(c.finish_reason), row["finish_reason"].get<std::string>());
    if (row.contains("error_contains")) {
      EXPECT_NE(c.error.find(row["error_contains"].get<std::string>()), std::string::npos)
          << c.error;
      continue;
    }
    EXPECT_EQ(c.error, "");
    EXPECT_EQ(c.text, row["text"].get<std::string>());
    EXPECT_EQ(c.prompt_tokens, row["prompt_tokens"].get<int64_t>());
    EXPECT_EQ(c.completion_tokens, row["completion_tokens"].get<int64_t>());
  }
}

TEST(Endpoint, UrlTable) {
  const std::vector<json> rows = read_rows("endpoints.jsonl");
  ASSERT_GE(rows.size(), 8u);
  for (const json& row : rows) {
    SCOPED_TRACE(row["note"].get<std::string>());
    const std::string url = row["url"];
    if (row.contains("error_contains")) {
      try {
        parse_endpoint(url);
        ADD_FAILURE() << "expected an error for " << url;
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find(row["error_contains"].get<std::string>()),
                  std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
      }
      continue;
    }
    const Endpoint e = parse_endpoint(url);
    EXPECT_EQ(e.url, url);
    EXPECT_EQ(e.origin, row["origin"].get<std::string>());
    EXPECT_EQ(e.base_path, row["base_path"].get<std::string>());
  }
}

}  // namespace
}  // namespace boxed::inference::http
