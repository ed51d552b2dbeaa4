#!/usr/bin/env python3
"""PyTorch side of the op benchmark: reads the cases (JSON) on stdin, prints timings (JSON) on stdout.

Each case is timed exactly like Diffusion.Torch.Benchmarks times ours: random inputs, `warmup`
untimed calls, then `iters` calls each timed with perf_counter. Attention follows diffusers:
"math" = AttnProcessor.get_attention_scores (baddbmm on an empty tensor with beta=0, softmax) then
bmm; "sliced" = SlicedAttnProcessor (the same on `slice_size` batch*head rows at a time).
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def measure(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples


def attention_scores(q, k, scale):
    # diffusers Attention.get_attention_scores without a mask.
    empty = torch.empty(q.shape[0], q.shape[1], k.shape[1], dtype=q.dtype, device=q.device)
    scores = torch.baddbmm(empty, q, k.transpose(-1, -2), beta=0, alpha=scale)
    return scores.softmax(dim=-1)


def make(case, dtype):
    torch.manual_seed(0)
    a = torch.randn(case["a"]).to(dtype)
    b = torch.randn(case["b"]).to(dtype)
    kind = case["kind"]
    if kind == "Conv2d":
        bias = torch.randn(case["b"][0]).to(dtype)
        return lambda: F.conv2d(a, b, bias, padding=case["padding"])
    if kind == "MatMul":
        return lambda: torch.matmul(a, b)
    if kind == "Attention":
        v = torch.randn(case["b"]).to(dtype)
        batch, heads, lq, d = case["a"]
        lk = case["b"][2]
        scale = d ** -0.5
        # diffusers works on [B*H, L, d] (head_to_batch_dim).
        q3, k3, v3 = a.reshape(batch * heads, lq, d), b.reshape(batch * heads, lk, d), v.reshape(batch * heads, lk, d)
        if case["variant"] == "math":
            return lambda: torch.bmm(attention_scores(q3, k3, scale), v3)
        if case["variant"] == "sliced":
            size = case["slice_size"]

            def sliced():
                out = torch.zeros(batch * heads, lq, d, dtype=q3.dtype)
                for i in range(0, batch * heads, size):
                    probs = attention_scores(q3[i:i + size], k3[i:i + size], scale)
                    out[i:i + size] = torch.bmm(probs, v3[i:i + size])
                return out
            return sliced
        raise ValueError("unknown torch attention variant " + case["variant"])
    raise ValueError("unknown kind " + kind)


def main():
    spec = json.load(sys.stdin)
    torch.set_num_threads(spec["threads"])
    dtype = torch.bfloat16 if spec.get("dtype") == "bf16" else torch.float32
    results = {}
    with torch.no_grad():
        for case in spec["cases"]:
            results[case["name"]] = measure(make(case, dtype), spec["warmup"], spec["iters"])
    json.dump({"torch_version": torch.__version__, "threads": torch.get_num_threads(), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
