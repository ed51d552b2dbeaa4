#!/usr/bin/python3
"""Yardstick: time diffusers' UNet2DConditionModel forward (re-implemented in sd_unet.py) in PyTorch.

Prints one JSON object on stdout (progress goes to stderr). Used by `diffusion bench unet` as the
side-by-side reference, and by the same-weights equivalence check:

  unet_bench.py --config sd15-unet.json --batch 2 --size 64 --iters 3 --attention default,sliced
  unet_bench.py --config tiny.json --weights w.safetensors --inputs in.safetensors --save-output out.safetensors   (keys output_default, output_sliced)

Timing is wall time of one forward under torch.no_grad(), after --warmup untimed forwards, with the
same random inputs every iteration. Weights are PyTorch's default init (what diffusers gets when it
builds the model from a config) unless --weights loads a safetensors state dict.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import sd_unet  # noqa: E402

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def peak_rss_mb():
    """VmHWM (peak resident set size) of this process from /proc/self/status, in MiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def log(message):
    print(message, file=sys.stderr, flush=True)


def set_attention_mode(model, mode):
    for module in model.modules():
        if isinstance(module, sd_unet.Attention):
            module.mode = mode


def make_inputs(cfg, batch, size, seq, dtype, seed, device):
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn(batch, cfg["in_channels"], size, size, generator=g)
    context = torch.randn(batch, seq, cfg["cross_attention_dim"], generator=g)
    timesteps = torch.full((batch,), 500, dtype=torch.int64)
    return sample.to(device, dtype), timesteps.to(device), context.to(device, dtype)


def time_forward(model, inputs, warmup, iters, device):
    sample, timesteps, context = inputs
    times = []
    with torch.no_grad():
        for i in range(warmup + iters):
            start = time.perf_counter()
            out = model(sample, timesteps, context)
            if device.type == "cuda":
                torch.cuda.synchronize()
            elapsed = (time.perf_counter() - start) * 1000.0
            log(f"  {'warm-up' if i < warmup else 'iter'} {i}: {elapsed:.1f} ms")
            if i >= warmup:
                times.append(elapsed)
    return times, out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="diffusers UNet config.json")
    parser.add_argument("--attention", default="default,sliced", help="comma list of default|sliced")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--size", type=int, default=64, help="latent height and width")
    parser.add_argument("--seq", type=int, default=77, help="text tokens in encoder_hidden_states")
    parser.add_argument("--iters", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave the default)")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default="f32")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weights", help="load this safetensors state dict instead of random init")
    parser.add_argument("--inputs", help="safetensors with sample, timesteps, encoder_hidden_states")
    parser.add_argument("--save-weights", help="write the model's state dict (fp32) here")
    parser.add_argument("--save-output", help="write each mode's last output here as output_<mode>")
    args = parser.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    modes = [m.strip() for m in args.attention.split(",") if m.strip()]
    device = torch.device(args.device)
    dtype = DTYPES[args.dtype]
    with open(args.config) as f:
        cfg = json.load(f)

    torch.manual_seed(args.seed)
    start = time.perf_counter()
    model = sd_unet.UNet2DConditionModel(cfg, modes[0]).eval()
    if args.weights:
        model.load_state_dict(safetensors_io.load(args.weights), strict=True)
    if args.save_weights:
        safetensors_io.save(args.save_weights, model.state_dict())
    model = model.to(device=device, dtype=dtype)
    load_ms = (time.perf_counter() - start) * 1000.0
    log(f"yardstick: {sum(p.numel() for p in model.parameters())} parameters, built in {load_ms:.0f} ms")

    if args.inputs:
        t = safetensors_io.load(args.inputs)
        inputs = (t["sample"].to(device, dtype), t["timesteps"].to(device), t["encoder_hidden_states"].to(device, dtype))
    else:
        inputs = make_inputs(cfg, args.batch, args.size, args.seq, dtype, args.seed, device)

    results = []
    outputs = {}
    for mode in modes:
        set_attention_mode(model, mode)
        log(f"yardstick: attention {mode}")
        times, out = time_forward(model, inputs, args.warmup, args.iters, device)
        outputs[f"output_{mode}"] = out.float()
        results.append({
            "name": f"unet-pytorch-{mode}",
            "attention": mode,
            "times_ms": times,
            "median_ms": statistics.median(times) if times else None,
            "min_ms": min(times) if times else None,
            "max_ms": max(times) if times else None,
            "iters": len(times),
            "warmup": args.warmup,
        })
    if args.save_output:
        safetensors_io.save(args.save_output, outputs)

    report = {
        "tool": "pytorch-yardstick",
        "reference": "diffusers 0.27.2 UNet2DConditionModel forward, re-implemented in plain torch (sd_unet.py)",
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_config": torch.__config__.show(),
        "python": platform.python_version(),
        "device": str(device),
        "dtype": args.dtype,
        "batch": inputs[0].shape[0],
        "latent_size": [inputs[0].shape[2], inputs[0].shape[3]],
        "parameters": sum(p.numel() for p in model.parameters()),
        "build_ms": load_ms,
        "results": results,
        "peak_rss_mb": peak_rss_mb(),
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
