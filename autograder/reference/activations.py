"""Reference answers of the activations assignment: elementwise functions
of arrays of any shape, each next to its derivative."""
import numpy as np


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    return np.tanh(x)


def tanh_grad(x):
    return 1.0 - np.tanh(x) ** 2


def relu(x):
    return np.maximum(x, 0.0)


def relu_grad(x):
    return (x > 0).astype(np.float64)


def leaky_relu(x, alpha=0.01):
    return np.where(x >= 0, x, alpha * x)


def leaky_relu_grad(x, alpha=0.01):
    return np.where(x >= 0, 1.0, alpha)


def elu(x, alpha=1.0):
    return np.where(x >= 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_grad(x, alpha=1.0):
    return np.where(x >= 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def softplus_grad(x):
    return sigmoid(x)


def swish(x):
    return x * sigmoid(x)


def swish_grad(x):
    s = sigmoid(x)
    return s + x * s * (1.0 - s)


def prelu(x, alpha):
    return np.where(x >= 0, x, alpha * x)


def prelu_grads(x, alpha):
    """(dx, dalpha), both shaped like x."""
    return np.where(x >= 0, 1.0, alpha), np.where(x >= 0, 0.0, x)


def maxout(X, W1, b1, W2, b2):
    """max(X @ W1 + b1, X @ W2 + b2); X (N, D), W (D, M), b (M,)."""
    return np.maximum(X @ W1 + b1, X @ W2 + b2)


def maxout_backward(dout, X, W1, b1, W2, b2):
    """Gradients of sum(dout * maxout(...)): (dX, dW1, db1, dW2, db2)."""
    first = (X @ W1 + b1) >= (X @ W2 + b2)
    d1 = np.where(first, dout, 0.0)
    d2 = np.where(first, 0.0, dout)
    dX = d1 @ W1.T + d2 @ W2.T
    return dX, X.T @ d1, d1.sum(axis=0), X.T @ d2, d2.sum(axis=0)
