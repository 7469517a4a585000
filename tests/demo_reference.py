"""NumPy's copy of the demos' math (_static/demos/losslab.js), built from
autograder/reference, for the browser tests that compare the two.

Shapes: X (N, D), y (N,), layers [{"W": (in, out), "b": (out,)}, ...].
"""
from __future__ import annotations

import numpy as np

from autograder.reference import activations as act
from autograder.reference import softmax as sm

ACTIVATIONS = {name: (getattr(act, name), getattr(act, f"{name}_grad"))
               for name in ("sigmoid", "tanh", "relu", "leaky_relu", "elu",
                            "softplus", "swish")}


def as_arrays(layers: list[dict]) -> list[dict]:
    return [{"W": np.array(l["W"], dtype=float),
             "b": np.array(l["b"], dtype=float)} for l in layers]


def forward(layers, act_name: str, X, output: str = "sigmoid"):
    """(A, Z, s, yhat) as losslab.forward: A[0] = X, Z per layer."""
    g = ACTIVATIONS[act_name][0]
    A, Z = [np.asarray(X, dtype=float)], []
    for l, layer in enumerate(layers):
        Z.append(A[l] @ layer["W"] + layer["b"])
        if l < len(layers) - 1:
            A.append(g(Z[l]))
    s = Z[-1][:, 0]
    yhat = act.sigmoid(s) if output == "sigmoid" else s
    return A, Z, s, yhat


def loss(kind: str, s, yhat, y) -> float:
    """The mean squared error / 2 or the mean logistic loss."""
    if kind == "xent":
        return float(np.mean(act.softplus(s) - y * s))
    return float(np.mean(0.5 * (yhat - y) ** 2))


def step(layers, act_name: str, X, y, kind: str, lr: float,
         output: str = "sigmoid") -> float:
    """One full-batch gradient step in place; the loss before it."""
    dg = ACTIVATIONS[act_name][1]
    A, Z, s, yhat = forward(layers, act_name, X, output)
    before = loss(kind, s, yhat, y)
    N = len(y)
    if kind == "xent":
        delta = ((yhat - y) / N)[:, None]
    else:
        slope = yhat * (1 - yhat) if output == "sigmoid" else 1.0
        delta = ((yhat - y) * slope / N)[:, None]
    grads = [None] * len(layers)
    for l in range(len(layers) - 1, -1, -1):
        grads[l] = (A[l].T @ delta, delta.sum(axis=0))
        if l > 0:
            delta = (delta @ layers[l]["W"].T) * dg(Z[l - 1])
    for layer, (dW, db) in zip(layers, grads):
        layer["W"] -= lr * dW
        layer["b"] -= lr * db
    return before


def train(layers, act_name, X, y, kind, lr, steps, output="sigmoid"):
    """Losses before each of ``steps`` steps, and the final loss."""
    layers = as_arrays(layers)
    losses = [step(layers, act_name, X, y, kind, lr, output)
              for _ in range(steps)]
    _, _, s, yhat = forward(layers, act_name, X, output)
    return losses, loss(kind, s, yhat, np.asarray(y, dtype=float)), layers


def softmax_loss(s, y):
    """(loss, dS) of one sample, as losslab.softmaxLoss."""
    s = np.asarray(s, dtype=float)
    q = sm.softmax(s)
    return sm.logsumexp(s) - s[y], q - np.eye(len(s))[y]


def svm_loss(s, y, delta=1.0):
    """(loss, dS) of one sample, as losslab.svmLoss."""
    s = np.asarray(s, dtype=float)
    gamma = s - s[y] + delta
    gamma[y] = 0.0
    active = gamma > 0
    grad = active.astype(float)
    grad[y] = -active.sum()
    return float(gamma[active].sum()), grad
