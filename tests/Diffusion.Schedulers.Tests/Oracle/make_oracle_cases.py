#!/usr/bin/env python3
"""Regenerates tests/Diffusion.Schedulers.Tests/Oracle/reference/schedulers: extra scheduler cases in the format of
reference/schedulers (README "schedulers/<case>.safetensors"), for configurations the shared golden set
does not cover (v_prediction, trailing/linspace spacing, Karras/Lu sigmas, zero-terminal-SNR betas,
SDE and third-order DPM-Solver, UniPC variants, PNDM with PRK warm-up, DDPM variance types...).

The numbers come from diffusers 0.27.2's own scheduler classes, run unmodified under torch/numpy with
a minimal stand-in for diffusers' config/output plumbing (ConfigMixin, BaseOutput, randn_tensor). The
scheduler sources are read with `git show v0.27.2:...` from a diffusers clone and loaded from a
temporary directory; nothing of diffusers is copied into this repository.

    /usr/bin/python3 make_oracle_cases.py --diffusers-git /path/to/diffusers [--out cases]

Needs python3-torch (1.13, Debian) and python3-numpy (1.24), the versions that produced the shared
reference data (reference/manifest.json), so the cases are bit-comparable with it.
"""
import argparse
import inspect
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

TAG = "v0.27.2"
MODULES = ["ddpm", "ddim", "pndm", "lms_discrete", "euler_discrete", "euler_ancestral_discrete",
           "heun_discrete", "dpmsolver_multistep", "unipc_multistep"]

# Stand-ins for the parts of the diffusers package the scheduler modules import.
STUBS = {
    "__init__.py": "",
    "schedulers/__init__.py": "",
    "configuration_utils.py": '''
import functools, inspect
class _Config(dict):
    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key)
class ConfigMixin:
    def register_to_config(self, **kwargs):
        if not hasattr(self, "_internal_dict"):
            self._internal_dict = _Config()
        self._internal_dict.update(kwargs)
    @property
    def config(self):
        return self._internal_dict
def register_to_config(init):
    @functools.wraps(init)
    def inner(self, *args, **kwargs):
        params = {k: v.default for k, v in inspect.signature(init).parameters.items() if k != "self"}
        names = list(params)
        for i, a in enumerate(args):
            params[names[i]] = a
        params.update(kwargs)
        ConfigMixin.register_to_config(self, **params)
        init(self, *args, **kwargs)
    return inner
''',
    "utils/__init__.py": '''
import logging as _logging
class BaseOutput:
    pass
class logging:
    @staticmethod
    def get_logger(name):
        return _logging.getLogger(name)
def deprecate(*args, **kwargs):
    pass
''',
    "utils/torch_utils.py": '''
import torch
DRAWS = []
def randn_tensor(shape, generator=None, device=None, dtype=None, layout=None):
    t = torch.randn(shape, generator=generator, dtype=dtype)
    DRAWS.append(t.clone())
    return t
''',
    "schedulers/scheduling_utils.py": '''
from dataclasses import dataclass
from enum import Enum
import torch
from ..utils import BaseOutput
class KarrasDiffusionSchedulers(Enum):
    DDIMScheduler = 1
    DDPMScheduler = 2
    PNDMScheduler = 3
    LMSDiscreteScheduler = 4
    EulerDiscreteScheduler = 5
    HeunDiscreteScheduler = 6
    EulerAncestralDiscreteScheduler = 7
    DPMSolverMultistepScheduler = 8
    UniPCMultistepScheduler = 13
@dataclass
class SchedulerOutput(BaseOutput):
    prev_sample: torch.FloatTensor
class SchedulerMixin:
    pass
''',
}

# Stable Diffusion 1.x's scheduler_config.json, the base every case is derived from (as in index.json).
BASE_CONFIG = {
    "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
    "trained_betas": None, "skip_prk_steps": True, "set_alpha_to_one": False, "prediction_type": "epsilon",
    "timestep_spacing": "leading", "steps_offset": 1, "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.27.2", "clip_sample": False,
}

V_TRAILING = {"prediction_type": "v_prediction", "timestep_spacing": "trailing"}
ZERO_SNR = {"prediction_type": "v_prediction", "timestep_spacing": "trailing", "rescale_betas_zero_snr": True}

