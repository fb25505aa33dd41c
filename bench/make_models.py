#!/usr/bin/env python3
"""Makes the GPU benchmark's models with the local torch (random weights, real architectures) and times the same
forward passes in-process in torch, as the reference the server is compared with.

  bert_base   a BERT-base-like encoder (12 layers, hidden 768, 12 heads, vocabulary 30522) returning the
              mean-pooled sentence embedding [batch, 768]: the published case's embedding models
  s2s_000..   a T5-like encoder-decoder of about 292 MB (6+6 layers, d_model 512) returning the next token ids:
              the published case's autocomplete models; every copy is a hard link to one file, so 400 models
              take 292 MB of disk and page cache but 400 x 292 MB if all were resident

Usage: python3 bench/make_models.py OUT_REPOSITORY REFERENCE_JSON [--copies 400]
Run on the GPU machine (torch with CUDA); models are traced on the GPU they will run on.
"""
import argparse
import json
import os
import pathlib
import statistics
import time

import torch
from torch import nn

from concurrency import median_concurrent_latency

TOKENS = (30, 250, 550)


class BertLike(nn.Module):
    def __init__(self, vocab=30522, hidden=768, layers=12, heads=12, ffn=3072, positions=1024):
        super().__init__()
        self.words = nn.Embedding(vocab, hidden)
        self.positions = nn.Embedding(positions, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)
        layer = nn.TransformerEncoderLayer(hidden, heads, ffn, dropout=0.0, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    def forward(self, input_ids, attention_mask):
        positions = torch.arange(input_ids.size(1), device=input_ids.device).unsqueeze(0)
        hidden = self.norm(self.words(input_ids) + self.positions(positions))
        hidden = self.encoder(hidden, src_key_padding_mask=attention_mask == 0)
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class Seq2SeqLike(nn.Module):
    def __init__(self, vocab=28672, d_model=512, heads=8, layers=6, ffn=2048, positions=1024):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.positions = nn.Embedding(positions, d_model)
        self.transformer = nn.Transformer(d_model, heads, layers, layers, ffn, dropout=0.0, batch_first=True)
        self.head = nn.Linear(d_model, vocab, bias=False)

    def forward(self, input_ids, decoder_input_ids):
        src_pos = torch.arange(input_ids.size(1), device=input_ids.device).unsqueeze(0)
        tgt_pos = torch.arange(decoder_input_ids.size(1), device=input_ids.device).unsqueeze(0)
        out = self.transformer(self.embed(input_ids) + self.positions(src_pos),
                               self.embed(decoder_input_ids) + self.positions(tgt_pos))
        return self.head(out).argmax(-1)


def sync():
    torch.cuda.synchronize()


def timed(call, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


BERT_CONFIG = """name: "bert_base"
platform: "pytorch_libtorch"
max_batch_size: 8
input [
  { name: "input_ids" data_type: TYPE_INT64 dims: [ -1 ] },
  { name: "attention_mask" data_type: TYPE_INT64 dims: [ -1 ] }
]
output [ { name: "embedding" data_type: TYPE_FP32 dims: [ 768 ] } ]
instance_group [ { kind: KIND_GPU count: 1 } ]
dynamic_batching { max_queue_delay_microseconds: 200 }
parameters { key: "engine" value: { string_value: "libtorch" } }
"""

S2S_CONFIG = """name: "%s"
platform: "pytorch_libtorch"
max_batch_size: 0
input [
  { name: "input_ids" data_type: TYPE_INT64 dims: [ 1, -1 ] },
  { name: "decoder_input_ids" data_type: TYPE_INT64 dims: [ 1, -1 ] }
]
output [ { name: "next_ids" data_type: TYPE_INT64 dims: [ 1, -1 ] } ]
instance_group [ { kind: KIND_GPU count: 1 } ]
parameters { key: "engine" value: { string_value: "libtorch" } }
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("reference")
    parser.add_argument("--copies", type=int, default=400)
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    torch.manual_seed(0)
    device = torch.device("cuda:0")
    reference = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0)}

    with torch.no_grad():
        bert = BertLike().eval().to(device)
        ids = torch.randint(1000, 30000, (1, 16), device=device)
        traced = torch.jit.trace(bert, (ids, torch.ones_like(ids)), check_trace=False)
        (out / "bert_base" / "1").mkdir(parents=True, exist_ok=True)
        traced.save(str(out / "bert_base" / "1" / "model.pt"))
        (out / "bert_base" / "config.pbtxt").write_text(BERT_CONFIG)
        del traced, bert

        s2s = Seq2SeqLike().eval().to(device)
        parameters = sum(p.numel() for p in s2s.parameters())
        ids = torch.randint(5, 28000, (1, 12), device=device)
        traced = torch.jit.trace(s2s, (ids, ids[:, :3]), check_trace=False)
        source = out / "s2s.pt"
        traced.save(str(source))
        del traced, s2s
        reference["s2s_parameters"] = parameters
        reference["s2s_file_bytes"] = source.stat().st_size
        for i in range(args.copies):
            name = "s2s_%03d" % i
            (out / name / "1").mkdir(parents=True, exist_ok=True)
            target = out / name / "1" / "model.pt"
            if target.exists():
                target.unlink()
            os.link(source, target)
            (out / name / "config.pbtxt").write_text(S2S_CONFIG % name)
        torch.cuda.empty_cache()

        # The reference: the same files and forward passes in this process.
        for path in (out / "bert_base" / "1" / "model.pt", source):
            path.read_bytes()  # in page cache, as for the server's cold start
        baseline = torch.cuda.memory_reserved(0)
        start = time.perf_counter()
        module = torch.jit.load(str(source), map_location=device).eval()
        ids = torch.randint(5, 28000, (1, 30), device=device)
        module(ids, ids[:, :1])
        sync()
        reference["s2s_cold_start_s"] = time.perf_counter() - start
        reference["s2s_device_bytes"] = torch.cuda.memory_allocated(0)
        del module
        torch.cuda.empty_cache()

        start = time.perf_counter()
        bert = torch.jit.load(str(out / "bert_base" / "1" / "model.pt"), map_location=device).eval()
        ids = torch.randint(1000, 30000, (1, 30), device=device)
        bert(ids, torch.ones_like(ids))
        sync()
        reference["bert_cold_start_s"] = time.perf_counter() - start
        for _ in range(3):  # the optimizing executor specialises on the first calls
            for tokens in TOKENS:
                ids = torch.randint(1000, 30000, (1, tokens), device=device)
                bert(ids, torch.ones_like(ids))
        for tokens in TOKENS:
            ids = torch.randint(1000, 30000, (1, tokens), device=device)
            mask = torch.ones_like(ids)
            # Host tensors in, host tensor out: what a server request also pays.
            host_ids, host_mask = ids.cpu(), mask.cpu()
            reference["bert_forward_s_%d" % tokens] = timed(
                lambda: bert(host_ids.to(device), host_mask.to(device)).cpu(), 50)
        def client():
            ids = torch.randint(1000, 30000, (1, 250))
            mask = torch.ones_like(ids)
            return lambda: bert(ids.to(device), mask.to(device)).cpu()

        reference["bert_5_concurrent_250_s"] = median_concurrent_latency(client, threads=5, repeat=20)
        del bert
        torch.cuda.empty_cache()
        reference["device_reserved_after_free"] = torch.cuda.memory_reserved(0) - baseline

    pathlib.Path(args.reference).write_text(json.dumps(reference, indent=1))
    print(json.dumps(reference, indent=1))


if __name__ == "__main__":
    main()
