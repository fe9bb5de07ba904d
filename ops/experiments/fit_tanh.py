#!/usr/bin/env python3
"""Fits the rational tanh of trainer/.../model/FloatKernels.java.

tanh(x) ~ x * P(x^2) / Q(x^2) on [0, 9], P of degree 4 and Q of degree 4 in x^2 with Q(0) = 1. The fit is a linear
least-squares problem in the coefficients (y*Q - x*P = 0), reweighted towards the largest errors for 60 rounds to
approach the minimax fit. It prints the coefficients and the worst absolute error when evaluated in float32, the
way the Java loops evaluate it (clamped input, Horner form). Needs numpy.
"""
import numpy as np

LIMIT = 9.0                                    # tanh(9) = 1 - 3e-8: 1 in float
x = np.linspace(0, LIMIT, 20001)
y = np.tanh(x)
x2 = x * x
best = None
w = np.ones_like(x)
for _ in range(60):
    a = np.hstack([np.stack([x * x2 ** k for k in range(5)], 1), -np.stack([y * x2 ** k for k in range(1, 5)], 1)])
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(a * sw[:, None], y * sw, rcond=None)
    p, q = coef[:5], np.concatenate([[1.0], coef[5:]])
    err = x * np.polyval(p[::-1], x2) / np.polyval(q[::-1], x2) - y
    if best is None or np.abs(err).max() < best[0]:
        best = (np.abs(err).max(), p, q)
    w = w * np.sqrt(np.abs(err) / np.abs(err).mean())
    w /= w.mean()

_, p, q = best
f = np.float32
xs = np.linspace(-12, 12, 400001).astype(f)
xc = np.clip(xs, f(-LIMIT), f(LIMIT))
s2 = xc * xc
num = f(p[4])
den = f(q[4])
for k in range(3, -1, -1):
    num = num * s2 + f(p[k])
    den = den * s2 + f(q[k])
t = np.clip(xc * num / den, f(-1), f(1))
print("P", [float(v) for v in p])
print("Q", [float(v) for v in q])
print("worst |tanh_float32 - tanh| = %.3g" % np.abs(t.astype(np.float64) - np.tanh(xs.astype(np.float64))).max())
