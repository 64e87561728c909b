#!/usr/bin/env python3
"""Golden chat-template renderings: transformers' Jinja rendering of real model templates.

    pip install transformers gguf      # tested with transformers 5.24.0, gguf 0.17
    python3 tools/tokenizer/make_chat_template_golden.py [--models ~/.cache/boxed-models]
                                                         [--shared ../shared]

Writes tests/data/tokenizer/chat_templates.json: for each template, where its text comes from,
the SHA-256 of that text, the text itself, the built-in boxed should recognise it as, and
conversations rendered from it by transformers' render_jinja_template (what apply_chat_template
calls, given the model's bos/eos tokens). The C++ test (chat_template_golden_test.cc) checks that
boxed recognises each text as that built-in and renders the same strings, and (label `model`)
that the templates inside the GGUF files still are these texts.

Template texts:
  r1-distill-qwen-7b   tokenizer.chat_template of r1-distill-qwen-7b-q4_k_m.head.gguf
  r1-distill-shared    ../shared/tokenizers/deepseek-r1-distill-qwen/tokenizer_config.json
  qwen2.5-coder-0.5b   tokenizer.chat_template of qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
  smollm2-135m         tokenizer.chat_template of smollm2-135m-instruct-q4_1.gguf
  qwen2-instruct       Qwen2-7B-Instruct tokenizer_config.json chat_template (transcribed below)
  llama3-instruct      Meta-Llama-3-8B-Instruct tokenizer_config.json chat_template (transcribed)

The DeepSeek-R1 templates of these files end the generation prompt at "<｜Assistant｜>"; boxed
adds "<think>\\n" as the R1 model card recommends, so each R1 rendering records `think_added`,
the text boxed appends to transformers' rendering (the C++ test adds it, nothing is edited).
"""
import argparse
import hashlib
import json
import pathlib

import gguf
from transformers.utils.chat_template_utils import render_jinja_template

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "tokenizer" / "chat_templates.json"

# Qwen2-7B-Instruct and Meta-Llama-3-8B-Instruct tokenizer_config.json "chat_template".
QWEN2_INSTRUCT = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
LLAMA3_INSTRUCT = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{% endif %}")

CONVERSATIONS = [
    ([{"role": "user", "content": "What is 1+1?"}], True, "single user turn"),
    ([{"role": "system", "content": "Please reason step by step."},
      {"role": "user", "content": "Find $x$ if $2x = 6$."}], True, "system message given"),
    ([{"role": "user", "content": "Hi"},
      {"role": "assistant", "content": "<think>\nGreeting.\n</think>\n\nHello!"},
      {"role": "user", "content": "Solve 3+4."}], True, "multi-turn with past thinking"),
    ([{"role": "user", "content": "  spaces and\nnewlines kept  "}], True, "untrimmed content"),
    ([{"role": "user", "content": "Convert $\\frac{1}{2}$ to a decimal.\n"
                                  "Please reason step by step, and put your final answer "
                                  "within \\boxed{}."}], True, "a math prompt as boxed sends it"),
    ([{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}], False,
     "no generation prompt, conversation ends with the assistant"),
]


def read_gguf_fields(path):
    """The metadata of a GGUF file, tensor infos skipped (the 7B file's data is cut off)."""
    class HeaderReader(gguf.GGUFReader):
        def _build_tensors(self, start_offs, fields):
            pass
    return HeaderReader(path).fields


def from_gguf(path):
    fields = read_gguf_fields(path)
    tokens = fields["tokenizer.ggml.tokens"]
    def token(key):
        return tokens.contents(int(fields[key].contents())) if key in fields else None
    return (fields["tokenizer.chat_template"].contents(), token("tokenizer.ggml.bos_token_id"),
            token("tokenizer.ggml.eos_token_id"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=pathlib.Path,
                        default=pathlib.Path.home() / ".cache" / "boxed-models")
    parser.add_argument("--shared", type=pathlib.Path, default=ROOT.parent / "shared")
    args = parser.parse_args()

    r1_config = json.loads((args.shared / "tokenizers" / "deepseek-r1-distill-qwen" /
                            "tokenizer_config.json").read_text(encoding="utf-8"))
    r1_bos, r1_eos = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
    sources = [
        ("r1-distill-qwen-7b", "deepseek-r1", "gguf:r1-distill-qwen-7b-q4_k_m.head.gguf",
         *from_gguf(args.models / "r1-distill-qwen-7b-q4_k_m.head.gguf")),
        ("r1-distill-shared", "deepseek-r1",
         "shared:tokenizers/deepseek-r1-distill-qwen/tokenizer_config.json",
         r1_config["chat_template"], r1_bos, r1_eos),
        ("qwen2.5-coder-0.5b", "qwen2.5", "gguf:qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
         *from_gguf(args.models / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")),
        ("smollm2-135m", "smollm", "gguf:smollm2-135m-instruct-q4_1.gguf",
         *from_gguf(args.models / "smollm2-135m-instruct-q4_1.gguf")),
        ("qwen2-instruct", "chatml", "transcribed: Qwen2-7B-Instruct tokenizer_config.json",
         QWEN2_INSTRUCT, None, "<|im_end|>"),
        ("llama3-instruct", "llama3",
         "transcribed: Meta-Llama-3-8B-Instruct tokenizer_config.json", LLAMA3_INSTRUCT,
         "<|begin_of_text|>", "<|eot_id|>"),
    ]
    templates = []
    for name, builtin, source, text, bos, eos in sources:
        renders = []
        for messages, add_generation_prompt, note in CONVERSATIONS:
            rendered = render_jinja_template(
                conversations=[messages], chat_template=text,
                add_generation_prompt=add_generation_prompt, bos_token=bos, eos_token=eos)[0][0]
            think_added = ("<think>\n" if builtin == "deepseek-r1" and add_generation_prompt
                           and not rendered.endswith("<think>\n") else "")
            renders.append({"note": note, "messages": messages,
                            "add_generation_prompt": add_generation_prompt,
                            "rendered": rendered, "think_added": think_added})
        templates.append({"name": name, "builtin": builtin, "source": source,
                          "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                          "bos_token": bos, "eos_token": eos, "text": text, "renders": renders})
        print(f"{name}: {len(text)} chars, sha256 {templates[-1]['sha256'][:16]}…")
    OUT.write_text(json.dumps(templates, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
