"""Fixture submissions of the activations assignment."""
from .common import correct, wrong


def fn(name: str, args: str, body: str) -> dict[str, str]:
    """One answer cell: ``def name(args): return body``."""
    return {f"{name}_answer": f"\ndef {name}({args}):\n    return {body}\n"}


def mistake(label: str, name: str, args: str, body: str, fails: set[str],
            phrase: str):
    return wrong(label, fn(name, args, body), fails, phrase)


def _cell(name: str) -> str:
    return f"test_{name}"


SUBMISSIONS = [
    mistake("sigmoid_exp_ratio", "sigmoid", "x",
            "np.exp(x) / (1 + np.exp(x))",
            {_cell("sigmoid"), _cell("sigmoid_grad"), _cell("softplus_grad"),
             _cell("swish"), _cell("swish_grad")}, "at x = 1000"),
    mistake("sigmoid_sign", "sigmoid", "x", "1 / (1 + np.exp(x))",
            {_cell("sigmoid"), _cell("softplus_grad"), _cell("swish"),
             _cell("swish_grad"), "test_inputs_unmodified"},
            "sigmoid(x) is wrong"),
    mistake("sigmoid_grad_missing_factor", "sigmoid_grad", "x", "sigmoid(x)",
            {_cell("sigmoid_grad"), "test_inputs_unmodified"},
            "sigmoid_grad(x) is wrong"),
    mistake("sigmoid_grad_of_x", "sigmoid_grad", "x", "x * (1 - x)",
            {_cell("sigmoid_grad"), "test_inputs_unmodified"},
            "sigmoid_grad(x) is wrong"),
    mistake("tanh_naive", "tanh", "x",
            "(np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
            {_cell("tanh")}, "overflow"),
    mistake("tanh_wrong_identity", "tanh", "x", "2 * sigmoid(x) - 1",
            {_cell("tanh"), "test_inputs_unmodified"}, "tanh(x) is wrong"),
    mistake("tanh_grad_not_squared", "tanh_grad", "x", "1 - np.tanh(x)",
            {_cell("tanh_grad"), "test_inputs_unmodified"},
            "tanh_grad(x) is wrong"),
    mistake("tanh_grad_sign_dropped", "tanh_grad", "x", "1 + np.tanh(x) ** 2",
            {_cell("tanh_grad"), "test_inputs_unmodified"},
            "tanh_grad(x) is wrong"),
    mistake("relu_np_max", "relu", "x", "np.max(x, 0)",
            {_cell("relu"), "test_inputs_unmodified"}, "has shape"),
    wrong("relu_in_place", {"relu_answer": '''
def relu(x):
    x[x < 0] = 0
    return x
'''}, {"test_inputs_unmodified"}, "relu modified its input x in place"),
    mistake("relu_grad_is_relu", "relu_grad", "x", "np.maximum(x, 0)",
            {_cell("relu_grad"), "test_inputs_unmodified"},
            "relu_grad(x) is wrong"),
    mistake("relu_grad_reversed", "relu_grad", "x", "(x < 0) * 1.0",
            {_cell("relu_grad"), "test_inputs_unmodified"},
            "relu_grad(x) is wrong"),
    mistake("leaky_relu_fixed_alpha", "leaky_relu", "x, alpha=0.01",
            "np.where(x >= 0, x, 0.01 * x)", {_cell("leaky_relu")},
            "with alpha=0.2"),
    mistake("leaky_relu_forgot_x", "leaky_relu", "x, alpha=0.01",
            "np.where(x >= 0, x, alpha)", {_cell("leaky_relu"),
                                           "test_inputs_unmodified"},
            "leaky_relu(x) is wrong"),
    mistake("leaky_relu_grad_fixed_alpha", "leaky_relu_grad",
            "x, alpha=0.01", "np.where(x >= 0, 1.0, 0.01)",
            {_cell("leaky_relu_grad")}, "with alpha=0.2"),
    mistake("leaky_relu_grad_is_relu_grad", "leaky_relu_grad",
            "x, alpha=0.01", "np.where(x >= 0, 1.0, 0.0)",
            {_cell("leaky_relu_grad"), "test_inputs_unmodified"},
            "leaky_relu_grad(x) is wrong"),
    mistake("elu_ignores_alpha", "elu", "x, alpha=1.0",
            "np.where(x >= 0, x, np.expm1(np.minimum(x, 0)))",
            {_cell("elu")}, "with alpha=0.5"),
    mistake("elu_forgot_minus_one", "elu", "x, alpha=1.0",
            "np.where(x >= 0, x, alpha * np.exp(np.minimum(x, 0)))",
            {_cell("elu"), "test_inputs_unmodified"}, "elu(x) is wrong"),
    mistake("elu_grad_is_function", "elu_grad", "x, alpha=1.0",
            "np.where(x >= 0, 1.0, alpha * np.expm1(np.minimum(x, 0)))",
            {_cell("elu_grad"), "test_inputs_unmodified"},
            "elu_grad(x) is wrong"),
    mistake("elu_grad_ignores_alpha", "elu_grad", "x, alpha=1.0",
            "np.where(x >= 0, 1.0, np.exp(np.minimum(x, 0)))",
            {_cell("elu_grad")}, "with alpha=0.5"),
    mistake("softplus_overflow", "softplus", "x", "np.log(1 + np.exp(x))",
            {_cell("softplus")}, "at x = 1000"),
    mistake("softplus_no_abs", "softplus", "x",
            "np.maximum(x, 0) + np.log1p(np.exp(-x))",
            {_cell("softplus"), "test_inputs_unmodified"},
            "softplus(x) is wrong"),
    mistake("softplus_grad_is_softplus", "softplus_grad", "x",
            "softplus(x)", {_cell("softplus_grad"), "test_inputs_unmodified"},
            "softplus_grad(x) is wrong"),
    mistake("softplus_grad_naive", "softplus_grad", "x",
            "np.exp(x) / (1 + np.exp(x))", {_cell("softplus_grad")},
            "at x = 1000"),
    mistake("swish_sigmoid_only", "swish", "x", "sigmoid(x)",
            {_cell("swish"), "test_inputs_unmodified"}, "swish(x) is wrong"),
    mistake("swish_minus", "swish", "x", "x * sigmoid(-x)",
            {_cell("swish"), "test_inputs_unmodified"}, "swish(x) is wrong"),
    mistake("swish_grad_missing_product_rule", "swish_grad", "x",
            "sigmoid(x)", {_cell("swish_grad"), "test_inputs_unmodified"},
                          "swish_grad(x) is wrong"),
    mistake("swish_grad_missing_sigmoid", "swish_grad", "x",
            "x * sigmoid(x) * (1 - sigmoid(x))", {_cell("swish_grad"),
                                                  "test_inputs_unmodified"},
            "swish_grad(x) is wrong"),
    mistake("prelu_forgot_x", "prelu", "x, alpha", "np.where(x >= 0, x, alpha)",
            {_cell("prelu"), "test_inputs_unmodified"},
            "prelu(x, alpha=0.25) is wrong"),
    mistake("prelu_max", "prelu", "x, alpha", "np.maximum(x, alpha * x)",
            {_cell("prelu")}, "alpha=1.5"),
    mistake("prelu_dalpha_is_alpha", "prelu_grads", "x, alpha",
            "np.where(x >= 0, 1.0, alpha), np.where(x >= 0, 0.0, alpha)",
            {_cell("prelu_grads"), "test_inputs_unmodified"},
            "dalpha (alpha=0.25) is wrong"),
    mistake("prelu_dalpha_summed", "prelu_grads", "x, alpha",
            "np.where(x >= 0, 1.0, alpha), np.sum(np.minimum(x, 0))",
            {_cell("prelu_grads"), "test_inputs_unmodified"},
            "dalpha (alpha=0.25) has shape ()"),
    mistake("maxout_no_biases", "maxout", "X, W1, b1, W2, b2",
            "np.maximum(X @ W1, X @ W2)", {_cell("maxout"),
                                           "test_inputs_unmodified"},
            "maxout(...) is wrong"),
    mistake("maxout_sum_of_pieces", "maxout", "X, W1, b1, W2, b2",
            "(X @ W1 + b1) + (X @ W2 + b2)", {_cell("maxout"),
                                              "test_inputs_unmodified"},
            "maxout(...) is wrong"),
    wrong("maxout_backward_both_branches", {"maxout_backward_answer": '''
def maxout_backward(dout, X, W1, b1, W2, b2):
    dX = dout @ W1.T + dout @ W2.T
    return dX, X.T @ dout, dout.sum(0), X.T @ dout, dout.sum(0)
'''}, {"test_maxout_backward", "test_inputs_unmodified"},
      "gets the whole upstream gradient"),
    wrong("maxout_backward_bias_not_summed", {"maxout_backward_answer": '''
def maxout_backward(dout, X, W1, b1, W2, b2):
    first = (X @ W1 + b1) >= (X @ W2 + b2)
    d1, d2 = dout * first, dout * ~first
    return d1 @ W1.T + d2 @ W2.T, X.T @ d1, d1, X.T @ d2, d2
'''}, {"test_maxout_backward", "test_inputs_unmodified"},
      "db1 has shape (5, 4)"),
    wrong("maxout_backward_dX_one_branch", {"maxout_backward_answer": '''
def maxout_backward(dout, X, W1, b1, W2, b2):
    first = (X @ W1 + b1) >= (X @ W2 + b2)
    d1, d2 = dout * first, dout * ~first
    return d1 @ W1.T, X.T @ d1, d1.sum(0), X.T @ d2, d2.sum(0)
'''}, {"test_maxout_backward", "test_inputs_unmodified"}, "dX is wrong"),
]

