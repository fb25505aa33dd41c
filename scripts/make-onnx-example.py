#!/usr/bin/python3
"""Writes the ONNX model the ONNX Runtime plugin's end-to-end test serves (itests/e2e/src/test/resources/onnx):
affine_onnx, y = relu(2x + 1) for x of shape [-1, 4], with a config.pbtxt that names only the platform, so the
plugin completes the rest from the graph.

Needs Debian's python3-torch (/usr/bin/python3). Run from the repository root:
    /usr/bin/python3 scripts/make-onnx-example.py
"""
import pathlib

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent / "itests" / "e2e" / "src" / "test" / "resources" / "onnx"


class Affine(torch.nn.Module):
    def forward(self, x):
        return torch.relu(x * 2.0 + 1.0)


def main():
    version = ROOT / "affine_onnx" / "1"
    version.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(Affine(), torch.randn(1, 4), str(version / "model.onnx"), input_names=["x"],
                      output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=13)
    (ROOT / "affine_onnx" / "config.pbtxt").write_text('platform: "onnxruntime_onnx"\nmax_batch_size: 8\n')


if __name__ == "__main__":
    main()
