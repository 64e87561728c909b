#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/) under tests/data/fuzz/<target>/seeds/
from real files: ../shared (datasets, tokenizer configs) and tests/data/ (fixtures, cases).

Each seed is what one fuzz iteration reads: a selector byte (which parser, see the target's
*_fuzz_body.h), then the file. Seeds are kept small (a few lines of each dataset, the smallest
tokenizer.json) because libFuzzer mutates faster on small inputs and caps new inputs at the
largest seed's size.

    python3 tools/fuzz/make_seeds.py [--shared DIR]   (default $BOXED_SHARED_DIR, else ../shared)
"""
import argparse
import os
import hashlib
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def lines(path, n):
    with open(path, "rb") as f:
        return b"".join(f.readline() for _ in range(n))


class Seeds:
    def __init__(self, target):
        self.dir = DATA / "fuzz" / target / "seeds"
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)

    def add(self, name, data: bytes):
        (self.dir / name).write_bytes(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.environ.get("BOXED_SHARED_DIR", str(ROOT.parent / "shared")))
    shared = pathlib.Path(ap.parse_args().shared)
    r1 = shared / "tokenizers" / "deepseek-r1-distill-qwen"

    # safetensors: 0 + a file; 1 + a model.safetensors.index.json naming the tiny model's shard.
    s = Seeds("safetensors")
    # The cases of the reader's own tests as files: 8-byte little-endian header length, the JSON
    # header, the data bytes (huggingface/safetensors README, "Format").
    for i, line in enumerate((DATA / "model" / "safetensors_cases.jsonl").read_text().splitlines()):
        case = json.loads(line)
        if "header" not in case:
            continue
        header = json.dumps(case["header"]).encode()
        data = bytes(range(256)) * (case.get("data_bytes", 0) // 256) + bytes(case.get("data_bytes", 0) % 256)
        s.add(f"file-case-{i}", b"\0" + len(header).to_bytes(8, "little") + header + data)
    # The header of a real AutoAWQ file (tests/data/model/awq) with its data cut off.
    real = (DATA / "model" / "awq" / "tiny-qwen2-awq" / "model.safetensors").read_bytes()
    s.add("file-awq-header", b"\0" + real[:8 + int.from_bytes(real[:8], "little")])
    tiny_names = ["model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"] + [
        f"model.layers.{l}.{m}" for l in range(2) for m in (
            "input_layernorm.weight", "post_attention_layernorm.weight",
            "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
            "self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias",
            "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
            "mlp.down_proj.weight")]
    # transformers modeling_utils writes {"metadata": {"total_size": N}, "weight_map": {...}}.
    index = {"metadata": {"total_size": 0},
             "weight_map": {n: "model-00001-of-00001.safetensors" for n in tiny_names}}
    s.add("index-tiny", b"\1" + json.dumps(index, indent=2).encode())

    # model_config: 0 config.json, 1 generation_config.json, 2 tokenizer_config.json.
    s = Seeds("model_config")
    s.add("config-r1-distill", b"\0" + (r1 / "config.json").read_bytes())
    for i, line in enumerate((DATA / "model" / "configs.jsonl").read_text().splitlines()[:6]):
        files = json.loads(line)["files"]
        if "config.json" in files:
            s.add(f"config-case-{i}", b"\0" + json.dumps(files["config.json"]).encode())
    s.add("generation-r1-distill", b"\1" + (r1 / "generation_config.json").read_bytes())
    s.add("tokenizer-config-r1-distill", b"\2" + (r1 / "tokenizer_config.json").read_bytes())

    # tokenizer: 0 tokenizer.json, 1 tokenizer_config.json, 2 text to encode.
    s = Seeds("tokenizer")
    s.add("json-qwen2-skeleton", b"\0" + (DATA / "tokenizer" / "qwen2_skeleton.json").read_bytes())
    s.add("config-r1-distill", b"\1" + (r1 / "tokenizer_config.json").read_bytes())
    for i, line in enumerate((DATA / "tokenizer" / "golden_inputs.jsonl").read_text().splitlines()[:12]):
        s.add(f"text-golden-{i}", b"\2" + json.loads(line)["text"].encode())

    # chat_template: 0 a Jinja text, 1 a tokenizer_config.json.
    s = Seeds("chat_template")
    for t in json.loads((DATA / "tokenizer" / "chat_templates.json").read_text()):
        s.add(f"jinja-{t['name']}", b"\0" + t["text"].encode())
        s.add(f"config-{t['name']}", b"\1" + json.dumps({"chat_template": t["text"]}).encode())
    s.add("config-r1-distill", b"\1" + (r1 / "tokenizer_config.json").read_bytes())

    # dataset: a mapping line, a task byte (0 aime24, 1 math500, 2 gpqa JSONL, 3 gpqa CSV), a file.
    s = Seeds("dataset")
    for task in ("aime24", "aime25", "amc23", "math500"):
        s.add(f"{task}-real", b"\n" + (b"\1" if task == "math500" else b"\0") +
              lines(shared / "datasets" / task / "test.jsonl", 2))
    for f in ("aime_integer_answers.jsonl", "amc_float_answers.jsonl", "no_ids.jsonl",
              "bad_torn_tail.jsonl", "math500_like.jsonl"):
        s.add(f"fixture-{f}", b"\n\0" + (DATA / "datasets" / f).read_bytes())
    s.add("fixture-mapped_fields", b"problem=question,answer=final,id=qid\n\0" +
          (DATA / "datasets" / "mapped_fields.jsonl").read_bytes())
    s.add("fixture-gpqa_columns", b"\n\2" + (DATA / "datasets" / "gpqa_columns.jsonl").read_bytes())
    s.add("fixture-gpqa_csv", b"\n\3" + (DATA / "datasets" / "gpqa_official_layout.csv").read_bytes())

    # completion_log: a log as CompletionLog writes it (harness/completion_log.h, format
    # boxed-completions/1) with the config of tests/fuzz/completion_log_fuzz_body.h, then the same
    # log cut inside its last record (a kill mid-write) and with two records on one line.
    s = Seeds("completion_log")
    config = {"model": "tiny", "seed": 1, "samples": 2}
    header = {"type": "header", "format": "boxed-completions/1", "config": config,
              "info": {"backend": "cpu"}, "created_at": "2025-01-01T00:00:00Z"}
    def record(p, k, text, reason="stop", error=""):
        return {"type": "completion", "id": f"aime24/{p}/{k}", "task": "aime24",
                "problem_id": str(p), "sample": k, "seed": 1000 + 2 * p + k, "text": text,
                "finish_reason": reason, "prompt_tokens": 12, "completion_tokens": 30,
                "error": error}
    recs = [record(1, 0, "<think>\n2+2</think> \\boxed{4}"), record(1, 1, "", "error", "HTTP 503"),
            record(1, 1, "so \\boxed{4}"), record(2, 0, "x", "length")]
    log = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in [header] + recs).encode()
    s.add("log-whole", log)
    s.add("log-torn", log[:-25])
    interleaved = log.splitlines(keepends=True)
    s.add("log-interleaved", b"".join(interleaved[:2]) + interleaved[2][:40] + interleaved[3] +
          interleaved[2][40:])

    # openai: 0 chat body, 1 completions body, 2/3 + stride byte + an SSE stream.
    s = Seeds("openai")
    for i, line in enumerate((DATA / "http" / "responses.jsonl").read_text().splitlines()):
        case = json.loads(line)
        s.add(f"body-{i}", (b"\1" if case["raw_prompt"] else b"\0") + case["body"].encode())
    # OpenAI API reference, "The chat completion chunk object"; vLLM's reasoning_content.
    chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant", "reasoning_content": "2+2"}}]},
              {"choices": [{"index": 0, "delta": {"content": " \\boxed{4}"}, "finish_reason": None}]},
              {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
              {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 3}}]
    stream = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    s.add("stream-chat", b"\2\3" + stream.encode())
    s.add("stream-chat-crlf", b"\2\1" + stream.replace("\n", "\r\n").encode())
    text_chunks = [{"choices": [{"index": 0, "text": "x", "finish_reason": None}]},
                   {"choices": [{"index": 0, "text": "\\boxed{4}", "finish_reason": "length"}]}]
    s.add("stream-completion", b"\3\7: keep-alive\n\n" +
          "".join(f"data: {json.dumps(c)}\n\n" for c in text_chunks).encode())

    # answer: format/mode byte (0-2 strict math/integer/choice, 3-5 flexible), a gold line, a text.
    s = Seeds("answer")
    fmt = {"math": 0, "integer": 1, "choice": 2}
    seen = set()
    for line in (DATA / "metrics" / "extract_cases.jsonl").read_text().splitlines()[::3]:
        case = json.loads(line)
        key = hashlib.sha1(case["text"].encode()).hexdigest()[:12]
        if key in seen:
            continue
        seen.add(key)
        sel = fmt[case["format"]] + (3 if case["mode"] == "flexible" else 0)
        gold = case.get("answer") or "0"
        s.add(f"extract-{key}", bytes([sel]) + gold.encode() + b"\n" + case["text"].encode())
    for line in (DATA / "metrics" / "equiv_cases.jsonl").read_text().splitlines()[::10]:
        case = json.loads(line)
        key = hashlib.sha1((case["gold"] + "\n" + case["pred"]).encode()).hexdigest()[:12]
        s.add(f"equiv-{key}", bytes([fmt[case["format"]] + 3]) + case["gold"].encode() + b"\n" +
              ("\\boxed{" + case["pred"] + "}").encode())


if __name__ == "__main__":
    main()
