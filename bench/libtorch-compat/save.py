"""Writes a model repository of TorchScript files saved by the torch that runs this script (run it with current
torch, e.g. on the GPU machine), with each model's input and the output torch computed, for check.sh.

The four models cover what users bring: a traced and a scripted linear layer, a module calling
scaled_dot_product_attention (what Hugging Face models trace to on torch >= 2.0), and nn.TransformerEncoder.
"""
import json
import os
import sys

import torch

out = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OUT", "libtorch-compat-models")
torch.manual_seed(0)


class Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 3)

    def forward(self, x):
        return torch.relu(self.layer(x))


class Attention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.query = torch.nn.Linear(8, 8)

    def forward(self, x):
        q = self.query(x).view(1, -1, 2, 4).transpose(1, 2)
        return torch.nn.functional.scaled_dot_product_attention(q, q, q).transpose(1, 2).reshape(1, -1, 8)


layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
encoder = torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).eval()
small, sequence = torch.randn(2, 4), torch.randn(1, 5, 8)
with torch.no_grad():
    models = {
        "traced_linear": (torch.jit.trace(Linear().eval(), small), small),
        "scripted_linear": (torch.jit.script(Linear().eval()), small),
        "transformer_encoder": (torch.jit.trace(encoder, sequence), sequence),
    }
    if hasattr(torch.nn.functional, "scaled_dot_product_attention"):  # torch >= 2.0 only
        models["sdpa_attention"] = (torch.jit.trace(Attention().eval(), sequence), sequence)
    for name, (module, x) in models.items():
        os.makedirs(f"{out}/{name}/1", exist_ok=True)
        module.save(f"{out}/{name}/1/model.pt")
        y = module(x)
        dims = lambda t: ", ".join(str(d) for d in t.shape)
        with open(f"{out}/{name}/config.pbtxt", "w") as config:
            config.write(f'name: "{name}"\nplatform: "pytorch_libtorch"\nmax_batch_size: 0\n'
                         f'input [ {{ name: "INPUT__0" data_type: TYPE_FP32 dims: [ {dims(x)} ] }} ]\n'
                         f'output [ {{ name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ {dims(y)} ] }} ]\n')
        with open(f"{out}/{name}/expected.json", "w") as expected:
            json.dump({"shape": list(x.shape), "input": x.flatten().tolist(), "output": y.flatten().tolist(),
                       "torch": torch.__version__}, expected)
print(f"saved {len(models)} models with torch {torch.__version__} to {out}")
