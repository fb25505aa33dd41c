#!/usr/bin/python3
"""Writes the engine's test fixtures to src/test/resources/fixtures with Debian's torch 1.13
(apt-get install python3-torch): run from the module folder. The files are committed; CI does not run this."""
from typing import List

import torch


class Identity(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class ListOfTwo(torch.nn.Module):
    """A list result, a parameter and a buffer: bytes() counts both (3 FP32 + 4 FP64 = 44 bytes)."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.tensor([1.0, 2.0, 3.0]))
        self.register_buffer("offsets", torch.zeros(4, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        return [x * self.weight, (x * self.weight).sum(-1, keepdim=True).to(torch.float64) + self.offsets[0]]


class Dictionary(torch.nn.Module):
    def forward(self, x: torch.Tensor):
        return {"x": x}


torch.jit.script(Identity()).save("src/test/resources/fixtures/identity.pt")
torch.jit.script(ListOfTwo().eval()).save("src/test/resources/fixtures/list_of_two.pt")
torch.jit.script(Dictionary()).save("src/test/resources/fixtures/dictionary.pt")
