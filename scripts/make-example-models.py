#!/usr/bin/python3
"""Writes the example model repository (examples/models) in Triton's layout, with TorchScript models made by
torch and, beside each model, expected.json: the inputs of a request and torch's own outputs for them, which
the tests compare against what Gantry serves. It also writes add_sub_chain, a Triton ensemble of those models
whose outputs are known in closed form. (The MiniLM example's weights come from scripts/make-minilm-example.py.)

Run with Debian's python3-torch (torch 1.13): /usr/bin/python3 scripts/make-example-models.py
The output is deterministic (fixed weights and seeds); the files are small and committed.
"""
import json
import pathlib
import shutil

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent / "examples" / "models"
WARMUP = (pathlib.Path(__file__).resolve().parent.parent / "backend-plugins" / "torchscript" / "src" / "main"
          / "resources" / "org" / "gantry" / "backend" / "torchscript" / "internal" / "warmup.pt")


class SimpleLinear(torch.nn.Module):
    """relu(x @ W + b) with round weights, so the README's curl example gives round numbers."""

    def __init__(self, weight, bias):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor(weight), requires_grad=False)
        self.bias = torch.nn.Parameter(torch.tensor(bias), requires_grad=False)

    def forward(self, x):
        return torch.relu(x @ self.weight + self.bias)


class TokenScorer(torch.nn.Module):
    """Two inputs (INT64 token ids, FP32 weights per token) and two outputs (a tuple): an embedding bag
    weighted per token, and the number of tokens above zero. Exercises INT64, several inputs and outputs,
    and a variable dimension."""

    def __init__(self):
        super().__init__()
        generator = torch.Generator().manual_seed(7)
        self.embedding = torch.nn.Parameter(torch.randn(16, 4, generator=generator), requires_grad=False)

    def forward(self, ids, weights):
        vectors = self.embedding[ids] * weights.unsqueeze(-1)
        return vectors.sum(dim=-2), (ids > 0).sum(dim=-1)


def write_model(name, module, config, version, example_inputs, input_names, datatypes, output_names):
    model_dir = ROOT / name
    version_dir = model_dir / str(version)
    version_dir.mkdir(parents=True, exist_ok=True)
    scripted = torch.jit.script(module.eval())
    scripted.save(str(version_dir / "model.pt"))
    (model_dir / "config.pbtxt").write_text(config)
    with torch.no_grad():
        outputs = scripted(*example_inputs)
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    return {
        "inputs": [
            {"name": n, "datatype": d, "shape": list(t.shape), "data": t.flatten().tolist()}
            for n, d, t in zip(input_names, datatypes, example_inputs)
        ],
        "outputs": [
            {"name": n, "shape": list(t.shape), "data": t.flatten().tolist()}
            for n, t in zip(output_names, outputs)
        ],
    }


def write_expected(name, cases):
    (ROOT / name / "expected.json").write_text(json.dumps(cases, indent=1) + "\n")