# name: (class, overrides, step kwargs)
CASES = {
    "ddpm_v_zero_snr_trailing": ("DDPMScheduler", ZERO_SNR, {}),
    "ddpm_fixed_small_log_linspace_clip": ("DDPMScheduler", {"variance_type": "fixed_small_log", "timestep_spacing": "linspace", "clip_sample": True}, {}),
    "ddpm_fixed_large_sample_linear": ("DDPMScheduler", {"variance_type": "fixed_large", "prediction_type": "sample", "beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02}, {}),
    "ddim_v_zero_snr_trailing": ("DDIMScheduler", ZERO_SNR, {"eta": 0.0}),
    "ddim_eta05_sample_linspace_clip": ("DDIMScheduler", {"prediction_type": "sample", "timestep_spacing": "linspace", "clip_sample": True, "set_alpha_to_one": True}, {"eta": 0.5}),
    "ddim_cosine_v": ("DDIMScheduler", {"beta_schedule": "squaredcos_cap_v2", "prediction_type": "v_prediction"}, {"eta": 0.0}),
    "pndm_prk": ("PNDMScheduler", {"skip_prk_steps": False}, {}),
    "pndm_v_trailing": ("PNDMScheduler", V_TRAILING, {}),
    "pndm_linspace": ("PNDMScheduler", {"timestep_spacing": "linspace"}, {}),
    "lms_v_trailing": ("LMSDiscreteScheduler", V_TRAILING, {}),
    "lms_karras": ("LMSDiscreteScheduler", {"use_karras_sigmas": True}, {}),
    "lms_sample_linspace": ("LMSDiscreteScheduler", {"prediction_type": "sample", "timestep_spacing": "linspace"}, {}),
    "euler_v_trailing": ("EulerDiscreteScheduler", V_TRAILING, {}),
    "euler_karras": ("EulerDiscreteScheduler", {"use_karras_sigmas": True}, {}),
    "euler_karras_sigma_bounds": ("EulerDiscreteScheduler", {"use_karras_sigmas": True, "sigma_min": 0.1, "sigma_max": 10.0}, {}),
    "euler_churn": ("EulerDiscreteScheduler", {}, {"s_churn": 1.0, "s_tmin": 0.5, "s_tmax": 6.0, "s_noise": 1.003}),
    "euler_v_zero_snr_trailing": ("EulerDiscreteScheduler", ZERO_SNR, {}),
    "euler_continuous_v": ("EulerDiscreteScheduler", {"timestep_type": "continuous", "prediction_type": "v_prediction"}, {}),
    "euler_sample_linear": ("EulerDiscreteScheduler", {"prediction_type": "sample", "beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02}, {}),
    "euler_ancestral_v_trailing": ("EulerAncestralDiscreteScheduler", V_TRAILING, {}),
    "euler_ancestral_linspace": ("EulerAncestralDiscreteScheduler", {"timestep_spacing": "linspace"}, {}),
    "heun_v_trailing": ("HeunDiscreteScheduler", V_TRAILING, {}),
    "heun_karras": ("HeunDiscreteScheduler", {"use_karras_sigmas": True}, {}),
    "heun_sample_clip_linspace": ("HeunDiscreteScheduler", {"prediction_type": "sample", "clip_sample": True, "timestep_spacing": "linspace"}, {}),
    "dpmpp_2m_v_trailing": ("DPMSolverMultistepScheduler", V_TRAILING, {}),
    "dpmpp_2m_v_zero_snr": ("DPMSolverMultistepScheduler", ZERO_SNR, {}),
    "dpmpp_2m_sde": ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++"}, {}),
    "dpmpp_2m_sde_karras": ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++", "use_karras_sigmas": True}, {}),
    "dpmpp_2m_sde_heun": ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++", "solver_type": "heun"}, {}),
    "dpmpp_3m": ("DPMSolverMultistepScheduler", {"solver_order": 3}, {}),
    "dpmpp_2m_heun_linspace": ("DPMSolverMultistepScheduler", {"solver_type": "heun", "timestep_spacing": "linspace"}, {}),
    "dpmsolver_3m_sigma_min": ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver", "solver_order": 3, "final_sigmas_type": "sigma_min"}, {}),
    "dpmsolver_2m_heun_sample": ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver", "solver_type": "heun", "final_sigmas_type": "sigma_min", "prediction_type": "sample"}, {}),
    "sde_dpmsolver_sigma_min": ("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver", "final_sigmas_type": "sigma_min"}, {}),
    "dpmpp_2m_lu": ("DPMSolverMultistepScheduler", {"use_lu_lambdas": True}, {}),
    "dpmpp_2m_euler_final_clipped": ("DPMSolverMultistepScheduler", {"euler_at_final": True, "lower_order_final": False, "lambda_min_clipped": -5.1, "timestep_spacing": "linspace"}, {}),
    "dpmpp_2m_sample_sigma_min": ("DPMSolverMultistepScheduler", {"prediction_type": "sample", "final_sigmas_type": "sigma_min", "lower_order_final": False}, {}),
    "unipc_v_trailing": ("UniPCMultistepScheduler", V_TRAILING, {}),
    "unipc_karras": ("UniPCMultistepScheduler", {"use_karras_sigmas": True}, {}),
    "unipc_bh1_order3": ("UniPCMultistepScheduler", {"solver_type": "bh1", "solver_order": 3}, {}),
    "unipc_noise_prediction_linspace": ("UniPCMultistepScheduler", {"predict_x0": False, "timestep_spacing": "linspace"}, {}),
    "unipc_disable_corrector_sample": ("UniPCMultistepScheduler", {"disable_corrector": [0, 3], "prediction_type": "sample"}, {}),
}


def build_package(diffusers_git, root):
    for rel, text in STUBS.items():
        path = os.path.join(root, "diffusers", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    for m in MODULES:
        src = subprocess.check_output(
            ["git", "-C", diffusers_git, "show", f"{TAG}:src/diffusers/schedulers/scheduling_{m}.py"], text=True)
        with open(os.path.join(root, "diffusers", "schedulers", f"scheduling_{m}.py"), "w") as f:
            f.write(src)
    sys.path.insert(0, root)


def scheduler_classes():
    import importlib
    classes = {}
    for m in MODULES:
        mod = importlib.import_module(f"diffusers.schedulers.scheduling_{m}")
        for name, obj in vars(mod).items():
            if isinstance(obj, type) and name.endswith("Scheduler") and obj.__module__ == mod.__name__:
                classes[name] = obj
    return classes


def from_config(cls, base, overrides):
    """diffusers ConfigMixin.from_config/extract_init_dict for a plain dict: returns (init kwargs, config)."""
    keys = [k for k in inspect.signature(cls.__init__).parameters if k != "self"]
    init = {}
    for k in keys:
        if k in overrides:
            init[k] = overrides[k]
        elif k in base:
            init[k] = base[k]
    scheduler = cls(**init)
    config = dict(scheduler.config)
    for k, v in base.items():
        if k not in keys and k != "_diffusers_version":
            config[k] = cls.__name__ if k == "_class_name" else v
    return scheduler, config


def jsonable(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "-inf" if v < 0 else ("inf" if v > 0 else "nan")
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, torch.Tensor):
        return v.tolist()
    return v


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64", torch.float64: "F64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def tolist(ts):
    return [x.item() for x in ts]


def run_case(classes, torch_utils, name, cls_name, overrides, step_kwargs, seed):
    cls = classes[cls_name]
    gen = torch.Generator().manual_seed(seed)
    shape = (1, 4, 2, 2)
    x_init = torch.randn(shape, generator=gen)
    c = torch.randn(shape, generator=gen)
    values, tensors = {}, {}

    s, config = from_config(cls, BASE_CONFIG, overrides)
    values["init_noise_sigma_before_set_timesteps"] = float(s.init_noise_sigma)
    values["order"] = s.order
    tensors["alphas_cumprod"] = s.alphas_cumprod.clone()
    tensors["betas"] = s.betas.clone()
    for n in (10, 25):
        s.set_timesteps(n)
        values[f"timesteps_{n}"] = tolist(s.timesteps)
        values[f"timesteps_{n}_dtype"] = str(s.timesteps.dtype)
        values[f"len_timesteps_{n}"] = len(s.timesteps)
        if hasattr(s, "sigmas") and cls_name not in ("DDPMScheduler", "DDIMScheduler", "PNDMScheduler"):
            values[f"sigmas_{n}"] = tolist(s.sigmas)
        values[f"init_noise_sigma_{n}"] = float(s.init_noise_sigma)

    # Trajectory: closed loop with the deterministic stand-in model.
    s, _ = from_config(cls, BASE_CONFIG, overrides)
    s.set_timesteps(10)
    sample = x_init * s.init_noise_sigma
    tensors["x_init"], tensors["C"], tensors["trajectory.sample_0"] = x_init, c, sample.clone()
    rows = {k: [] for k in ("sample", "model_input", "model_output", "prev_sample")}
    noise_rows, noise_index, ts_used = [], [], []
    for t in s.timesteps:
        model_input = s.scale_model_input(sample, t)
        model_output = 0.9 * model_input + c * (0.1 * float(t) / 1000.0 + 0.05)
        before = len(torch_utils.DRAWS)
        extra = {"generator": gen} if "generator" in inspect.signature(s.step).parameters else {}
        prev = s.step(model_output, t, sample, **extra, **step_kwargs).prev_sample
        drawn = torch_utils.DRAWS[before:]
        assert len(drawn) <= 1
        noise_index.append(len(noise_rows) if drawn else -1)
        noise_rows.extend(drawn)
        for k, v in (("sample", sample), ("model_input", model_input), ("model_output", model_output), ("prev_sample", prev)):
            rows[k].append(v.clone())
        ts_used.append(float(t))
        sample = prev
    for k, v in rows.items():
        tensors[f"trajectory.{k}"] = torch.stack(v)
    tensors["trajectory.final"] = sample.clone()
    if noise_rows:
        tensors["trajectory.noise"] = torch.stack(noise_rows)
    values["trajectory_t"] = ts_used
    values["trajectory_noise_index"] = noise_index

    scaled = []
    fresh, _ = from_config(cls, BASE_CONFIG, overrides)
    fresh.set_timesteps(10)
    for t in fresh.timesteps:
        f, _ = from_config(cls, BASE_CONFIG, overrides)
        f.set_timesteps(10)
        scaled.append(f.scale_model_input(x_init.clone(), t))
    tensors["scale_model_input_x_init"] = torch.stack(scaled)

    f, _ = from_config(cls, BASE_CONFIG, overrides)
    f.set_timesteps(10)
    original = torch.randn((3,) + shape[1:], generator=gen)
    noise = torch.randn((3,) + shape[1:], generator=gen)
    ts = f.timesteps[[0, 4, len(f.timesteps) - 1]]
    tensors["add_noise.original"], tensors["add_noise.noise"], tensors["add_noise.timesteps"] = original, noise, ts.clone()
    tensors["add_noise.noisy"] = f.add_noise(original, noise, ts)

    # StableDiffusionImg2ImgPipeline.get_timesteps(10, 0.6) then add_noise at timesteps[0].
    f, _ = from_config(cls, BASE_CONFIG, overrides)
    f.set_timesteps(10)
    strength = 0.6
    init_timestep = min(int(10 * strength), 10)
    t_start = max(10 - init_timestep, 0)
    img_ts = f.timesteps[t_start * f.order:]
    begin = None
    if hasattr(f, "set_begin_index"):
        f.set_begin_index(t_start * f.order)
        begin = t_start * f.order
    latents = torch.randn(shape, generator=gen)
    noise = torch.randn(shape, generator=gen)
    latent_timestep = img_ts[:1].repeat(1)
    tensors["img2img.image_latents"], tensors["img2img.noise"] = latents, noise
    tensors["img2img.noisy_latents"] = f.add_noise(latents, noise, latent_timestep)
    values.update({"img2img_strength": strength, "img2img_timesteps": tolist(img_ts),
                   "img2img_num_inference_steps": 10 - t_start, "img2img_begin_index": begin,
                   "img2img_latent_timestep": tolist(latent_timestep)})

    meta = {
        "file": f"{name}.safetensors",
        "description": f"{cls_name} oracle case (diffusers 0.27.2 classes, make_oracle_cases.py)",
        "args": {"class": cls_name, "config": {k: jsonable(v) for k, v in config.items()},
                 "overrides": {k: jsonable(v) for k, v in overrides.items()}, "trajectory_steps": 10,
                 "step_kwargs": step_kwargs, "generator_seed": seed},
        "values": values,
        "tensors": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in tensors.items()},
    }
    return meta, tensors


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--diffusers-git", required=True, help="a clone of huggingface/diffusers with tag v0.27.2")
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference", "schedulers"))
    args = p.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        build_package(args.diffusers_git, tmp)
        from diffusers.utils import torch_utils
        classes = scheduler_classes()
        os.makedirs(args.out, exist_ok=True)
        index = {"base_config": BASE_CONFIG, "cases": {}}
        for i, (name, (cls_name, overrides, kwargs)) in enumerate(CASES.items()):
            meta, tensors = run_case(classes, torch_utils, name, cls_name, overrides, kwargs, seed=1000 + i)
            with open(os.path.join(args.out, f"{name}.json"), "w") as f:
                json.dump(meta, f, indent=1)
                f.write("\n")
            write_safetensors(os.path.join(args.out, f"{name}.safetensors"), tensors)
            index["cases"][name] = {"class": cls_name, "file": f"schedulers/{name}.safetensors",
                                    "overrides": {k: jsonable(v) for k, v in overrides.items()}}
        with open(os.path.join(args.out, "index.json"), "w") as f:
            json.dump(index, f, indent=1)
            f.write("\n")
    print(f"wrote {len(CASES)} cases to {args.out}")


if __name__ == "__main__":
    main()
