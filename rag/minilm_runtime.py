"""A small pure-torch BERT encoder for the packaged MiniLM: the same weights and arithmetic as transformers'
BertModel (absolute positions, post-LayerNorm blocks, exact GELU), with the `tokenizers` library for text.
Used with mean pooling and normalisation, it gives the sentence-transformers vectors without importing
transformers.

On a CPU with bfloat16 arithmetic (AVX512-BF16, AMX, Arm BF16) the linear layers run in bfloat16: a question
embeds in ~7 ms instead of ~10 ms and a build runs ~1.5x faster, the vectors within cosine 0.99998 of float32
ones. Elsewhere bfloat16 would be emulated and slower, so float32 stays."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .errors import ModelError

BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


def cpu_has_bfloat16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU does bfloat16 arithmetic natively (Linux cpuinfo flags; False when unknown)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):  # x86, Arm: the first CPU speaks for all
            return bool(BF16_CPU_FLAGS & set(value.split()))
    return False


def linear_dtype(precision: str) -> torch.dtype:
    """The dtype for the linear layers: 'auto' (or RAG_EMBED_PRECISION when set) picks bfloat16 only where the
    CPU computes it natively."""
    if precision == "auto":
        precision = os.environ.get("RAG_EMBED_PRECISION", "auto")
    if precision == "auto":
        precision = "bfloat16" if cpu_has_bfloat16() else "float32"
    if precision not in ("float32", "bfloat16"):
        raise ModelError(f"embedding precision must be auto, float32 or bfloat16, not {precision!r}: "
                         "fix RAG_EMBED_PRECISION")
    return getattr(torch, precision)


class MiniLMRuntime:
    def __init__(self, folder: Path, max_length: int, precision: str = "auto") -> None:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        self.layers, self.heads = config["num_hidden_layers"], config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.dtype = linear_dtype(precision)
        self.w = {k.removeprefix("bert."): v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}
        layers = [k.removesuffix(".weight") for k, v in self.w.items() if v.dim() == 2 and k.startswith("encoder.")]
        self.linear = {name: (self.w.pop(f"{name}.weight").to(self.dtype), self.w.pop(f"{name}.bias").to(self.dtype))
                       for name in layers}  # layer name -> (weight, bias) in self.dtype
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_length)
        self.tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0))

    def _norm(self, x, name):
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def _dense(self, x, name):
        weight, bias = self.linear[name]
        return F.linear(x.to(self.dtype), weight, bias).float()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, unit-length sentence vectors."""
        encodings = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings])
        types = torch.tensor([e.type_ids for e in encodings])
        mask = torch.tensor([e.attention_mask for e in encodings])
        with torch.inference_mode():
            hidden = self._encode(ids, types, mask)
            weights = mask.unsqueeze(-1).float()
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return F.normalize(pooled, p=2, dim=1).numpy().astype(np.float32)

    def _encode(self, ids, types, mask):
        w = self.w
        positions = torch.arange(ids.shape[1])
        x = (F.embedding(ids, w["embeddings.word_embeddings.weight"])
             + F.embedding(positions, w["embeddings.position_embeddings.weight"])[None]
             + F.embedding(types, w["embeddings.token_type_embeddings.weight"]))
        x = self._norm(x, "embeddings.LayerNorm")
        batch, length, width = x.shape
        head_dim = width // self.heads
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(t):
                return t.view(batch, length, self.heads, head_dim).transpose(1, 2)

            q = split(self._dense(x, p + "attention.self.query"))
            k = split(self._dense(x, p + "attention.self.key"))
            v = split(self._dense(x, p + "attention.self.value"))
            attention = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
            attention = attention.transpose(1, 2).reshape(batch, length, width)
            x = self._norm(x + self._dense(attention, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            inner = F.gelu(self._dense(x, p + "intermediate.dense"))
            x = self._norm(x + self._dense(inner, p + "output.dense"), p + "output.LayerNorm")
        return x