VECTORISED = {
    "sigmoid_answer": '''
def sigmoid(x):
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    ez = np.exp(x[~pos])
    out[~pos] = ez / (1 + ez)
    return out
''',
    "sigmoid_grad_answer": '''
def sigmoid_grad(x):
    return sigmoid(x) * sigmoid(-x)
''',
    "tanh_answer": '''
def tanh(x):
    return 2 * sigmoid(2 * x) - 1
''',
    "tanh_grad_answer": '''
def tanh_grad(x):
    return 1 / np.cosh(np.minimum(np.abs(x), 350)) ** 2
''',
    "relu_answer": '''
def relu(x):
    return x * (x > 0)
''',
    "relu_grad_answer": '''
def relu_grad(x):
    return np.heaviside(x, 0.0)
''',
    "leaky_relu_answer": '''
def leaky_relu(x, alpha=0.01):
    return np.maximum(x, 0) + alpha * np.minimum(x, 0)
''',
    "leaky_relu_grad_answer": '''
def leaky_relu_grad(x, alpha=0.01):
    return (x > 0) + alpha * (x <= 0)
''',
    "elu_answer": '''
def elu(x, alpha=1.0):
    out = x.astype(float)
    neg = x < 0
    out[neg] = alpha * (np.exp(x[neg]) - 1)
    return out
''',
    "elu_grad_answer": '''
def elu_grad(x, alpha=1.0):
    return np.where(x >= 0, 1.0, elu(x, alpha) + alpha)
''',
    "softplus_answer": '''
def softplus(x):
    return np.logaddexp(0, x)
''',
    "softplus_grad_answer": '''
def softplus_grad(x):
    return 0.5 * (1 + np.tanh(0.5 * x))
''',
    "swish_answer": '''
def swish(x):
    return x / (1 + np.exp(-np.clip(x, -700, 700)))
''',
    "swish_grad_answer": '''
def swish_grad(x):
    s = sigmoid(x)
    return swish(x) + s * (1 - swish(x))
''',
    "prelu_answer": '''
def prelu(x, alpha):
    return np.maximum(0, x) + alpha * np.minimum(0, x)
''',
    "prelu_grads_answer": '''
def prelu_grads(x, alpha):
    neg = x < 0
    return np.where(neg, alpha, 1.0), x * neg
''',
    "maxout_answer": '''
def maxout(X, W1, b1, W2, b2):
    return np.stack([X @ W1 + b1, X @ W2 + b2]).max(axis=0)
''',
    "maxout_backward_answer": '''
def maxout_backward(dout, X, W1, b1, W2, b2):
    win1 = (X @ W1 + b1) > (X @ W2 + b2)
    d1 = dout * win1
    d2 = dout - d1
    return (np.einsum("nm,dm->nd", d1, W1) + np.einsum("nm,dm->nd", d2, W2),
            np.einsum("nd,nm->dm", X, d1), d1.sum(axis=0),
            np.einsum("nd,nm->dm", X, d2), d2.sum(axis=0))
''',
}

