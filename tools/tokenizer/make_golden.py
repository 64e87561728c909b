#!/usr/bin/env python3
"""Golden tokenizations for the C++ tokenizer tests, produced by Hugging Face `tokenizers`.

    pip install tokenizers            # tested with tokenizers 0.23.3
    python3 tools/tokenizer/make_golden.py [--shared ../shared] [--tiny TINY/tokenizer.json]
    (TINY from `boxed make-tiny-model TINY --arch qwen2`)

Reads tests/data/tokenizer/golden_inputs.jsonl ({"text", "note"} rows) and writes, for each
input, the ids Hugging Face gives with special tokens parsed ("ids"), with them treated as text
("ids_plain", tokenizers' encode_special_tokens=True), and the decoding of "ids" ("decoded"):

(a) Qwen2: a tokenizer.json in the layout of DeepSeek-R1-Distill-Qwen-1.5B's, built from the shared
    Qwen2 vocab.json + merges.txt (../shared/tokenizers/qwen2) plus R1's added tokens and three
    test tokens exercising lstrip / rstrip / single_word. Outputs
    tests/data/tokenizer/qwen2_golden.jsonl and qwen2_skeleton.json (that tokenizer.json without
    the vocabulary and merges, which the C++ test refills from ../shared).
(b) Llama-3 style: a byte-level BPE trained here on tests/data/tokenizer/llama3_style_corpus.txt
    with the Llama-3 Split regex (\\p{N}{1,3}), no normaliser, ignore_merges=true, and a few
    whole-word vocabulary entries that no merge reaches (so ignore_merges changes results).
    Outputs llama3_style_tokenizer.json and llama3_style_golden.jsonl; that test needs no ../shared.
(c) tests/data/tokenizer/pre_tokenizer_golden.jsonl: the pieces the Qwen2 and Llama-3 Split
    regexes cut each input into, and those of GPT-2's ByteLevel(use_regex=true) and of SmolLM2's
    Sequence[Digits(individual_digits=true), ByteLevel(use_regex=true)], byte-level mapped.
"""
import argparse
import json
import pathlib

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
from tokenizers import pre_tokenizers, processors, trainers

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "tokenizer"

# The Split patterns of Qwen2's and Meta-Llama-3's published tokenizer.json files.
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
                 r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                  r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

# DeepSeek-R1-Distill-Qwen-1.5B tokenizer.json "added_tokens", ids 151643..151664 in order:
# (content, special); all have normalized=false, lstrip/rstrip/single_word=false.
R1_ADDED = [
    ("<｜end▁of▁sentence｜>", True), ("<｜User｜>", False), ("<｜Assistant｜>", False),
    ("<｜begin▁of▁sentence｜>", True), ("<|EOT|>", False), ("<think>", False),
    ("</think>", False), ("<|quad_start|>", True), ("<|quad_end|>", True),
    ("<|vision_start|>", True), ("<|vision_end|>", True), ("<|vision_pad|>", True),
    ("<|image_pad|>", True), ("<|video_pad|>", True), ("<tool_call>", False),
    ("</tool_call>", False), ("<|fim_prefix|>", False), ("<|fim_middle|>", False),
    ("<|fim_suffix|>", False), ("<|fim_pad|>", False), ("<|repo_name|>", False),
    ("<|file_sep|>", False),
]
# Test-only tokens for the added-token flags.
TEST_ADDED = [
    AddedToken("<lstrip_tok>", lstrip=True, normalized=False, special=True),
    AddedToken("<rstrip_tok>", rstrip=True, normalized=False, special=True),
    AddedToken("wordtok", single_word=True, normalized=True, special=False),
]
# Meta-Llama-3 chat markers (special, normalized=false).
LLAMA3_SPECIAL = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                  "<|end_header_id|>", "<|eot_id|>"]
# Whole words added to the trained vocabulary without any merge that builds them, so only
# ignore_merges reaches them: the first pieces (in input order) of 4+ characters that the trained
# model splits into several tokens.
N_EXTRA_WORDS = 12


def split_pre(pattern):
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])


