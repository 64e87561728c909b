// The teacher-forced forward of one token sequence: the tokens run from position 0 through a
// fresh paged KV cache (prefilled in chunks), and the logits of the wanted positions are handed to
// a callback in ascending order. What `boxed logits`, `boxed kld` and the parity tools need.
//
//   const std::vector<int32_t> wanted = {n - 1};
//   sequence_logits(model, tokens, wanted, [&](int32_t position, std::span<const float> l) {
//     // l: [vocab_size] logits predicting the token after `position`
//   });
//
// Chunking never shows in the bits: the forward's logits do not depend on how a sequence is
// split into calls (forward.h, "Determinism").
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "inference/model/model.h"

namespace boxed::inference::cpu {

using OnPositionLogits = std::function<void(int32_t position, std::span<const float> logits)>;

// wanted: positions into `tokens`, strictly ascending. Throws std::invalid_argument on empty
// tokens, an unsorted or out-of-range position, or a token outside the vocabulary.
void sequence_logits(const model::Model& model, std::span<const int32_t> tokens,
                     std::span<const int32_t> wanted, const OnPositionLogits& on_logits);

}  // namespace boxed::inference::cpu