LOOPS = {
    "sigmoid_answer": '''
import math

def sigmoid(x):
    out = np.empty(x.shape)
    for k in np.ndindex(x.shape):
        v = x[k]
        if v >= 0:
            out[k] = 1 / (1 + math.exp(-v))
        else:
            out[k] = math.exp(v) / (1 + math.exp(v))
    return out
''',
    "sigmoid_grad_answer": '''
def sigmoid_grad(x):
    s = sigmoid(x)
    return s - s ** 2
''',
    "tanh_answer": '''
import math

def tanh(x):
    return np.vectorize(math.tanh, otypes=[float])(x)
''',
    "tanh_grad_answer": '''
def tanh_grad(x):
    t = tanh(x)
    return (1 - t) * (1 + t)
''',
    "relu_answer": '''
def relu(x):
    out = x.copy()
    out[out < 0] = 0.0
    return out
''',
    "relu_grad_answer": '''
def relu_grad(x):
    return x > 0
''',
    "leaky_relu_answer": '''
def leaky_relu(x, alpha=0.01):
    out = np.array(x, dtype=float)
    out[x < 0] *= alpha
    return out
''',
    "leaky_relu_grad_answer": '''
def leaky_relu_grad(x, alpha=0.01):
    g = np.ones_like(x, dtype=float)
    g[x < 0] = alpha
    return g
''',
    "elu_answer": '''
import math

def elu(x, alpha=1.0):
    out = np.empty(x.shape)
    for k in np.ndindex(x.shape):
        out[k] = x[k] if x[k] >= 0 else alpha * math.expm1(x[k])
    return out
''',
    "elu_grad_answer": '''
import math

def elu_grad(x, alpha=1.0):
    out = np.empty(x.shape)
    for k in np.ndindex(x.shape):
        out[k] = 1.0 if x[k] >= 0 else alpha * math.exp(x[k])
    return out
''',
    "softplus_answer": '''
import math

def softplus(x):
    out = np.empty(x.shape)
    for k in np.ndindex(x.shape):
        v = x[k]
        out[k] = max(v, 0.0) + math.log1p(math.exp(-abs(v)))
    return out
''',
    "softplus_grad_answer": '''
def softplus_grad(x):
    return sigmoid(x)
''',
    "swish_answer": '''
def swish(x):
    return x * sigmoid(x)
''',
    "swish_grad_answer": '''
def swish_grad(x):
    s = sigmoid(x)
    return s * (1 + x * (1 - s))
''',
    "prelu_answer": '''
def prelu(x, alpha):
    out = x.astype(float)
    out[x < 0] = alpha * x[x < 0]
    return out
''',
    "prelu_grads_answer": '''
def prelu_grads(x, alpha):
    dx = np.ones(x.shape)
    dalpha = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        if x[k] < 0:
            dx[k] = alpha
            dalpha[k] = x[k]
    return dx, dalpha
''',
    "maxout_answer": '''
def maxout(X, W1, b1, W2, b2):
    N, M = X.shape[0], W1.shape[1]
    out = np.empty((N, M))
    for i in range(N):
        for m in range(M):
            out[i, m] = max(X[i] @ W1[:, m] + b1[m], X[i] @ W2[:, m] + b2[m])
    return out
''',
    "maxout_backward_answer": '''
def maxout_backward(dout, X, W1, b1, W2, b2):
    dX, dW1, db1 = np.zeros_like(X), np.zeros_like(W1), np.zeros_like(b1)
    dW2, db2 = np.zeros_like(W2), np.zeros_like(b2)
    N, M = dout.shape
    for i in range(N):
        for m in range(M):
            z1 = X[i] @ W1[:, m] + b1[m]
            z2 = X[i] @ W2[:, m] + b2[m]
            if z1 >= z2:
                dX[i] += dout[i, m] * W1[:, m]
                dW1[:, m] += dout[i, m] * X[i]
                db1[m] += dout[i, m]
            else:
                dX[i] += dout[i, m] * W2[:, m]
                dW2[:, m] += dout[i, m] * X[i]
                db2[m] += dout[i, m]
    return dX, dW1, db1, dW2, db2
''',
}

SUBMISSIONS += [correct("correct_vectorised", VECTORISED),
                correct("correct_loops", LOOPS)]
