"""Reference answers of the kl_divergence assignment."""
import numpy as np


def kl_divergence(p, q, base=2.0):
    """KL(p || q) = sum p_i log_b(p_i / q_i); p_i = 0 terms count 0; inf
    where some p_i > 0 has q_i = 0. p, q (C,) -> float."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    nz = p > 0
    if np.any(q[nz] == 0):
        return float("inf")
    return float(np.sum(p[nz] * np.log(p[nz] / q[nz])) / np.log(base))


def kl_divergence_grad(p, q, base=2.0):
    """(dp, dq): dp_i = log_b(p_i / q_i) + 1/ln b, dq_i = -p_i / (q_i ln b),
    all p_i, q_i > 0; each (C,)."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    ln_b = np.log(base)
    return (np.log(p / q) + 1.0) / ln_b, -p / (q * ln_b)
