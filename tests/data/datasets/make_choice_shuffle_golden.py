#!/usr/bin/env python3
"""Golden permutations for datasets/choice_shuffle.h, from an independent Python implementation of
the documented scheme: seed = mix64(fnv1a64("choices/" + id) ^ mix64(run_seed + GAMMA)); then
Fisher-Yates from i = n-1 down to 1 with j = mix64(state += GAMMA) % (i + 1).
FNV-1a: isthe.com/chongo/tech/comp/fnv; SplitMix64: Steele, Lea, Flood (OOPSLA 2014).
Run from this directory: python3 make_choice_shuffle_golden.py > choice_shuffle_golden.jsonl"""
import json

M = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def fnv1a(data):
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & M
    return h


def order(problem_id, run_seed, n):
    state = mix64(fnv1a(("choices/" + problem_id).encode()) ^ mix64((run_seed + GAMMA) & M))
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        state = (state + GAMMA) & M
        j = mix64(state) % (i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


CASES = [("recInvented001", 0, 4), ("recInvented002", 0, 4), ("recInvented003", 0, 4),
         ("recInvented001", 1, 4), ("recInvented001", 1234, 4), ("recInvented001", 2**64 - 1, 4),
         ("", 0, 4), ("60", 7, 4), ("rec06pnAkLOr2t2mp", 42, 4), ("long-id-" + "x" * 100, 3, 4),
         ("five", 5, 5), ("one", 9, 1), ("ünïcode-id", 11, 4)]
for pid, seed, n in CASES:
    print(json.dumps({"id": pid, "run_seed": seed, "n": n, "order": order(pid, seed, n),
                      "note": "independent Python implementation of the documented scheme"},
                     ensure_ascii=False))
