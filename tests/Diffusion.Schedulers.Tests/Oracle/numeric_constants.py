#!/usr/bin/env python3
"""Prints the reference constants of NumericsTests.cs: torch 1.13 (Debian python3-torch) float32
exp/log/expm1 and torch.linalg.solve, numpy 1.24 float32 log, scipy.integrate.quad LMS weights.
Inputs are chosen where torch/numpy differ from the correctly rounded result, so the tests can only
pass with the ported algorithms.  Run: /usr/bin/python3 numeric_constants.py"""
import math
import numpy as np
import torch
from scipy import integrate

f = np.float32
rng = np.random.RandomState(7)


def hexf(x):
    return "0x%08X" % np.frombuffer(f(x).tobytes(), np.uint32)[0]


def pick(fn, ref, lo, hi, n=8):
    out = []
    while len(out) < n:
        x = f(rng.uniform(lo, hi))
        y = fn(x)
        if y != f(ref(float(x))):
            out.append((x, y))
    return out


for name, fn, ref, lo, hi in [
    ("Exp", lambda x: torch.exp(torch.tensor(x)).item(), math.exp, -8, 8),
    ("Log", lambda x: torch.log(torch.tensor(x)).item(), math.log, 1e-3, 20),
    ("Expm1", lambda x: torch.expm1(torch.tensor(x)).item(), math.expm1, -3, 3),
    ("NumpyLog", lambda x: np.log(np.array([x], f))[0], math.log, 1e-3, 20),
]:
    print(name, ", ".join(f"({hexf(x)}, {hexf(y)})" for x, y in pick(fn, ref, lo, hi)))

# LMS weights exactly as diffusers' get_lms_coefficient computes them: float32 sigma tensors (the 10-step
# SD 1.x schedule), so the integrand is evaluated in float32, integrated by scipy quad.
sig = [torch.tensor(s, dtype=torch.float32) for s in [8.390686988830566, 5.134433269500732, 3.347764492034912, 2.2928547859191895,
                      1.6236928701400757, 1.1682164669036865, 0.8356532454490662, 0.5740507245063782,
                      0.3461872935295105, 0.04131447896361351, 0.0]]
for order, t in [(1, 0), (2, 1), (3, 2), (4, 5), (4, 9)]:
    coeffs = []
    for cur in range(order):
        def d(tau):
            prod = 1.0
            for k in range(order):
                if k != cur:
                    prod *= (tau - sig[t - k]) / (sig[t - cur] - sig[t - k])
            return prod
        coeffs.append(integrate.quad(d, sig[t], sig[t + 1], epsrel=1e-4)[0])
    print("LMS", order, t, ", ".join(repr(c) for c in coeffs))

# torch.linalg.solve on UniPC-shaped 2x2 systems [[1, 1], [r, 1]] x = b.
for r, b0, b1 in [(-0.8123, 0.41, 0.27), (-1.7, 0.33, 0.91), (-0.31, -0.52, 0.18)]:
    A = torch.tensor([[1.0, 1.0], [r, 1.0]])
    b = torch.tensor([b0, b1])
    x = torch.linalg.solve(A, b)
    print("Solve", hexf(A[1, 0]), hexf(b[0]), hexf(b[1]), hexf(x[0]), hexf(x[1]))
