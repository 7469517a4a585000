"""Reference answers of the softmax assignment (see exercise-contract.md)."""
import numpy as np


def softmax(s, T=1.0):
    """exp(s / T) normalised along the last axis; s (C,) or (N, C)."""
    z = np.asarray(s, dtype=np.float64) / T
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def logsumexp(s):
    """log sum_j exp(s_j) along the last axis: float for (C,), (N,) for
    (N, C)."""
    s = np.asarray(s, dtype=np.float64)
    m = s.max(axis=-1, keepdims=True)
    out = np.log(np.exp(s - m).sum(axis=-1, keepdims=True)) + m
    out = out[..., 0]
    return float(out) if out.ndim == 0 else out


def softmax_jacobian(s):
    """J[i, j] = p_i (delta_ij - p_j) for 1-D s of length C; (C, C)."""
    p = softmax(s)
    return np.diag(p) - np.outer(p, p)


def softmax_loss(W, X, y):
    """Mean cross-entropy of softmax(X @ W) against labels y, and dW.

    W (D, C), X (N, D), y (N,) ints in 0..C-1 -> (float, (D, C)).
    """
    N = X.shape[0]
    S = X @ W
    P = softmax(S)
    loss = float(np.mean(logsumexp(S) - S[np.arange(N), y]))
    dS = P.copy()
    dS[np.arange(N), y] -= 1.0
    dW = X.T @ dS / N
    return loss, dW
