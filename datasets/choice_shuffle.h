// Deterministic per-question shuffle of multiple-choice options, seeded from the question's id and
// the run seed — never from a global RNG — so a run, its resume and its re-scoring show every
// question with the same letters on every machine.
//
//   std::vector<int> order = shuffle_order("rec06pnAkLOr2t2mp", /*run_seed=*/0, 4);
//   // order is a permutation of {0,1,2,3}; the same arguments always give the same order
//
// The seed is FNV-1a (64-bit) over "choices/" + id, mixed with the run seed by the SplitMix64
// finaliser — the scheme of inference::request_seed, reimplemented here because datasets/ may not
// include inference/; the "choices/" prefix keeps the two streams apart. Fisher–Yates then draws
// from a SplitMix64 stream.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace boxed::datasets {

uint64_t choice_seed(std::string_view problem_id, uint64_t run_seed);

// A permutation of 0..n-1. Throws std::invalid_argument for n < 1.
std::vector<int> shuffle_order(std::string_view problem_id, uint64_t run_seed, int n);

}  // namespace boxed::datasets
