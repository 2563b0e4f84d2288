#!/usr/bin/env python3
"""Tantivy on the Chinese category retrieval `aisle-bench search-zh` runs (docs/BENCHMARKS.md):
the same 62,774 reviews and hand-written queries (bench/search-zh-queries.tsv), precision@10,
once with Tantivy's default tokenizer and once on a field pre-tokenised by jieba (words joined
by spaces, the query segmented the same way)."""
import collections
import json
import sys
import time

import jieba
import tantivy

jieba.setLogLevel(60)
folder = sys.argv[1] if len(sys.argv) > 1 else "bench-out/search-zh"
queries_path = sys.argv[2] if len(sys.argv) > 2 else "bench/search-zh-queries.tsv"
documents = [json.loads(line) for line in open(f"{folder}/documents.jsonl", encoding="utf-8")]
queries = [line.rstrip("\n").split("\t") for line in open(queries_path, encoding="utf-8")][1:]

builder = tantivy.SchemaBuilder()
builder.add_text_field("id", stored=True, tokenizer_name="raw")
builder.add_text_field("text", stored=False)
builder.add_text_field("words", stored=False, tokenizer_name="whitespace")
schema = builder.build()
index = tantivy.Index(schema)
writer = index.writer()
start = time.perf_counter()
for document in documents:
    words = " ".join(word for word in jieba.cut(document["text"]) if word.strip())
    writer.add_document(tantivy.Document(id=document["id"], text=document["text"], words=words))
writer.commit()
index.reload()
print(f"tantivy: indexed {len(documents)} reviews with jieba in {time.perf_counter() - start:.1f} s")
searcher = index.searcher()
category = {document["id"]: document["category"] for document in documents}

for name, field, segment in [("default tokenizer", "text", False), ("jieba field", "words", True)]:
    precision = collections.defaultdict(list)
    latencies = []
    for wanted, text in queries:
        terms = [w for w in jieba.cut(text) if w.strip()] if segment else [text]
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, field, term.lower())) for term in terms]
        if field == "text":
            query = index.parse_query(text, [field])
        else:
            query = tantivy.Query.boolean_query(clauses)
        began = time.perf_counter()
        hits = searcher.search(query, 10).hits
        ids = [searcher.doc(address)["id"][0] for _, address in hits]
        latencies.append((time.perf_counter() - began) * 1000)
        precision[wanted].append(sum(1 for i in ids if category[i] == wanted) / 10)
    every = [p for values in precision.values() for p in values]
    for key in sorted(precision):
        print(f"tantivy {name}: {key}: P@10 {sum(precision[key]) / len(precision[key]):.3f}")
    latencies.sort()
    print(f"tantivy {name}: all {len(every)} queries: P@10 {sum(every) / len(every):.4f}; p50 {latencies[len(latencies) // 2]:.3f} ms, p99 {latencies[len(latencies) * 99 // 100]:.3f} ms")
