// Whole real tensors of the fetched GGUF models (label `model`): boxed's dequantisation of the
// entire tensor hashes to the SHA-256 of the gguf package's dequantisation recorded by
// tools/gguf/make_dequant_golden.py. The tensor's bytes are read at the file offset the golden
// records (checked by the SHA-256 of the raw bytes, so a different file is reported as such).
// Skips when the models are absent (../shared/models/fetch.sh fetches them).
#include <bit>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "datasets/sha256.h"
#include "inference/model/mapped_file.h"
#include "inference/model/quant/dequantize.h"
#include "tests/inference/model/dequant_golden.h"

namespace boxed::inference::model {
namespace {

static_assert(std::endian::native == std::endian::little, "the golden hashes little-endian floats");

class DequantWholeTensorTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DequantWholeTensorTest, HashEqualsGgufPackage) {
  const auto golden = testing::load_dequant_golden(GetParam());
  if (golden.whole_tensors.empty()) GTEST_SKIP() << GetParam() << " occurs in no fetched model";
  int checked = 0;
  for (const auto& w : golden.whole_tensors) {
    const auto path = testing::models_dir() / w.file;
    if (!std::filesystem::exists(path)) continue;
    const MappedFile file(path);
    ASSERT_LE(w.data_offset + w.n_bytes, file.bytes().size()) << path << ": " << w.tensor;
    const std::byte* data = file.bytes().data() + w.data_offset;
    ASSERT_EQ(w.n_bytes, static_cast<uint64_t>(w.rows) * dtype_row_bytes(golden.dtype, w.cols));
    ASSERT_EQ(datasets::sha256_hex({reinterpret_cast<const char*>(data), w.n_bytes}), w.raw_sha256)
        << path << ": the bytes of " << w.tensor << " differ from the file the golden was made from";
    std::vector<float> values(static_cast<size_t>(w.rows * w.cols));
    quant::dequantize_row(golden.dtype, data, w.rows * w.cols, values.data());
    const std::string_view as_bytes(reinterpret_cast<const char*>(values.data()),
                                    values.size() * sizeof(float));
    EXPECT_EQ(datasets::sha256_hex(as_bytes), w.f32_sha256)
        << w.file << ": " << w.tensor << " [" << w.rows << ", " << w.cols << "] " << GetParam();
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "models absent from " << testing::models_dir() << " (fetch.sh)";
}

INSTANTIATE_TEST_SUITE_P(AllBlockTypes, DequantWholeTensorTest,
                         ::testing::ValuesIn(testing::kDequantTypes),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace boxed::inference::model
