#!/usr/bin/env python3
"""Dequantises a GGUF model into a Hugging Face safetensors directory (the float "base" of the
quantization story in README.md), with transformers' own GGUF loader.

    python3 tools/gguf_to_hf/gguf_to_hf.py MODEL.gguf OUT_DIR [--dtype bfloat16|float32]

transformers (modeling_gguf_pytorch_utils) reads the GGUF metadata into a config, dequantises
every tensor with the gguf package and maps GGUF tensor names back to the transformers ones; its
tokenizer converter rebuilds tokenizer.json (and the chat template) from tokenizer.ggml.*.
"""
import argparse
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gguf")
    parser.add_argument("out_dir")
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    args = parser.parse_args()
    path = Path(args.gguf)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name,
                                                 dtype=getattr(torch, args.dtype))
    model.save_pretrained(args.out_dir, safe_serialization=True)
    tokenizer.save_pretrained(args.out_dir)
    print(f"{path} -> {args.out_dir} ({args.dtype})")


if __name__ == "__main__":
    main()
