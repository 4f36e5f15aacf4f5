"""A small pure-torch runtime for the converted Qwen2 model: the same weights and arithmetic as
transformers' Qwen2ForCausalLM (RMSNorm, rotary attention with grouped KV heads, SwiGLU), greedy decoding
with a KV cache, and the `tokenizers` library for text. It skips importing transformers (about 2 s)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F


class QwenRuntime:
    def __init__(self, folder: Path, dtype=torch.bfloat16) -> None:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        self.layers = config["num_hidden_layers"]
        self.heads, self.kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
        self.head_dim = config["hidden_size"] // self.heads
        self.eps = config["rms_norm_eps"]
        theta = (config.get("rope_parameters") or {}).get("rope_theta") or config.get("rope_theta", 10000.0)
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim))
        self.w = {name: tensor.to(dtype) for name, tensor in load_file(str(folder / "model.safetensors")).items()}
        if "lm_head.weight" not in self.w:
            self.w["lm_head.weight"] = self.w["model.embed_tokens.weight"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._prefix_cache: tuple[list[int], list] | None = None
        generation = json.loads((folder / "generation_config.json").read_text())
        eos = generation.get("eos_token_id", config.get("eos_token_id"))
        self.eos = set(eos if isinstance(eos, list) else [eos]) | {self.tokenizer.token_to_id("<|im_end|>"),
                                                                 self.tokenizer.token_to_id("<|endoftext|>")}

    @staticmethod
    def chat_prompt(messages: list[dict]) -> str:
        """Qwen's chat template for plain system/user messages, ending where the assistant speaks."""
        if not messages or messages[0]["role"] != "system":
            messages = [{"role": "system", "content": "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."}] + messages
        return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages) + "<|im_start|>assistant\n"

    def _norm(self, x, weight):
        variance = x.float().pow(2).mean(-1, keepdim=True)
        return (x.float() * torch.rsqrt(variance + self.eps)).to(x.dtype) * weight

    def _rotate(self, x, cos, sin):
        half = x.shape[-1] // 2
        rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return x * cos + rotated * sin

    def _forward(self, ids: torch.Tensor, cache: list, start: int | torch.Tensor,
                 mask: torch.Tensor | None = None, every_position: bool = False) -> torch.Tensor:
        """Logits at the last position of each row [rows, vocab] (every_position: [rows, length, vocab]). `start`
        is the first position (or a [rows, length] tensor of positions); `mask` [rows, 1, length, cached + length]
        says which keys each query may see (None: causal after what is cached, nothing padded)."""
        w = self.w
        x = F.embedding(ids, w["model.embed_tokens.weight"])
        rows, length = ids.shape
        if mask is None and cache and length > 1:  # SDPA's own causal mask would align the block to the cache's start
            mask = _block_mask(torch.ones(rows, cache[0][0].shape[2] + length, dtype=torch.bool), length)
        if isinstance(start, torch.Tensor):
            positions = start.to(torch.float32)
        else:
            positions = torch.arange(start, start + length, dtype=torch.float32)[None].expand(rows, length)
        freqs = positions[..., None] * self.inv_freq
        angles = torch.cat((freqs, freqs), dim=-1)
        cos, sin = angles.cos().to(x.dtype)[:, None], angles.sin().to(x.dtype)[:, None]
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = self._norm(x, w[p + "input_layernorm.weight"])
            q = F.linear(h, w[p + "self_attn.q_proj.weight"], w[p + "self_attn.q_proj.bias"])
            k = F.linear(h, w[p + "self_attn.k_proj.weight"], w[p + "self_attn.k_proj.bias"])
            v = F.linear(h, w[p + "self_attn.v_proj.weight"], w[p + "self_attn.v_proj.bias"])
            q = q.view(rows, length, self.heads, self.head_dim).transpose(1, 2)
            k = k.view(rows, length, self.kv_heads, self.head_dim).transpose(1, 2)
            v = v.view(rows, length, self.kv_heads, self.head_dim).transpose(1, 2)
            q, k = self._rotate(q, cos, sin), self._rotate(k, cos, sin)
            if len(cache) > i:
                k = torch.cat((cache[i][0], k), dim=2)
                v = torch.cat((cache[i][1], v), dim=2)
                cache[i] = (k, v)
            else:
                cache.append((k, v))
            groups = self.heads // self.kv_heads
            attention = F.scaled_dot_product_attention(
                q, k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1),
                attn_mask=mask, is_causal=mask is None and length > 1)
            attention = attention.transpose(1, 2).reshape(rows, length, self.heads * self.head_dim)
            x = x + F.linear(attention, w[p + "self_attn.o_proj.weight"])
            h = self._norm(x, w[p + "post_attention_layernorm.weight"])
            gated = F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"])) * F.linear(h, w[p + "mlp.up_proj.weight"])
            x = x + F.linear(gated, w[p + "mlp.down_proj.weight"])
        x = self._norm(x if every_position else x[:, -1:], w["model.norm.weight"])
        logits = F.linear(x, w["lm_head.weight"])
        return logits if every_position else logits[:, -1]

    def generate(self, messages: list[dict], max_new_tokens: int,
                 on_token: Callable[[list[int]], bool] | None = None) -> list[int]:
        """Greedy tokens after the prompt; on_token sees the tokens so far and returns True to stop."""
        ids = self.tokenizer.encode(self.chat_prompt(messages), add_special_tokens=False).ids
        cache: list = []
        produced: list[int] = []
        with torch.inference_mode():
            logits = self._forward(torch.tensor([ids]), cache, 0)[0]
            position = len(ids)
            for _ in range(max_new_tokens):
                token = int(logits.argmax())
                if token in self.eos:
                    break
                produced.append(token)
                if on_token and on_token(produced):
                    break
                logits = self._forward(torch.tensor([[token]]), cache, position)[0]
                position += 1
        return produced

    def generate_many(self, conversations: list[list[dict]], max_new_tokens: int,
                      stop: Callable[[int, list[int]], bool] | None = None, draft: int = 0) -> list[list[int]]:
        """Greedy replies to several conversations, decoded side by side in one batch. The prompts' shared start
        (the instructions) is computed once; the rest is left-padded and masked; a row leaves the batch when it
        ends. `stop(row, tokens)` returns True to end that row early.

        With `draft` > 0, each step also proposes up to that many tokens copied from the row's own prompt where
        its last tokens occur there (prompt-lookup decoding) and checks them in the same forward pass: the reply
        is still exactly the greedy one, in fewer passes when the reply copies its prompt (shortening does)."""
        prompts = [self.tokenizer.encode(self.chat_prompt(m), add_special_tokens=False).ids for m in conversations]
        if not prompts:
            return []
        shared = self._shared_instructions(conversations, prompts)
        suffixes = [p[shared:] for p in prompts]
        width = max(len(s) for s in suffixes)
        pads = torch.tensor([width - len(s) for s in suffixes])
        rows = len(prompts)
        produced: list[list[int]] = [[] for _ in prompts]
        with torch.inference_mode():
            cache = [(k.expand(rows, -1, -1, -1), v.expand(rows, -1, -1, -1)) for k, v in self._prefix(prompts[0][:shared])]
            ids = torch.tensor([[0] * (width - len(s)) + s for s in suffixes])
            steps = torch.arange(width)[None]
            keys = torch.cat((torch.ones(rows, shared, dtype=torch.bool), steps >= pads[:, None]), dim=1)
            positions = shared + (steps - pads[:, None]).clamp(min=0)
            logits = self._forward(ids, cache, positions, _block_mask(keys, width))
            active, following = list(range(rows)), logits.argmax(-1).tolist()
            next_position = torch.tensor([len(p) for p in prompts])
            while True:
                keep, blocks = [], []
                for slot, row in enumerate(active):
                    if self._take(produced[row], following[slot], row, stop, max_new_tokens):
                        keep.append(slot)
                        blocks.append([following[slot]] + _lookup(prompts[row], produced[row], draft))
                if not keep:
                    break
                index, active = torch.tensor(keep), [active[slot] for slot in keep]
                cache = [(k.index_select(0, index), v.index_select(0, index)) for k, v in cache]
                length = max(len(b) for b in blocks)
                block = torch.tensor([b + [0] * (length - len(b)) for b in blocks])
                keys = torch.cat((keys.index_select(0, index), torch.ones(len(keep), length, dtype=torch.bool)), dim=1)
                positions = next_position[active][:, None] + torch.arange(length)[None]
                greedy = self._forward(block, cache, positions, _block_mask(keys, length),
                                       every_position=True).argmax(-1).tolist()
                following = []
                for slot, (row, proposed) in enumerate(zip(active, blocks)):
                    accepted = 0  # drafted tokens that greedy decoding would have produced itself
                    while (accepted + 1 < len(proposed) and proposed[accepted + 1] == greedy[slot][accepted]
                           and self._take(produced[row], proposed[accepted + 1], row, stop, max_new_tokens)):
                        accepted += 1
                    keys[slot, keys.shape[1] - length + accepted + 1:] = False  # rejected drafts are never seen
                    next_position[row] += accepted + 1
                    following.append(greedy[slot][accepted] if len(produced[row]) < max_new_tokens else None)
        return produced

    def _shared_instructions(self, conversations: list[list[dict]], prompts: list[list[int]]) -> int:
        """How many prompt tokens all conversations share: their common system message, if any."""
        first = conversations[0][0] if conversations[0] and conversations[0][0]["role"] == "system" else None
        if first is None or any(not c or c[0] != first for c in conversations):
            return 0
        tokens = self.tokenizer.encode(self.chat_prompt([first, {"role": "user", "content": ""}]),
                                       add_special_tokens=False).ids
        system = tokens[:_common_prefix([tokens, prompts[0]])]
        shared = len(system) if all(p[:len(system)] == system for p in prompts) else 0
        return min(shared, min(len(p) for p in prompts) - 1)

    def _prefix(self, tokens: list[int]) -> list:
        """The KV cache of a prompt start, kept from the last call when it is the same (the same instructions)."""
        if not tokens:
            return []
        if self._prefix_cache is None or self._prefix_cache[0] != tokens:
            cache: list = []
            self._forward(torch.tensor([tokens]), cache, 0)
            self._prefix_cache = (list(tokens), cache)
        return self._prefix_cache[1]

    def _take(self, tokens: list[int], token: int | None, row: int, stop, limit: int) -> bool:
        """Append the token to a row's reply; False when the row has ended (end of turn, stop, or length)."""
        if token is None or token in self.eos or len(tokens) >= limit:
            return False
        tokens.append(token)
        return not (stop and stop(row, tokens)) and len(tokens) < limit

    def choose(self, messages: list[dict], options: list[str], on_token: Callable[[list[int]], bool] | None = None,
               scored_only: int = 0, prior: list[float] | None = None) -> tuple[int, list[float]]:
        """Constrained greedy decoding: the reply may only be one of `options`, each followed by the end of
        the turn; the last `scored_only` options are scored at the first step but never chosen. `prior` (one
        log-weight per choosable option) is added at each step to a token's log-probability, taking the best
        prior among the options that token continues. Returns the chosen option and each option's first-step
        log-probability (the mass of its first token, without the prior).

        The model is run only where the options still alive part ways: the instructions' KV cache is kept
        from the last call, tokens that every alive option shares are fed in one block, and once one option is
        left it is the reply without another pass. The choice is the one step-by-step decoding makes."""
        ids = self.tokenizer.encode(self.chat_prompt(messages), add_special_tokens=False).ids
        end = self.tokenizer.token_to_id("<|im_end|>")
        paths = [self.tokenizer.encode(option, add_special_tokens=False).ids + [end] for option in options]
        with torch.inference_mode():
            shared = self._shared_instructions([messages], [ids])
            cache = list(self._prefix(ids[:shared]))
            logprobs = torch.log_softmax(self._forward(torch.tensor([ids[shared:]]), cache, shared)[0].float(), -1)
            first = [float(logprobs[path[0]]) for path in paths]
            alive, step, position = list(range(len(paths) - scored_only)), 0, len(ids)
            weights = prior or [0.0] * len(alive)
            while True:
                boost = {}
                for i in alive:
                    boost[paths[i][step]] = max(boost.get(paths[i][step], -math.inf), weights[i])
                token = max(boost, key=lambda t: float(logprobs[t]) + boost[t])
                alive = [i for i in alive if paths[i][step] == token]
                reply = paths[alive[0]]
                forced = _common_prefix([paths[i][step + 1:] for i in alive])  # tokens leaving no choice
                if token == end or step + 1 + forced >= len(reply):  # one option left (or all alike): settled
                    if on_token and token != end:
                        on_token(reply[:-1])
                    return alive[0], first
                block = reply[step:step + 1 + forced]
                if on_token:
                    on_token(reply[:step + len(block)])
                logprobs = torch.log_softmax(self._forward(torch.tensor([block]), cache, position)[0].float(), -1)
                position, step = position + len(block), step + len(block)

    def decode(self, tokens: list[int]) -> str:
        return self.tokenizer.decode(tokens, skip_special_tokens=True)


def _common_prefix(sequences: list[list[int]]) -> int:
    shortest = min(len(s) for s in sequences)
    for i in range(shortest):
        if any(s[i] != sequences[0][i] for s in sequences):
            return i
    return shortest


def _block_mask(keys: torch.Tensor, length: int) -> torch.Tensor:
    """[rows, 1, length, keys] attention mask for a block of `length` new tokens at the end of `keys` (which
    marks padding and rejected drafts False): causal inside the block; each token always sees itself, so a
    padding row never has an empty softmax."""
    total = keys.shape[1]
    causal = torch.ones(length, total, dtype=torch.bool).tril(total - length)
    itself = torch.zeros(length, total, dtype=torch.bool)
    itself[:, total - length:] = torch.eye(length, dtype=torch.bool)
    return ((causal[None] & keys[:, None]) | itself[None])[:, None]


def _lookup(source: list[int], reply: list[int], count: int, ngram: int = 2) -> list[int]:
    """Up to `count` tokens that follow the latest place in `source` where the reply's last tokens occur."""
    for size in range(min(ngram, len(reply)), 0, -1):
        tail = reply[-size:]
        for i in range(len(source) - size, -1, -1):
            if source[i:i + size] == tail:
                return source[i + size:i + size + count]
    return []
