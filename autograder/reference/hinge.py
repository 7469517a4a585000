"""Reference answers of the hinge assignment (see exercise-contract.md)."""
import numpy as np


def svm_loss(W, X, y, delta=1.0):
    """Multiclass SVM loss (mean over N) and dW.

    W (D, C), X (N, D), y (N,) ints -> (float, (D, C)).
    """
    N = X.shape[0]
    rows = np.arange(N)
    S = X @ W
    margins = np.maximum(0.0, S - S[rows, y][:, None] + delta)
    margins[rows, y] = 0.0
    loss = float(margins.sum() / N)
    G = (margins > 0).astype(np.float64)
    G[rows, y] = -G.sum(axis=1)
    return loss, X.T @ G / N


def multilabel_hinge_loss(W, X, Y):
    """Mean over N of sum_j max(0, 1 - Y_ij S_ij), Y in {-1, +1}; and dW.

    W (D, C), X (N, D), Y (N, C) -> (float, (D, C)).
    """
    N = X.shape[0]
    S = X @ W
    M = np.maximum(0.0, 1.0 - Y * S)
    G = -Y * (M > 0)
    return float(M.sum() / N), X.T @ G / N


def regression_loss(S, Y, q=2):
    """(1/N) sum_ij |S_ij - Y_ij|^q for q in {1, 2}, and dS; S, Y (N, C)."""
    N = S.shape[0]
    R = S - Y
    if q == 1:
        return float(np.abs(R).sum() / N), np.sign(R) / N
    if q == 2:
        return float((R ** 2).sum() / N), 2.0 * R / N
    raise ValueError(f"q must be 1 or 2, got {q!r}")


def zero_one_loss(S, y):
    """Fraction of rows whose first arg max differs from the label."""
    return float(np.mean(np.argmax(S, axis=1) != y))
