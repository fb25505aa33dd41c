#!/usr/bin/python3
"""Writes the load generator's benchmark repository (bench/loadgen/models): a small transformer encoder as
TorchScript, served twice from the same weights, once without and once with Triton's dynamic batching.

Needs Debian's python3-torch (/usr/bin/python3). Run from the repository root:
    /usr/bin/python3 scripts/make-benchmark-models.py
"""
import pathlib
import shutil

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent / "bench" / "loadgen" / "models"
SEQUENCE = 16
WIDTH = 64


class TinyEncoder(torch.nn.Module):
    """Two transformer encoder layers over [batch, 16, 64] embeddings, mean-pooled to [batch, 64]."""

    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(d_model=WIDTH, nhead=4, dim_feedforward=256, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, num_layers=2)

    def forward(self, x):
        return self.encoder(x).mean(dim=1)


CONFIG = """name: "{name}"
platform: "pytorch_libtorch"
max_batch_size: 16
input [ {{ name: "INPUT__0" data_type: TYPE_FP32 dims: [ {sequence}, {width} ] }} ]
output [ {{ name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ {width} ] }} ]
{batching}"""

BATCHING = """dynamic_batching {
  preferred_batch_size: [ 16 ]
  max_queue_delay_microseconds: 2000
}
"""


def main():
    torch.manual_seed(7)
    module = TinyEncoder().eval()
    with torch.no_grad():
        traced = torch.jit.trace(module, torch.randn(2, SEQUENCE, WIDTH))
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for name, batching in (("tiny_encoder", ""), ("tiny_encoder_batched", BATCHING)):
        version = ROOT / name / "1"
        version.mkdir(parents=True)
        traced.save(str(version / "model.pt"))
        (ROOT / name / "config.pbtxt").write_text(
            CONFIG.format(name=name, sequence=SEQUENCE, width=WIDTH, batching=batching))


if __name__ == "__main__":
    main()
