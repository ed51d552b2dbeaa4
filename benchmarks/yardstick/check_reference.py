#!/usr/bin/python3
"""Checks sd_unet.py against diffusers 0.27.2's own output on the tiny golden model.

Reads the shared golden data (tiny_sd/unet weights and unet.safetensors, written by diffusers
0.27.2) and runs both attention modes; exits 1 when any output differs by more than 1e-4.

  check_reference.py [REFERENCE_DIR]   (default: ../shared/reference next to the repository)
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402
import sd_unet  # noqa: E402

TOLERANCE = 1e-4


def main():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ref = sys.argv[1] if len(sys.argv) > 1 else os.path.join(repo, "..", "shared", "reference")
    with open(os.path.join(ref, "tiny_sd", "unet", "config.json")) as f:
        cfg = json.load(f)
    weights = safetensors_io.load(os.path.join(ref, "tiny_sd", "unet", "diffusion_pytorch_model.safetensors"))
    golden = safetensors_io.load(os.path.join(ref, "unet.safetensors"))
    cases = [
        ("out_timesteps", golden["timesteps"]),
        ("out_scalar_timestep", 250),
        ("out_float_timestep", torch.tensor(854.25)),
    ]
    worst = 0.0
    for mode in ("default", "sliced"):
        model = sd_unet.UNet2DConditionModel(cfg, mode).eval()
        model.load_state_dict(weights, strict=True)
        with torch.no_grad():
            for key, timestep in cases:
                out = model(golden["sample"], timestep, golden["encoder_hidden_states"])
                diff = (out - golden[key]).abs().max().item()
                worst = max(worst, diff)
                print(f"{mode:8s} {key:22s} max |diff| = {diff:.3g}")
    print(json.dumps({"max_abs_diff": worst, "tolerance": TOLERANCE, "ok": worst <= TOLERANCE}))
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
