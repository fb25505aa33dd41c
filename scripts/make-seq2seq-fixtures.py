#!/usr/bin/python3
"""Writes the seq2seq example and test model (examples/models/tiny_seq2seq): a tiny
BART-like encoder-decoder with random weights (fixed seed), exported as two TorchScript files that follow the
backend's contract (see backend-plugins/seq2seq/README.md), a WordPiece tokenizer.json, a config.pbtxt and
expected.json: for a few inputs, the greedy and beam-search token ids that torch computes with the same
key/value-cache decoder, each checked against a decoder run without the cache (the whole prefix recomputed).

Run with Debian's python3-torch (torch 1.13): /usr/bin/python3 scripts/make-seq2seq-fixtures.py
The output is deterministic and small (about 300 KB); it is committed.
"""
import json
import math
import pathlib
import shutil
from typing import List, Tuple

import torch
from torch import Tensor, nn

ROOT = pathlib.Path(__file__).resolve().parent.parent / "examples" / "models" / "tiny_seq2seq"

D_MODEL, LAYERS, HEADS, FFN, MAX_POSITIONS = 48, 2, 4, 96, 64
PAD, EOS, START, UNK = 0, 1, 2, 3
SPECIALS = ["[PAD]", "</s>", "<s>", "[UNK]"]
WORDS = """the a an of to and in is was for on that with as it by at from this be are or his her they
we you he she i not but all one two three four five six seven eight nine ten red green blue black white
cat dog bird fish horse cow mouse tree house car road city river sea sky sun moon star day night time
year man woman child friend king queen book song game word name world water fire stone light dark cold
warm old new big small good bad fast slow high low long short happy sad play walk talk run jump read
write sing sleep eat drink see look hear speak think know make take give find tell ask work call try
help move live love open close start stop turn show hold keep bring begin seem""".split()
SUFFIXES = ["##s", "##ed", "##ing", "##er", "##est", "##ly", "##ness", "##ful", "##less", "##y", "##en", "##able"]
VOCAB = SPECIALS + WORDS + SUFFIXES + [f"tok{i}" for i in range(256 - len(SPECIALS) - len(WORDS) - len(SUFFIXES))]
assert len(VOCAB) == 256 and len(set(VOCAB)) == len(VOCAB)
V = len(VOCAB)
NEG = -1e9  # a large finite negative: masked scores vanish in softmax without the NaN an all -inf row gives


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(D_MODEL, D_MODEL)
        self.k = nn.Linear(D_MODEL, D_MODEL)
        self.v = nn.Linear(D_MODEL, D_MODEL)
        self.o = nn.Linear(D_MODEL, D_MODEL)
        self.n_heads = HEADS  # attributes, not globals: TorchScript compiles them as constants
        self.d_model = D_MODEL
        self.scale = 1.0 / math.sqrt(D_MODEL // HEADS)
        self.neg = NEG

    def heads(self, x: Tensor) -> Tensor:  # [b, n, d] -> [b, h, n, dh]
        return x.view(x.size(0), x.size(1), self.n_heads, self.d_model // self.n_heads).transpose(1, 2)

    def attend(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:
        # q [b,h,n,dh], k/v [b,h,m,dh], mask [b,1 or n,m] (1 keeps, 0 hides)
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        scores = scores.masked_fill(mask.unsqueeze(1) == 0, self.neg)
        out = torch.matmul(torch.softmax(scores, -1), v)
        return self.o(out.transpose(1, 2).reshape(q.size(0), q.size(2), self.d_model))


class EncoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = Attention()
        self.ln1 = nn.LayerNorm(D_MODEL)
        self.ff1 = nn.Linear(D_MODEL, FFN)
        self.ff2 = nn.Linear(FFN, D_MODEL)
        self.ln2 = nn.LayerNorm(D_MODEL)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        a = self.attn
        x = self.ln1(x + a.attend(a.heads(a.q(x)), a.heads(a.k(x)), a.heads(a.v(x)), mask.unsqueeze(1)))
        return self.ln2(x + self.ff2(torch.relu(self.ff1(x))))


class DecoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_attn = Attention()
        self.ln1 = nn.LayerNorm(D_MODEL)
        self.cross = Attention()
        self.ln2 = nn.LayerNorm(D_MODEL)
        self.ff1 = nn.Linear(D_MODEL, FFN)
        self.ff2 = nn.Linear(FFN, D_MODEL)
        self.ln3 = nn.LayerNorm(D_MODEL)

    def forward(self, x: Tensor, k: Tensor, v: Tensor, self_mask: Tensor, enc: Tensor,
                enc_mask: Tensor) -> Tensor:
        # x [b,n,d] queries; k/v [b,h,m,dh] every key and value they may see; self_mask [b,n,m]
        s = self.self_attn
        x = self.ln1(x + s.attend(s.heads(s.q(x)), k, v, self_mask))
        c = self.cross
        x = self.ln2(x + c.attend(c.heads(c.q(x)), c.heads(c.k(enc)), c.heads(c.v(enc)), enc_mask.unsqueeze(1)))
        return self.ln3(x + self.ff2(torch.relu(self.ff1(x))))


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D_MODEL)
        self.enc_pos = nn.Embedding(MAX_POSITIONS, D_MODEL)
        self.dec_pos = nn.Embedding(MAX_POSITIONS, D_MODEL)
        self.encoder = nn.ModuleList([EncoderLayer() for _ in range(LAYERS)])
        self.decoder = nn.ModuleList([DecoderLayer() for _ in range(LAYERS)])
        self.lm_head = nn.Linear(D_MODEL, V)


class Encoder(nn.Module):
    """encoder(input_ids [b,s] int64, attention_mask [b,s] int64) -> hidden [b,s,d] float32"""

    def __init__(self, m: Seq2Seq):
        super().__init__()
        self.embed, self.pos, self.layers = m.embed, m.enc_pos, m.encoder

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        positions = torch.arange(input_ids.size(1), device=input_ids.device).unsqueeze(0)
        x = self.embed(input_ids) + self.pos(positions)
        for layer in self.layers:
            x = layer(x, attention_mask)
        return x


class Decoder(nn.Module):
    """One step for b rows. decoder(input_ids [b,1] int64, positions [b,1] int64, encoder_hidden [b,s,d],
    encoder_mask [b,s] int64, past_k [L,b,h,t,dh], past_v [L,b,h,t,dh], self_mask [b,t+1] int64)
    -> (logits [b,V], new_k [L,b,h,t+1,dh], new_v [L,b,h,t+1,dh]); t may be 0."""

    def __init__(self, m: Seq2Seq):
        super().__init__()
        self.embed, self.pos, self.layers, self.lm_head = m.embed, m.dec_pos, m.decoder, m.lm_head

    def forward(self, input_ids: Tensor, positions: Tensor, encoder_hidden: Tensor, encoder_mask: Tensor,
                past_k: Tensor, past_v: Tensor, self_mask: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        x = self.embed(input_ids) + self.pos(positions)
        mask = self_mask.unsqueeze(1)  # [b,1,t+1]
        keys: List[Tensor] = []
        values: List[Tensor] = []
        i = 0
        for layer in self.layers:
            s = layer.self_attn
            k = torch.cat([past_k[i], s.heads(s.k(x))], 2)
            v = torch.cat([past_v[i], s.heads(s.v(x))], 2)
            keys.append(k)
            values.append(v)
            x = layer(x, k, v, mask, encoder_hidden, encoder_mask)
            i += 1
        logits = self.lm_head(x[:, 0])
        return logits, torch.stack(keys), torch.stack(values)


def decode_without_cache(m: Seq2Seq, prefix: List[int], enc: Tensor, enc_mask: Tensor) -> Tensor:
    """Logits after the whole prefix, recomputed from scratch with a causal mask (the check on the cache)."""
    ids = torch.tensor([prefix])
    n = len(prefix)
    x = m.embed(ids) + m.dec_pos(torch.arange(n).unsqueeze(0))
    causal = torch.tril(torch.ones(n, n, dtype=torch.long)).unsqueeze(0)
    for layer in m.decoder:
        s = layer.self_attn
        x = layer(x, s.heads(s.k(x)), s.heads(s.v(x)), causal, enc, enc_mask)
    return m.lm_head(x[0, -1]).double()


def wordpiece(text: str) -> List[int]:
    """HuggingFace's WordPiece on a WhitespaceSplit pre-tokenizer: greedy longest match, ## continuations."""
    index = {token: i for i, token in enumerate(VOCAB)}
    ids = []
    for word in text.split():
        start, pieces = 0, []
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in index:
                    pieces.append(index[piece])
                    break
                end -= 1
            if end == start:
                pieces = [UNK]
                break
            start = end
        ids.extend(pieces)
    return ids


class Stepper:
    """Runs the exported decoder one token at a time for one row, keeping its cache."""

    def __init__(self, decoder, enc, enc_mask):
        self.decoder, self.enc, self.enc_mask = decoder, enc, enc_mask

    def step(self, token: int, position: int, k: Tensor, v: Tensor):
        mask = torch.ones(1, k.size(3) + 1, dtype=torch.long)
        logits, k2, v2 = self.decoder(torch.tensor([[token]]), torch.tensor([[position]]), self.enc, self.enc_mask,
                                      k, v, mask)
        return logits[0].double(), k2, v2


def empty_cache():
    return torch.zeros(LAYERS, 1, HEADS, 0, D_MODEL // HEADS), torch.zeros(LAYERS, 1, HEADS, 0, D_MODEL // HEADS)


def greedy(model, stepper, max_new: int):
    k, v = empty_cache()
    tokens, prefix, margins = [], [START], []
    for position in range(max_new):
        logits, k, v = stepper.step(prefix[-1], position, k, v)
        check = decode_without_cache(model, prefix, stepper.enc, stepper.enc_mask)
        assert torch.allclose(logits, check, atol=1e-4), f"cache and no-cache logits differ at step {position}"
        top = torch.topk(logits, 2).values
        margins.append(float(top[0] - top[1]))
        token = int(torch.argmax(logits))
        tokens.append(token)
        prefix.append(token)
        if token == EOS:
            break
    return tokens, min(margins)


def beam(model, stepper, max_new: int, width: int):
    """The backend's beam search, exactly: candidates are every (beam, token) scored by the beam's sum of
    log-probabilities (float64) plus the token's; sorted by score (ties: beam, then token); the best 2*width
    are walked, an EOS among the first width finishes a hypothesis (score / its length), others continue
    until width beams continue. Stops after width finished hypotheses or max_new steps (then the live beams
    count as finished); the best finished hypothesis wins (ties: the first found)."""
    k, v = empty_cache()
    beams = [([], 0.0, k, v)]
    finished = []
    margin = float("inf")
    for position in range(max_new):
        candidates = []
        stepped = []
        for b, (tokens, score, k, v) in enumerate(beams):
            logits, k2, v2 = stepper.step(tokens[-1] if tokens else START, position, k, v)
            check = decode_without_cache(model, [START] + tokens, stepper.enc, stepper.enc_mask)
            assert torch.allclose(logits, check, atol=1e-4), "cache and no-cache logits differ in beam search"
            logprobs = torch.log_softmax(logits, -1)
            stepped.append((k2, v2))
            for t in range(V):
                candidates.append((score + float(logprobs[t]), b, t))
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
        scores = [c[0] for c in candidates[:2 * width + 1]]
        margin = min(margin, min(a - b for a, b in zip(scores, scores[1:])))
        next_beams = []
        for rank, (score, b, t) in enumerate(candidates[:2 * width]):
            tokens = beams[b][0] + [t]
            if t == EOS:
                if rank < width:
                    finished.append((tokens, score / len(tokens)))
            else:
                next_beams.append((tokens, score, stepped[b][0], stepped[b][1]))
            if len(next_beams) == width:
                break
        beams = next_beams
        if len(finished) >= width:
            break
    if len(finished) < width:
        finished.extend((tokens, score / len(tokens)) for tokens, score, _, _ in beams)
    best = max(range(len(finished)), key=lambda i: (finished[i][1], -i))
    return finished[best][0], margin


def tokenizer_json():
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, t in enumerate(SPECIALS)],
        "normalizer": None,
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": False},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(VOCAB)}},
    }


CONFIG = """name: "tiny_seq2seq"
backend: "seq2seq"
max_batch_size: 0
input [
  {
    name: "text_input"
    data_type: TYPE_STRING
    dims: [ 1 ]
  }
]
output [
  {
    name: "text_output"
    data_type: TYPE_STRING
    dims: [ 1 ]
  },
  {
    name: "output_ids"
    data_type: TYPE_INT64
    dims: [ -1 ]
  }
]
parameters { key: "max_new_tokens" value: { string_value: "%(max_new)d" } }
parameters { key: "max_new_tokens_limit" value: { string_value: "64" } }
parameters { key: "eos_token_id" value: { string_value: "1" } }
parameters { key: "pad_token_id" value: { string_value: "0" } }
parameters { key: "decoder_start_token_id" value: { string_value: "2" } }
parameters { key: "decoding" value: { string_value: "greedy" } }
parameters { key: "num_beams" value: { string_value: "3" } }
parameters { key: "max_batch" value: { string_value: "32" } }
parameters { key: "kv_cache_bytes" value: { string_value: "67108864" } }
parameters { key: "max_input_tokens" value: { string_value: "64" } }
parameters { key: "num_layers" value: { string_value: "%(layers)d" } }
parameters { key: "num_heads" value: { string_value: "%(heads)d" } }
"""

INPUTS = ["the cat walked on the red road", "happy birds sing in the warm light",
          "she reads an old book", "playing games is good", "walk fast", "the king and queen of the sea",
          "two friends talked all night of the stars and the moon", "dark cold water"]


def main():
    torch.manual_seed(2024)
    model = Seq2Seq().eval()
    with torch.no_grad():
        # Logits of a few units: choices depend on the input, without one token swamping the rest.
        model.lm_head.weight.normal_(0.0, 2.0 / math.sqrt(D_MODEL))
        model.lm_head.bias.normal_(0.0, 0.5)
        for never in (PAD, START, UNK):
            model.lm_head.bias[never] = -30.0
        model.lm_head.bias[EOS] = 3.0  # some outputs end before max_new_tokens
    encoder = torch.jit.script(Encoder(model).eval())
    decoder = torch.jit.script(Decoder(model).eval())
    if ROOT.exists():
        shutil.rmtree(ROOT)
    (ROOT / "1").mkdir(parents=True)
    encoder.save(str(ROOT / "1" / "encoder.pt"))
    decoder.save(str(ROOT / "1" / "decoder.pt"))
    max_new = 20
    (ROOT / "config.pbtxt").write_text(CONFIG % {"max_new": max_new, "layers": LAYERS, "heads": HEADS})
    (ROOT / "tokenizer.json").write_text(json.dumps(tokenizer_json(), indent=1) + "\n")
    cases = []
    with torch.no_grad():
        for text in INPUTS:
            ids = wordpiece(text)
            assert UNK not in ids, text
            enc_mask = torch.ones(1, len(ids), dtype=torch.long)
            enc = encoder(torch.tensor([ids]), enc_mask)
            stepper = Stepper(decoder, enc, enc_mask)
            greedy_ids, greedy_margin = greedy(model, stepper, max_new)
            beam_ids, beam_margin = beam(model, stepper, max_new, 3)
            # Batched Java logits differ from these by float noise; a clear margin keeps the choices stable.
            assert greedy_margin > 1e-3 and beam_margin > 1e-6, (text, greedy_margin, beam_margin)
            print(f"{text!r}: greedy {len(greedy_ids)} tokens (margin {greedy_margin:.4f}), beam {len(beam_ids)}"
                  f" tokens (margin {beam_margin:.2e})")
            cases.append({"text": text, "input_ids": ids, "greedy": greedy_ids, "beam": beam_ids})
    expected = {"max_new_tokens": max_new, "num_beams": 3, "eos_token_id": EOS, "cases": cases}
    (ROOT / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
