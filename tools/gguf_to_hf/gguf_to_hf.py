#!/usr/bin/env python3
"""Dequantises a Qwen2 GGUF model into a Hugging Face safetensors directory (the float "base" of
the quantization story in README.md).

    python3 tools/gguf_to_hf/gguf_to_hf.py MODEL.gguf OUT_DIR [--dtype bfloat16|float32]

Tensors are dequantised with the gguf package's own decoders (gguf.quants.dequantize) and
renamed from llama.cpp's names to transformers' (llama.cpp convert_hf_to_gguf.py / gguf
tensor_mapping.py: token_embd -> model.embed_tokens, blk.N.attn_q -> model.layers.N.self_attn.
q_proj, ffn_gate -> mlp.gate_proj, attn_norm -> input_layernorm, ffn_norm ->
post_attention_layernorm, output_norm -> model.norm, output -> lm_head). Qwen2's Q/K rows are
stored unpermuted (only Llama's are permuted by the converter), so no row reordering is needed.
config.json comes from the qwen2.* metadata; tokenizer.json and the chat template from
transformers' GGUF tokenizer converter.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
from gguf import GGUFReader
from gguf.quants import dequantize
from safetensors.torch import save_file

NAMES = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
         "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
         "ffn_down": "mlp.down_proj", "attn_norm": "input_layernorm",
         "ffn_norm": "post_attention_layernorm"}


def hf_name(name: str) -> str:
    if name == "token_embd.weight":
        return "model.embed_tokens.weight"
    if name == "output_norm.weight":
        return "model.norm.weight"
    if name == "output.weight":
        return "lm_head.weight"
    _, layer, part, kind = name.split(".")
    return f"model.layers.{layer}.{NAMES[part]}.{kind}"


def field(reader: GGUFReader, key: str):
    f = reader.fields[key]
    value = f.parts[f.data[0]]
    if f.types and f.types[0].name == "STRING":
        return bytes(value).decode()
    return value.tolist()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gguf")
    parser.add_argument("out_dir")
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    args = parser.parse_args()
    reader = GGUFReader(args.gguf)
    arch = field(reader, "general.architecture")
    if arch != "qwen2":
        raise SystemExit(f"{args.gguf}: general.architecture is '{arch}'; this script converts qwen2 only")
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dtype = getattr(torch, args.dtype)
    tensors = {}
    for t in reader.tensors:
        values = dequantize(t.data, t.tensor_type)
        shape = [int(d) for d in reversed(t.shape)]  # GGUF lists ne0 (the row length) first
        tensors[hf_name(t.name)] = torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32)).reshape(shape).to(dtype)
    tied = "lm_head.weight" not in tensors
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    n_heads = field(reader, "qwen2.attention.head_count")
    config = {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
        "vocab_size": int(tensors["model.embed_tokens.weight"].shape[0]),
        "hidden_size": field(reader, "qwen2.embedding_length"),
        "intermediate_size": field(reader, "qwen2.feed_forward_length"),
        "num_hidden_layers": field(reader, "qwen2.block_count"),
        "num_attention_heads": n_heads,
        "num_key_value_heads": field(reader, "qwen2.attention.head_count_kv"),
        "max_position_embeddings": field(reader, "qwen2.context_length"),
        "rms_norm_eps": field(reader, "qwen2.attention.layer_norm_rms_epsilon"),
        "rope_theta": field(reader, "qwen2.rope.freq_base"),
        "tie_word_embeddings": tied, "hidden_act": "silu", "use_sliding_window": False,
        "torch_dtype": args.dtype,
        "bos_token_id": field(reader, "tokenizer.ggml.bos_token_id") if "tokenizer.ggml.bos_token_id" in reader.fields else None,
        "eos_token_id": field(reader, "tokenizer.ggml.eos_token_id"),
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    from transformers import AutoTokenizer
    path = Path(args.gguf)
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    tokenizer.save_pretrained(out)
    print(f"{args.gguf} -> {out}: {len(tensors)} tensors as {args.dtype}, tied embeddings {tied}")


if __name__ == "__main__":
    main()
