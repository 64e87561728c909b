#!/usr/bin/env python3
"""Golden files for boxed's GGML block dequantisation, from the `gguf` Python package.

For each block type boxed loads (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) this
writes tests/data/golden/dequant/<TYPE>.json with
  - "cases": raw blocks (hex) and gguf.quants.dequantize's float32 values (hex, little endian):
      * slices of real tensors of the fetched GGUF models, for the types they contain
        (smollm2-135m: Q4_1, Q8_0; qwen2.5-coder-0.5b: Q4_K, Q5_0, Q6_K, Q8_0);
      * blocks made by gguf.quants.quantize from seeded normal data, where the package can
        quantize the type (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0);
      * seeded random bytes with sane fp16 scale fields (plus a negative, a subnormal and a
        zero scale), for every type: the only source for Q2_K, Q3_K, Q5_K and Q6_K/Q4_K bit
        patterns the real files may lack;
  - "whole_tensors": for real tensors, where the tensor's bytes lie in the file, the SHA-256 of
    those raw bytes and of the package's dequantisation of the whole tensor (float32, little
    endian, row-major) — the `model`-labelled test recomputes both from the file.

Usage (run from the repository root; the models come from ../shared/models/fetch.sh):
  python3 tools/gguf/make_dequant_golden.py [--models DIR] [--out tests/data/golden/dequant]
Fails if a model file is missing: goldens are never written from a partial set.
"""
import argparse
import hashlib
import importlib.metadata
import json
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize, quantize

SMOLLM = "smollm2-135m-instruct-q4_1.gguf"
QWEN = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"

# type -> [(file, tensor)] real tensors: each gives a slice case and a whole-tensor hash.
REAL = {
    T.Q4_1: [(SMOLLM, "blk.0.ffn_down.weight")],
    T.Q8_0: [(SMOLLM, "token_embd.weight"), (QWEN, "blk.0.attn_v.weight")],
    T.Q4_K: [(QWEN, "blk.11.ffn_down.weight")],
    T.Q5_0: [(QWEN, "blk.0.ffn_gate.weight")],
    T.Q6_K: [(QWEN, "blk.0.ffn_down.weight")],
}
ALL_TYPES = [T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K]
QUANTIZABLE = {T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0}
# Byte offsets of the fp16 fields in each block (ggml-common.h block_* structs).
HALF_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}


def block_geometry(qtype):
    return gguf.GGML_QUANT_SIZES[qtype]  # (elements per block, bytes per block)


def package_dequant(raw: np.ndarray, qtype) -> np.ndarray:
    """The reference: the package's dequantisation of whole blocks, as float32."""
    values = dequantize(raw.reshape(1, -1), qtype)
    assert values.dtype == np.float32
    return values.reshape(-1)


