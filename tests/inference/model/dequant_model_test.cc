// Whole real tensors of the fetched GGUF models (label `model`): boxed's dequantisation of the
// entire tensor hashes to the SHA-256 of the gguf package's dequantisation recorded by
// tools/gguf/make_dequant_golden.py. The tensor is read through GgufFile (type, shape and file
// offset checked against what gguf.GGUFReader saw; the SHA-256 of its raw bytes tells a
// different file apart). Skips when the models are absent (../shared/models/fetch.sh).
#include <bit>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "datasets/sha256.h"
#include "inference/model/gguf_file.h"
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
    const GgufFile file = GgufFile::open(path);
    const TensorView view = file.tensor_view(w.tensor);
    ASSERT_EQ(view.dtype, golden.dtype) << path << ": " << w.tensor;
    ASSERT_EQ(view.shape, (std::vector<int64_t>{w.rows, w.cols})) << path << ": " << w.tensor;
    ASSERT_EQ(view.size_bytes(), w.n_bytes) << path << ": " << w.tensor;
    ASSERT_EQ(file.data_offset() + file.find_tensor(w.tensor)->offset, w.data_offset) << w.tensor;
    const std::byte* data = view.data;
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
