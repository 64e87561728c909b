#!/usr/bin/env python3
"""Makes an AutoAWQ "GEMM" checkpoint and its fp32 dequantised twin from a float model directory.

    python3 tools/awq/make_awq_checkpoint.py SRC_DIR AWQ_DIR TWIN_DIR [--group-size 128]

SRC_DIR is a Qwen2 / Llama safetensors model (e.g. from `boxed make-tiny-model`). For every
linear layer of every decoder layer (q, k, v, o, gate, up, down) the script

  1. computes per-group scales and zero points with AutoAWQ's own AwqQuantizer.
     pseudo_quantize_tensor (zero_point=True, w_bit=4), without the activation-aware scale
     search (that needs calibration data and only changes which float weights get packed);
  2. packs them with AutoAWQ's own WQLinear_GEMM.from_linear (awq/modules/linear/gemm.py),
     which writes qweight int32 [in, out/8], qzeros int32 [in/group, out/8], scales fp16
     [in/group, out] with the nibble order [0, 2, 4, 6, 1, 3, 5, 7];
  3. writes the twin's weight with AutoAWQ's own dequantize_gemm (awq/utils/packing_utils.py),
     fed fp32 scales so that (q - z) * s is exact, stored as F32.

AWQ_DIR gets config.json with the quantization_config AutoAWQ writes (quant_method "awq",
version "gemm", bits 4, group_size, zero_point true); other tensors (embeddings, norms, biases,
lm_head) are stored as fp16 in both directories, as AutoAWQ saves them.

Why the float weights are first snapped to the fp16 grid: from_linear rounds
(w + z*s) / s_fp16 without clamping and ORs the result into the packed word, so a weight that
pseudo-quantised with an fp32 scale can round to 16 or -1 under the fp16 scale and corrupt the
neighbouring nibbles. Feeding from_linear w = (q - z) * s_fp16 makes its rounding land on q.

Needs: torch, safetensors, autoawq (pip install --no-deps autoawq accelerate). AutoAWQ's
quantizer module imports `datasets` for calibration at import time; it is stubbed here because
no calibration runs.
"""
import argparse
import json
import shutil
import sys
import types
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

sys.modules.setdefault("datasets", types.SimpleNamespace(load_dataset=None))
from awq.modules.linear.gemm import WQLinear_GEMM  # noqa: E402
from awq.quantize.quantizer import AwqQuantizer  # noqa: E402
from awq.utils.packing_utils import dequantize_gemm  # noqa: E402

LINEARS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
           "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")


def quantize_linear(weight: torch.Tensor, group_size: int):
    """weight [out, in] fp32 -> (WQLinear_GEMM, twin weight [out, in] fp32)."""
    quantizer = types.SimpleNamespace(group_size=group_size, zero_point=True, w_bit=4)
    _, scales, zeros = AwqQuantizer.pseudo_quantize_tensor(quantizer, weight.clone())
    # scales, zeros: [out, in / group]. Snap to the fp16 grid (see the module docstring).
    scales16 = scales.half().float()
    out_features, in_features = weight.shape
    q = torch.clamp(torch.round(weight.reshape(-1, group_size) / scales.reshape(-1, 1))
                    + zeros.reshape(-1, 1), 0, 15)
    snapped = ((q - zeros.reshape(-1, 1)) * scales16.reshape(-1, 1)).reshape(out_features, in_features)
    linear = torch.nn.Linear(in_features, out_features, bias=False)
    linear.weight.data = snapped
    awq = WQLinear_GEMM.from_linear(linear, 4, group_size, scales=scales16.t().contiguous(),
                                    zeros=zeros.t().contiguous())
    twin = dequantize_gemm(awq.qweight, awq.qzeros, awq.scales.float(), 4, group_size)  # [in, out]
    twin = twin.t().contiguous().float()
    if not torch.equal(twin, snapped):
        raise SystemExit("packing did not round-trip: AutoAWQ's unpacked weights differ from the input")
    return awq, twin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("src")
    parser.add_argument("awq_dir")
    parser.add_argument("twin_dir")
    parser.add_argument("--group-size", type=int, default=128)
    args = parser.parse_args()
    src, awq_dir, twin_dir = Path(args.src), Path(args.awq_dir), Path(args.twin_dir)
    config = json.loads((src / "config.json").read_text())
    state = load_file(str(src / "model.safetensors"))
    awq_tensors, twin_tensors = {}, {}
    quantized = set()
    for layer in range(config["num_hidden_layers"]):
        for module in LINEARS:
            prefix = f"model.layers.{layer}.{module}"
            weight = state[prefix + ".weight"].float()
            awq, twin = quantize_linear(weight, args.group_size)
            awq_tensors[prefix + ".qweight"] = awq.qweight.contiguous()
            awq_tensors[prefix + ".qzeros"] = awq.qzeros.contiguous()
            awq_tensors[prefix + ".scales"] = awq.scales.contiguous()
            twin_tensors[prefix + ".weight"] = twin
            quantized.add(prefix + ".weight")
    for name, tensor in state.items():
        if name not in quantized:
            awq_tensors[name] = tensor.half().contiguous()
            twin_tensors[name] = tensor.half().contiguous()
    for out_dir, tensors in ((awq_dir, awq_tensors), (twin_dir, twin_tensors)):
        out_dir.mkdir(parents=True, exist_ok=True)
        for extra in src.iterdir():
            if extra.name not in ("model.safetensors", "config.json") and extra.is_file():
                shutil.copy(extra, out_dir / extra.name)
        save_file(tensors, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    awq_config = dict(config, torch_dtype="float16")
    awq_config["quantization_config"] = {"quant_method": "awq", "zero_point": True,
                                        "group_size": args.group_size, "bits": 4,
                                        "version": "gemm", "modules_to_not_convert": None}
    (awq_dir / "config.json").write_text(json.dumps(awq_config, indent=2) + "\n")
    (twin_dir / "config.json").write_text(json.dumps(dict(config, torch_dtype="float16"), indent=2) + "\n")
    print(f"{len(quantized)} linear layers packed (group size {args.group_size}) -> {awq_dir}, twin -> {twin_dir}")


if __name__ == "__main__":
    main()
