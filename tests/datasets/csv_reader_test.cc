#include "datasets/csv_reader.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace boxed::datasets {
namespace {

TEST(Csv, QuotedFieldsCommasNewlinesAndDoubledQuotes) {
  const CsvTable t = parse_csv("a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n", "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].fields, (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(t.rows[0].line, 2);
  EXPECT_EQ(t.rows[1].fields, (std::vector<std::string>{"2", "two\nlines", ""}));
  EXPECT_EQ(t.rows[1].line, 3);
  EXPECT_EQ(t.column("c"), 2u);
  EXPECT_TRUE(t.has_column("b"));
  EXPECT_FALSE(t.has_column("d"));
}

TEST(Csv, ByteOrderMarkBlankLinesAndNoFinalNewline) {
  const CsvTable t = parse_csv("\xEF\xBB\xBFq,r\n\n1,2\n\n3,4", "t.csv");
  EXPECT_EQ(t.header[0], "q");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1].fields, (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(t.rows[1].line, 5);
}

void expect_error(std::string_view text, const std::string& message) {
  try {
    parse_csv(text, "t.csv");
    ADD_FAILURE() << "no error; expected " << message;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(Csv, ErrorsSayWhere) {
  expect_error("a,b\n1,\"open\n", "t.csv:2: unterminated quoted field");
  expect_error("a,b\n1,2,3\n", "t.csv:2: expected 2 fields (as the header), found 3");
  expect_error("a,b\n1,x\"y\n", "t.csv:2: a quote inside an unquoted field");
  expect_error("a,b\n\"1\"x,2\n", "t.csv:2: expected ',' or end of line after a closing quote");
  expect_error("", "t.csv: empty CSV file");
  const CsvTable t = parse_csv("a\n1\n", "t.csv");
  try {
    t.column("Question");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing column 'Question' (columns: a)"), std::string::npos);
  }
}

}  // namespace
}  // namespace boxed::datasets