def case(source: str, raw: np.ndarray, qtype) -> dict:
    raw = np.ascontiguousarray(raw, dtype=np.uint8).reshape(-1)
    elems, size = block_geometry(qtype)
    values = package_dequant(raw, qtype)
    assert values.size == raw.size // size * elems
    return {
        "source": source,
        "n_blocks": int(raw.size // size),
        "blocks_hex": raw.tobytes().hex(),
        "f32_hex": values.astype("<f4").tobytes().hex(),
    }


def segments(n_blocks_total: int, per_segment: int, blocks_per_row: int):
    """Block ranges at the start, in a middle row and at the end of a tensor."""
    mid_row = (n_blocks_total // blocks_per_row) // 2
    starts = [0, mid_row * blocks_per_row, n_blocks_total - per_segment]
    return [(s, s + per_segment) for s in starts]


_readers: dict = {}


def reader_of(path: str) -> gguf.GGUFReader:
    if path not in _readers:
        _readers[path] = gguf.GGUFReader(path)
    return _readers[path]


def real_cases(models: str, qtype):
    cases, wholes = [], []
    elems, size = block_geometry(qtype)
    per_segment = 8 if elems == 32 else 2
    for file_name, tensor_name in REAL.get(qtype, []):
        path = os.path.join(models, file_name)
        reader = reader_of(path)
        tensor = next(t for t in reader.tensors if t.name == tensor_name)
        assert tensor.tensor_type == qtype, (tensor_name, tensor.tensor_type)
        raw = np.asarray(tensor.data, dtype=np.uint8).reshape(-1)
        # The reader's data_offset is absolute: the test reads the tensor from the file there.
        with open(path, "rb") as f:
            f.seek(int(tensor.data_offset))
            assert f.read(64) == raw[:64].tobytes(), "data_offset is not a file offset"
        cols = int(tensor.shape[0])  # GGUF lists dimensions innermost first
        rows = int(np.prod([int(d) for d in tensor.shape[1:]]))
        blocks = raw.reshape(-1, size)
        for begin, end in segments(blocks.shape[0], per_segment, cols // elems):
            source = f"{file_name}: {tensor_name} blocks {begin}..{end - 1}"
            cases.append(case(source, blocks[begin:end], qtype))
        values = package_dequant(raw, qtype)
        wholes.append({
            "file": file_name,
            "tensor": tensor_name,
            "shape": [rows, cols],
            "data_offset": int(tensor.data_offset),
            "n_bytes": int(raw.size),
            "raw_sha256": hashlib.sha256(raw.tobytes()).hexdigest(),
            "f32_sha256": hashlib.sha256(values.astype("<f4").tobytes()).hexdigest(),
        })
    return cases, wholes


def synthetic_cases(qtype):
    cases = []
    elems, size = block_geometry(qtype)
    rng = np.random.default_rng(20261202 + int(qtype))
    n_blocks = 16 if elems == 32 else 4
    if qtype in QUANTIZABLE:
        data = rng.standard_normal(n_blocks * elems).astype(np.float32) * np.float32(0.05)
        data[:elems] *= np.float32(40.0)  # one block with a large range
        cases.append(case(f"gguf.quants.quantize of seeded normal data (seed {20261202 + int(qtype)})",
                          quantize(data.reshape(1, -1), qtype), qtype))
    raw = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    scales = rng.uniform(1e-4, 2e-2, size=(n_blocks, len(HALF_FIELDS[qtype]))).astype(np.float16)
    scales[1, 0] = -scales[1, 0]                 # a negative scale
    scales[2, 0] = np.float16(3e-6)              # a subnormal fp16 scale
    scales[3, :] = np.float16(0.0)               # zero scale and minimum
    for i, offset in enumerate(HALF_FIELDS[qtype]):
        raw[:, offset:offset + 2] = scales[:, i:i + 1].view(np.uint8).reshape(n_blocks, 2)
    cases.append(case(f"seeded random bytes with sane fp16 scales (seed {20261202 + int(qtype)})",
                      raw, qtype))
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=os.path.expanduser("~/.cache/boxed-models"))
    parser.add_argument("--out", default="tests/data/golden/dequant")
    args = parser.parse_args()
    for name in (SMOLLM, QWEN):
        if not os.path.exists(os.path.join(args.models, name)):
            print(f"missing {os.path.join(args.models, name)}: run ../shared/models/fetch.sh",
                  file=sys.stderr)
            return 1
    os.makedirs(args.out, exist_ok=True)
    for qtype in ALL_TYPES:
        elems, size = block_geometry(qtype)
        cases, wholes = real_cases(args.models, qtype)
        cases += synthetic_cases(qtype)
        golden = {
            "generated_by": "tools/gguf/make_dequant_golden.py",
            "reference": f"gguf {importlib.metadata.version('gguf')}: gguf.quants.dequantize",
            "type": qtype.name,
            "ggml_type": int(qtype),
            "block_elems": elems,
            "block_bytes": size,
            "cases": cases,
            "whole_tensors": wholes,
        }
        path = os.path.join(args.out, f"{qtype.name}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(golden, f, indent=1)
            f.write("\n")
        os.replace(path + ".tmp", path)
        print(f"{path}: {len(cases)} cases, {len(wholes)} whole tensors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