def main():
    for name in ("simple_linear", "token_scorer", "versioned_scale", "add_sub", "add_sub_chain"):
        if (ROOT / name).exists():
            shutil.rmtree(ROOT / name)
    ROOT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)

    simple_config = """name: "simple_linear"
platform: "pytorch_libtorch"
max_batch_size: 8
input [
  {
    name: "INPUT__0"
    data_type: TYPE_FP32
    dims: [ 3 ]
  }
]
output [
  {
    name: "OUTPUT__0"
    data_type: TYPE_FP32
    dims: [ 2 ]
  }
]
"""
    simple = SimpleLinear([[1.0, 0.5], [0.0, 0.5], [-1.0, 0.5]], [10.0, -1.0])
    batch = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    write_expected("simple_linear", {"1": [write_model(
        "simple_linear", simple, simple_config, 1, (batch,), ["INPUT__0"], ["FP32"], ["OUTPUT__0"])]})

    scorer_config = """name: "token_scorer"
backend: "pytorch"
max_batch_size: 4
input [
  {
    name: "token_ids"
    data_type: TYPE_INT64
    dims: [ -1 ]
  },
  {
    name: "token_weights"
    data_type: TYPE_FP32
    dims: [ -1 ]
  }
]
output [
  {
    name: "pooled"
    data_type: TYPE_FP32
    dims: [ 4 ]
  },
  {
    name: "token_count"
    data_type: TYPE_INT64
    dims: [ ]
  }
]
"""
    ids = torch.tensor([[3, 5, 0, 9], [1, 0, 0, 15]], dtype=torch.int64)
    weights = torch.tensor([[1.0, 0.5, 2.0, -1.0], [0.25, 1.0, 1.0, 3.0]])
    write_expected("token_scorer", {"1": [write_model(
        "token_scorer", TokenScorer(), scorer_config, 1, (ids, weights), ["token_ids", "token_weights"],
        ["INT64", "FP32"], ["pooled", "token_count"])]})

    # Two versions that answer differently: the default policy (latest 1) serves version 2;
    # this model's policy serves both, so either can be asked for by number.
    versioned_config = """name: "versioned_scale"
platform: "pytorch_libtorch"
max_batch_size: 0
version_policy: { all: { } }
input [
  {
    name: "INPUT__0"
    data_type: TYPE_FP32
    dims: [ -1 ]
  }
]
output [
  {
    name: "OUTPUT__0"
    data_type: TYPE_FP32
    dims: [ -1 ]
  }
]
"""
    values = torch.tensor([1.0, -2.0, 3.5])
    cases = {}
    for version, factor in ((1, 2.0), (2, 10.0)):
        # x * factor, without relu, so negative numbers show.
        scale = torch.jit.script(ScaleModule(factor))
        version_dir = ROOT / "versioned_scale" / str(version)
        version_dir.mkdir(parents=True, exist_ok=True)
        scale.save(str(version_dir / "model.pt"))
        with torch.no_grad():
            out = scale(values)
        cases[str(version)] = [{
            "inputs": [{"name": "INPUT__0", "datatype": "FP32", "shape": [3], "data": values.tolist()}],
            "outputs": [{"name": "OUTPUT__0", "shape": list(out.shape), "data": out.tolist()}],
        }]
    (ROOT / "versioned_scale" / "config.pbtxt").write_text(versioned_config)
    write_expected("versioned_scale", cases)

    # Triton's classic add/sub model, and an ensemble that runs it twice in a chain (sum and difference, then
    # their sum and difference: 2A and 2B) beside an independent branch (versioned_scale version 1: 2A).
    add_sub_config = """name: "add_sub"
platform: "pytorch_libtorch"
max_batch_size: 0
input [
  { name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] },
  { name: "INPUT1" data_type: TYPE_FP32 dims: [ 4 ] }
]
output [
  { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] },
  { name: "OUTPUT1" data_type: TYPE_FP32 dims: [ 4 ] }
]
"""
    a = torch.tensor([1.0, 2.0, 3.0, 4.0])
    b = torch.tensor([0.5, -1.0, 8.0, 0.0])
    write_expected("add_sub", {"1": [write_model(
        "add_sub", AddSub(), add_sub_config, 1, (a, b), ["INPUT0", "INPUT1"], ["FP32", "FP32"],
        ["OUTPUT0", "OUTPUT1"])]})
    chain_config = """name: "add_sub_chain"
platform: "ensemble"
max_batch_size: 0
input [
  { name: "A" data_type: TYPE_FP32 dims: [ 4 ] },
  { name: "B" data_type: TYPE_FP32 dims: [ 4 ] }
]
output [
  { name: "DOUBLE_A" data_type: TYPE_FP32 dims: [ 4 ] },
  { name: "DOUBLE_B" data_type: TYPE_FP32 dims: [ 4 ] },
  { name: "SCALED_A" data_type: TYPE_FP32 dims: [ -1 ] }
]
ensemble_scheduling {
  step [
    {
      model_name: "add_sub"
      model_version: -1
      input_map { key: "INPUT0" value: "A" }
      input_map { key: "INPUT1" value: "B" }
      output_map { key: "OUTPUT0" value: "SUM" }
      output_map { key: "OUTPUT1" value: "DIFFERENCE" }
    },
    {
      model_name: "add_sub"
      model_version: -1
      input_map { key: "INPUT0" value: "SUM" }
      input_map { key: "INPUT1" value: "DIFFERENCE" }
      output_map { key: "OUTPUT0" value: "DOUBLE_A" }
      output_map { key: "OUTPUT1" value: "DOUBLE_B" }
    },
    {
      model_name: "versioned_scale"
      model_version: 1
      input_map { key: "INPUT__0" value: "A" }
      output_map { key: "OUTPUT__0" value: "SCALED_A" }
    }
  ]
}
"""
    chain_dir = ROOT / "add_sub_chain"
    (chain_dir / "1").mkdir(parents=True, exist_ok=True)
    (chain_dir / "1" / ".gitkeep").write_text("")  # an ensemble's version folder holds nothing
    (chain_dir / "config.pbtxt").write_text(chain_config)
    write_expected("add_sub_chain", {"1": [{
        "inputs": [{"name": "A", "datatype": "FP32", "shape": [4], "data": a.tolist()},
                   {"name": "B", "datatype": "FP32", "shape": [4], "data": b.tolist()}],
        "outputs": [{"name": "DOUBLE_A", "shape": [4], "data": (2 * a).tolist()},
                    {"name": "DOUBLE_B", "shape": [4], "data": (2 * b).tolist()},
                    {"name": "SCALED_A", "shape": [4], "data": (2 * a).tolist()}],
    }]})

    # The TorchScript backend runs this once when it starts, so that libtorch's one-time initialisation is not
    # measured as the footprint of the first model a user loads.
    WARMUP.parent.mkdir(parents=True, exist_ok=True)
    torch.jit.script(ScaleModule(1.0)).save(str(WARMUP))


class AddSub(torch.nn.Module):
    def forward(self, a, b):
        return a + b, a - b


class ScaleModule(torch.nn.Module):
    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


if __name__ == "__main__":
    main()
