"""A small pure-torch BERT encoder for the packaged MiniLM: the same weights and arithmetic as transformers'
BertModel (absolute positions, post-LayerNorm blocks, exact GELU), with the `tokenizers` library for text.
Used with mean pooling and normalisation, it gives the sentence-transformers vectors without importing
transformers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


class MiniLMRuntime:
    def __init__(self, folder: Path, max_length: int) -> None:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        self.layers, self.heads = config["num_hidden_layers"], config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.w = {k.removeprefix("bert."): v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_length)
        self.tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0))

    def _norm(self, x, name):
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def _dense(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

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
