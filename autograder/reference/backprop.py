"""Reference answers of the backprop assignment: the lecture's two-layer
sigmoid network without biases (see exercise-contract.md)."""
import numpy as np


def sigmoid(z):
    """1 / (1 + exp(-z)) without overflow."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def mlp_forward(Wh, Wo, X):
    """H = sigmoid(X @ Wh.T) (N, M), Yhat = sigmoid(H @ Wo.T) (N, C);
    Wh (M, D), Wo (C, M), X (N, D)."""
    H = sigmoid(X @ Wh.T)
    return H, sigmoid(H @ Wo.T)


def mlp_loss_and_grads(Wh, Wo, X, Y):
    """L = 1/2 sum (Yhat - Y)^2 and (dWh (M, D), dWo (C, M))."""
    H, Yhat = mlp_forward(Wh, Wo, X)
    E = Yhat - Y
    loss = float(0.5 * np.sum(E ** 2))
    delta_o = E * Yhat * (1.0 - Yhat)          # (N, C)
    delta_h = (delta_o @ Wo) * H * (1.0 - H)    # (N, M)
    return loss, delta_h.T @ X, delta_o.T @ H


def numerical_gradient(f, theta, h=1e-5):
    """Central differences of the scalar f at theta (any shape)."""
    theta = np.asarray(theta, dtype=np.float64)
    grad = np.zeros_like(theta)
    for k in np.ndindex(theta.shape):
        old = theta[k]
        theta[k] = old + h
        f_plus = f(theta)
        theta[k] = old - h
        f_minus = f(theta)
        theta[k] = old
        grad[k] = (f_plus - f_minus) / (2.0 * h)
    return grad