def golden_rows(tok, inputs):
    rows = []
    for row in inputs:
        tok.encode_special_tokens = False
        ids = tok.encode(row["text"], add_special_tokens=False).ids
        tok.encode_special_tokens = True
        plain = tok.encode(row["text"], add_special_tokens=False).ids
        tok.encode_special_tokens = False
        rows.append({"text": row["text"], "note": row["note"], "ids": ids, "ids_plain": plain,
                     "decoded": tok.decode(ids, skip_special_tokens=False)})
    return rows


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def qwen2(shared, inputs):
    src = shared / "tokenizers" / "qwen2"
    tok = Tokenizer(models.BPE.from_file(str(src / "vocab.json"), str(src / "merges.txt")))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = split_pre(QWEN2_PATTERN)
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    for content, special in R1_ADDED:
        tok.add_tokens([AddedToken(content, normalized=False, special=special)])
    tok.add_tokens(TEST_ADDED)
    assert tok.token_to_id("<｜end▁of▁sentence｜>") == 151643
    assert tok.token_to_id("<｜begin▁of▁sentence｜>") == 151646
    assert tok.token_to_id("<|file_sep|>") == 151664
    # R1-Distill's post-processor puts BOS first (used by add_special_tokens=True only).
    bos = "<｜begin▁of▁sentence｜>"
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, 151646)])
    skeleton = json.loads(tok.to_str())
    skeleton["model"]["vocab"] = {}
    skeleton["model"]["merges"] = []
    (DATA / "qwen2_skeleton.json").write_text(
        json.dumps(skeleton, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_jsonl(DATA / "qwen2_golden.jsonl", golden_rows(tok, inputs))
    chat_templates(tok, shared)


# Conversations rendered by transformers' apply_chat_template with the real DeepSeek-R1-Distill
# chat_template (../shared/tokenizers/deepseek-r1-distill-qwen/tokenizer_config.json), then
# "<think>\n" appended as the R1 model card recommends; ids from the Qwen2 + R1 tokenizer above.
CONVERSATIONS = [
    ([{"role": "user", "content": "What is 1+1?"}], "single user turn"),
    ([{"role": "system", "content": "Please reason step by step."},
      {"role": "user", "content": "Find $x$ if $2x = 6$."}], "system prompt goes right after BOS"),
    ([{"role": "user", "content": "Hi"},
      {"role": "assistant", "content": "<think>\nGreeting.\n</think>\n\nHello!"},
      {"role": "user", "content": "Solve 3+4."}], "multi-turn: thinking of past turns dropped"),
    ([{"role": "user", "content": "  spaces and\nnewlines kept  "}], "content is not trimmed"),
]


def chat_templates(tok, shared):
    from transformers import PreTrainedTokenizerFast
    config = json.loads((shared / "tokenizers" / "deepseek-r1-distill-qwen" /
                         "tokenizer_config.json").read_text(encoding="utf-8"))
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<｜begin▁of▁sentence｜>",
                                 eos_token="<｜end▁of▁sentence｜>",
                                 chat_template=config["chat_template"])
    rows = []
    for messages, note in CONVERSATIONS:
        text = hf.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        text += "<think>\n"
        rows.append({"messages": messages, "note": note, "text": text,
                     "ids_qwen2": tok.encode(text, add_special_tokens=False).ids})
    write_jsonl(DATA / "chat_template_golden.jsonl", rows)


def llama3_style(inputs):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = split_pre(LLAMA3_PATTERN)
    trainer = trainers.BpeTrainer(vocab_size=1200, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train([str(DATA / "llama3_style_corpus.txt")], trainer)
    model = json.loads(tok.to_str())["model"]
    vocab = dict(model["vocab"])
    extra = []
    for row in inputs:
        for piece, _ in tok.pre_tokenizer.pre_tokenize_str(row["text"]):
            if (len(piece) >= 4 and piece not in vocab and piece not in extra and
                    len(tok.encode(piece).ids) > 1 and len(extra) < N_EXTRA_WORDS):
                extra.append(piece)
    for word in extra:
        vocab[word] = len(vocab)
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]]
    results = {}
    for ignore in (False, True):
        tok.model = models.BPE(vocab=vocab, merges=merges, ignore_merges=ignore)
        tok.decoder = decoders.ByteLevel()
        results[ignore] = [tok.encode(r["text"]).ids for r in inputs]
    n_diff = sum(a != b for a, b in zip(results[False], results[True]))
    assert n_diff > 0, "ignore_merges changes nothing: the test would not see it"
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in LLAMA3_SPECIAL])
    tok.add_tokens(TEST_ADDED)
    tok.save(str(DATA / "llama3_style_tokenizer.json"))
    write_jsonl(DATA / "llama3_style_golden.jsonl", golden_rows(tok, inputs))
    print(f"llama3-style: vocab {tok.get_vocab_size()}, ignore_merges changes {n_diff} rows")


# The pieces of each input under the Qwen2 and Llama-3 Split regexes (Oniguruma, with its
# lookahead), as raw UTF-8 text, for the RE2 translation's test.
def pre_tokenizer_pieces(inputs):
    rows = []
    for row in inputs:
        out = {"text": row["text"], "note": row["note"]}
        for name, pattern in (("qwen2", QWEN2_PATTERN), ("llama3", LLAMA3_PATTERN)):
            split = pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False)
            out[name] = [piece for piece, _ in split.pre_tokenize_str(row["text"])]
        # GPT-2: the ByteLevel pre-tokenizer's own regex; its pieces come byte-level mapped.
        gpt2 = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        out["gpt2_byte_level"] = [piece for piece, _ in gpt2.pre_tokenize_str(row["text"])]
        # SmolLM2's tokenizer.json: each digit alone, then GPT-2's ByteLevel regex.
        smollm = pre_tokenizers.Sequence([
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
        out["smollm_byte_level"] = [piece for piece, _ in smollm.pre_tokenize_str(row["text"])]
        rows.append(out)
    write_jsonl(DATA / "pre_tokenizer_golden.jsonl", rows)


# (d) The tiny model's tokenizer (built in C++ by make_tiny_tokenizer_json): Hugging Face encodes
# the inputs with it, checking the C++ encoder on that vocabulary and pinning the vocabulary.
def tiny(path, inputs):
    tok = Tokenizer.from_file(str(path))
    write_jsonl(DATA / "tiny_golden.jsonl", golden_rows(tok, inputs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=pathlib.Path, default=ROOT.parent / "shared")
    parser.add_argument("--tiny", type=pathlib.Path,
                        help="tokenizer.json written by `boxed make-tiny-model DIR` (optional)")
    args = parser.parse_args()
    inputs = [json.loads(l) for l in open(DATA / "golden_inputs.jsonl", encoding="utf-8")]
    qwen2(args.shared, inputs)
    llama3_style(inputs)
    pre_tokenizer_pieces(inputs)
    if args.tiny:
        tiny(args.tiny, inputs)
    print(f"wrote {len(inputs)} rows to each golden file in {DATA}")


if __name__ == "__main__":
    main()
