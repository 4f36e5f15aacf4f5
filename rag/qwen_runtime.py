"""A small pure-torch runtime for the converted Qwen2 model: the same weights and arithmetic as
transformers' Qwen2ForCausalLM (RMSNorm, rotary attention with grouped KV heads, SwiGLU), greedy decoding
with a KV cache, and the `tokenizers` library for text. It skips importing transformers (about 2 s)."""

from __future__ import annotations

import json
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

    def _forward(self, ids: torch.Tensor, cache: list, start: int) -> torch.Tensor:
        w = self.w
        x = F.embedding(ids, w["model.embed_tokens.weight"])
        length = ids.shape[1]
        positions = torch.arange(start, start + length, dtype=torch.float32)
        freqs = torch.outer(positions, self.inv_freq)
        angles = torch.cat((freqs, freqs), dim=-1)
        cos, sin = angles.cos().to(x.dtype)[None, None], angles.sin().to(x.dtype)[None, None]
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = self._norm(x, w[p + "input_layernorm.weight"])
            q = F.linear(h, w[p + "self_attn.q_proj.weight"], w[p + "self_attn.q_proj.bias"])
            k = F.linear(h, w[p + "self_attn.k_proj.weight"], w[p + "self_attn.k_proj.bias"])
            v = F.linear(h, w[p + "self_attn.v_proj.weight"], w[p + "self_attn.v_proj.bias"])
            q = q.view(1, length, self.heads, self.head_dim).transpose(1, 2)
            k = k.view(1, length, self.kv_heads, self.head_dim).transpose(1, 2)
            v = v.view(1, length, self.kv_heads, self.head_dim).transpose(1, 2)
            q, k = self._rotate(q, cos, sin), self._rotate(k, cos, sin)
            if len(cache) > i:
                k = torch.cat((cache[i][0], k), dim=2)
                v = torch.cat((cache[i][1], v), dim=2)
                cache[i] = (k, v)
            else:
                cache.append((k, v))
            groups = self.heads // self.kv_heads
            attention = F.scaled_dot_product_attention(q, k.repeat_interleave(groups, dim=1),
                                                       v.repeat_interleave(groups, dim=1), is_causal=length > 1)
            attention = attention.transpose(1, 2).reshape(1, length, self.heads * self.head_dim)
            x = x + F.linear(attention, w[p + "self_attn.o_proj.weight"])
            h = self._norm(x, w[p + "post_attention_layernorm.weight"])
            gated = F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"])) * F.linear(h, w[p + "mlp.up_proj.weight"])
            x = x + F.linear(gated, w[p + "mlp.down_proj.weight"])
        x = self._norm(x[:, -1:], w["model.norm.weight"])
        return F.linear(x, w["lm_head.weight"])[0, -1]

    def generate(self, messages: list[dict], max_new_tokens: int,
                 on_token: Callable[[list[int]], bool] | None = None) -> list[int]:
        """Greedy tokens after the prompt; on_token sees the tokens so far and returns True to stop."""
        ids = self.tokenizer.encode(self.chat_prompt(messages), add_special_tokens=False).ids
        cache: list = []
        produced: list[int] = []
        with torch.inference_mode():
            logits = self._forward(torch.tensor([ids]), cache, 0)
            position = len(ids)
            for _ in range(max_new_tokens):
                token = int(logits.argmax())
                if token in self.eos:
                    break
                produced.append(token)
                if on_token and on_token(produced):
                    break
                logits = self._forward(torch.tensor([[token]]), cache, position)
                position += 1
        return produced

    def choose(self, messages: list[dict], options: list[str], on_token: Callable[[list[int]], bool] | None = None,
               scored_only: int = 0) -> tuple[int, float, list[float]]:
        """Constrained greedy decoding: the reply may only be one of `options`, each followed by the end of
        the turn; the last `scored_only` options are scored at the first step but never chosen. Returns the
        chosen option, the log-probability of its path (full-vocabulary softmax at every step), and each
        option's first-step log-probability (the mass of its first token)."""
        ids = self.tokenizer.encode(self.chat_prompt(messages), add_special_tokens=False).ids
        end = self.tokenizer.token_to_id("<|im_end|>")
        paths = [self.tokenizer.encode(option, add_special_tokens=False).ids + [end] for option in options]
        cache: list = []
        with torch.inference_mode():
            logprobs = torch.log_softmax(self._forward(torch.tensor([ids]), cache, 0).float(), -1)
            first = [float(logprobs[path[0]]) for path in paths]
            alive, produced, total, position = list(range(len(paths) - scored_only)), [], 0.0, len(ids)
            while True:
                step = len(produced)
                allowed = {paths[i][step] for i in alive}
                token = max(allowed, key=lambda t: float(logprobs[t]))
                total += float(logprobs[token])
                alive = [i for i in alive if paths[i][step] == token]
                if token == end:
                    return alive[0], total, first
                produced.append(token)
                if on_token:
                    on_token(produced)
                logprobs = torch.log_softmax(self._forward(torch.tensor([[token]]), cache, position).float(), -1)
                position += 1

    def decode(self, tokens: list[int]) -> str:
        return self.tokenizer.decode(tokens, skip_special_tokens=True)
