#!/usr/bin/env python3
"""Writes tests/data/model/gguf/python_writer.gguf with the `gguf` package's GGUFWriter (the
reference writer from llama.cpp's gguf-py): one metadata key of every value type, arrays of them
including a nested array, and small F32/F16/BF16 tensors. boxed's GgufFile must read it, and
boxed's GgufWriter, given the same content, must produce the same bytes
(tests/inference/model/gguf_file_test.cc, PythonWriterGolden).

    python3 tools/golden/make_gguf_fixture.py [OUT]
"""
import os
import sys

import numpy as np
import gguf

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "tests", "data", "model", "gguf", "python_writer.gguf")

w = gguf.GGUFWriter(out, arch="llama")  # writes general.architecture first
w.add_uint8("t.u8", 200)
w.add_int8("t.i8", -100)
w.add_uint16("t.u16", 60000)
w.add_int16("t.i16", -30000)
w.add_uint32("t.u32", 4000000000)
w.add_int32("t.i32", -2000000000)
w.add_float32("t.f32", 0.15625)
w.add_uint64("t.u64", 18000000000000000000)
w.add_int64("t.i64", -9000000000000000000)
w.add_float64("t.f64", -2.5e-300)
w.add_bool("t.bool", True)
w.add_string("t.str", "héllo\nwörld")
w.add_array("t.arr_str", ["a", "", "ç"])
w.add_array("t.arr_i32", [1, -2, 2147483647])
w.add_array("t.arr_f32", [0.5, -1.25])
w.add_array("t.arr_bool", [True, False])
w.add_array("t.arr_nested", [[1, 2], [3]])

f32 = np.arange(12, dtype=np.float32).reshape(3, 4) / 8  # HF shape [3, 4]: GGUF ne [4, 3]
f16 = (np.arange(64, dtype=np.float32) - 32).astype(np.float16) / 4
w.add_tensor("w.f32", f32)
w.add_tensor("w.f16", f16.reshape(2, 32))
bf16_bits = np.array([0x3f80, 0xc000, 0x0000, 0x7f80], dtype=np.uint16)  # 1, -2, 0, inf
# Raw BF16 bits: given as bytes [1, 8], which the writer turns into the element shape [1, 4].
w.add_tensor("w.bf16", bf16_bits.view(np.uint8).reshape(1, 8),
             raw_dtype=gguf.GGMLQuantizationType.BF16)

w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print(out, os.path.getsize(out), "bytes")
