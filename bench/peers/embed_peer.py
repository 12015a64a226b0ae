"""The peer for the embedding throughput benchmark (`make bench`):
all-MiniLM-L6-v2 through sentence-transformers on PyTorch, CPU, with as
many threads as Triage uses, over the same texts and batch size.

Usage: embed_peer.py FOLDER MODEL_DIR [--n 512] [--batch 32] [--threads 2]
Prints one line: `sentence-transformers texts/s R`.
"""
import argparse
import pathlib
import time

import torch
from sentence_transformers import SentenceTransformer

from text_peers import read_folder


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("model")
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    texts, _ = read_folder(args.folder)
    texts = texts[: args.n]
    model = SentenceTransformer(str(pathlib.Path(args.model)), device="cpu")
    model.encode(texts[: args.batch], batch_size=args.batch)  # warm up
    start = time.perf_counter()
    model.encode(texts, batch_size=args.batch, normalize_embeddings=True)
    rate = len(texts) / (time.perf_counter() - start)
    print(f"sentence-transformers texts/s {rate:.1f}")


if __name__ == "__main__":
    main()
