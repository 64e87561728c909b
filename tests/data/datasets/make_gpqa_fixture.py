#!/usr/bin/env python3
"""Writes gpqa_official_layout.csv and gpqa_columns.jsonl: three invented GPQA-style questions in
the layout of the official release (github.com/idavidrein/gpqa, gpqa_diamond.csv) — a subset of
its columns in their order, RFC 4180 quoting with CRLF line ends as Python's csv module writes
them. Row 2 has a newline inside a quoted field and a padded answer; row 3 a comma and doubled
quotes. Run from this directory: python3 make_gpqa_fixture.py"""
import csv
import json

HEADER = ["Pre-Revision Question", "Pre-Revision Correct Answer", "Question", "Correct Answer",
          "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3", "Explanation",
          "Subdomain", "Record ID", "High-level domain"]
ROWS = [
    ["old q1", "old a1", "Which particle carries the electromagnetic force?", "The photon",
     "The gluon", "The W boson", "The graviton", "Textbook physics.", "Particle physics",
     "recInvented001", "Physics"],
    ["old q2", "old a2", "A solution has pH 3.\nWhat is [H+] in mol/L?", " 10^-3 \n",
     "10^-11", "3", "10^3", "pH = -log10[H+], so \"10^-3\".", "Chemistry (general)",
     "recInvented002", "Chemistry"],
    ["old q3", "old a3", "Which organelle holds most of a cell's DNA, \"by far\"?", "The nucleus",
     "The ribosome", "The Golgi apparatus, which packages proteins", "The lysosome", "",
     "Molecular Biology", "recInvented003", "Biology"],
]

with open("gpqa_official_layout.csv", "w", newline="") as f:
    writer = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(ROWS)
with open("gpqa_columns.jsonl", "w") as f:
    for row in ROWS:
        f.write(json.dumps(dict(zip(HEADER, row))) + "\n")
