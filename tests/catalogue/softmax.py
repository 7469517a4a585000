"""Fixture submissions of the softmax assignment: realistic mistakes, each
with the checks that must catch it, and differently written correct
answers, which must get full marks."""
from .common import correct, wrong

SOFTMAX = "softmax_answer"
LSE = "logsumexp_answer"
JAC = "softmax_jacobian_answer"
LOSS = "softmax_loss_answer"

# -- mistakes in softmax -----------------------------------------------------

SOFTMAX_NO_MAX = '''
def softmax(s, T=1.0):
    e = np.exp(np.asarray(s) / T)
    return e / np.sum(e, axis=-1, keepdims=True)
'''

SOFTMAX_AXIS0 = '''
def softmax(s, T=1.0):
    z = np.asarray(s) / T
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=0)
'''

SOFTMAX_TIMES_T = '''
def softmax(s, T=1.0):
    z = np.asarray(s) * T
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
'''

SOFTMAX_IN_PLACE = '''
def softmax(s, T=1.0):
    s -= np.max(s, axis=-1, keepdims=True)
    s /= T
    e = np.exp(s)
    return e / np.sum(e, axis=-1, keepdims=True)
'''

# -- mistakes in logsumexp ---------------------------------------------------

LSE_NAIVE = '''
def logsumexp(s):
    return np.log(np.sum(np.exp(s), axis=-1))
'''

LSE_MAX_NOT_ADDED_BACK = '''
def logsumexp(s):
    m = np.max(s, axis=-1, keepdims=True)
    return np.log(np.sum(np.exp(s - m), axis=-1))
'''

LSE_KEEPDIMS = '''
def logsumexp(s):
    m = np.max(s, axis=-1, keepdims=True)
    return m + np.log(np.sum(np.exp(s - m), axis=-1, keepdims=True))
'''

# -- mistakes in softmax_jacobian --------------------------------------------

JAC_DIAGONAL_ONLY = '''
def softmax_jacobian(s):
    p = softmax(s)
    return np.diag(p * (1 - p))
'''

JAC_SIGN = '''
def softmax_jacobian(s):
    p = softmax(s)
    return np.outer(p, p) - np.diag(p)
'''

JAC_NO_DIAGONAL = '''
def softmax_jacobian(s):
    p = softmax(s)
    return -np.outer(p, p)
'''

# -- mistakes in softmax_loss ------------------------------------------------

LOSS_NO_MINUS_ONE = '''
def softmax_loss(W, X, y):
    N = X.shape[0]
    S = X @ W
    loss = np.mean(logsumexp(S) - S[np.arange(N), y])
    return loss, X.T @ softmax(S) / N
'''

LOSS_NO_1_OVER_N = '''
def softmax_loss(W, X, y):
    N = X.shape[0]
    S = X @ W
    loss = np.mean(logsumexp(S) - S[np.arange(N), y])
    dS = softmax(S)
    dS[np.arange(N), y] -= 1
    return loss, X.T @ dS
'''

LOSS_TRANSPOSED = '''
def softmax_loss(W, X, y):
    N = X.shape[0]
    S = X @ W
    loss = np.mean(logsumexp(S) - S[np.arange(N), y])
    dS = softmax(S)
    dS[np.arange(N), y] -= 1
    return loss, dS.T @ X / N
'''

LOSS_LOG_OF_SOFTMAX = '''
def softmax_loss(W, X, y):
    N = X.shape[0]
    P = softmax(X @ W)
    loss = -np.mean(np.log(P[np.arange(N), y]))
    dS = P.copy()
    dS[np.arange(N), y] -= 1
    return loss, X.T @ dS / N
'''

LOSS_LOG2 = '''
def softmax_loss(W, X, y):
    N = X.shape[0]
    S = X @ W
    loss = np.mean(logsumexp(S) - S[np.arange(N), y]) / np.log(2)
    dS = softmax(S)
    dS[np.arange(N), y] -= 1
    return loss, X.T @ dS / N
'''

LOSS_FINITE_DIFFERENCES = '''
def softmax_loss(W, X, y):
    def f(W):
        S = X @ W
        return np.mean(logsumexp(S) - S[np.arange(len(y)), y])
    dW, h = np.zeros_like(W), 1e-5
    for k in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[k] = h
        dW[k] = (f(W + E) - f(W - E)) / (2 * h)
    return f(W), dW
'''

# -- correct variants --------------------------------------------------------

LOOPS = {
    SOFTMAX: '''
import math

def softmax(s, T=1.0):
    s = np.asarray(s, dtype=float)
    if s.ndim == 2:
        return np.array([softmax(row, T) for row in s])
    m = max(s) / T
    e = [math.exp(v / T - m) for v in s]
    total = sum(e)
    return np.array([v / total for v in e])
''',
    LSE: '''
import math

def logsumexp(s):
    s = np.asarray(s, dtype=float)
    if s.ndim == 2:
        return np.array([logsumexp(row) for row in s])
    m = max(s)
    return m + math.log(sum(math.exp(v - m) for v in s))
''',
    JAC: '''
def softmax_jacobian(s):
    p = softmax(s)
    C = len(p)
    J = np.zeros((C, C))
    for i in range(C):
        for j in range(C):
            if i == j:
                J[i, j] = p[i] * (1 - p[j])
            else:
                J[i, j] = -p[i] * p[j]
    return J
''',
    LOSS: '''
def softmax_loss(W, X, y):
    N, D = X.shape
    C = W.shape[1]
    loss, dW = 0.0, np.zeros((D, C))
    for i in range(N):
        s = X[i] @ W
        loss += logsumexp(s) - s[y[i]]
        p = softmax(s)
        for j in range(C):
            for k in range(D):
                if j == y[i]:
                    dW[k, j] += (p[j] - 1) * X[i, k]
                else:
                    dW[k, j] += p[j] * X[i, k]
    return loss / N, dW / N
''',
}

ALGEBRA = {
    SOFTMAX: '''
def softmax(s, T=1.0):
    z = np.asarray(s, dtype=float) / T
    m = z.max(axis=-1, keepdims=True)
    log_z = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return np.exp(z - log_z)
''',
    LSE: '''
def logsumexp(s):
    s = np.asarray(s, dtype=float)
    m = s.max(axis=-1, keepdims=True)
    out = np.squeeze(m, -1) + np.log(np.exp(s - m).sum(axis=-1))
    return out if out.ndim else out[()]
''',
    JAC: '''
def softmax_jacobian(s):
    p = softmax(s)
    return p[:, None] * (np.eye(len(p)) - p[None, :])
''',
    LOSS: '''
def softmax_loss(W, X, y):
    N, C = X.shape[0], W.shape[1]
    S = X @ W
    Y = np.eye(C)[y]
    loss = np.mean(logsumexp(S) - np.sum(S * Y, axis=1))
    P = softmax(S)
    return [loss, X.T @ (P - Y) / N]
''',
}

# Each function standing alone: nothing calls another graded function.
SELF_CONTAINED = {
    SOFTMAX: '''
def softmax(s, T=1.0):
    z = np.array(s, dtype=np.float64, copy=True) / T
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z
''',
    LSE: '''
def logsumexp(s):
    m = np.max(s, axis=-1)
    shifted = s - np.expand_dims(m, -1)
    return m + np.log(np.sum(np.exp(shifted), axis=-1))
''',
    JAC: '''
def softmax_jacobian(s):
    e = np.exp(s - s.max())
    p = e / e.sum()
    J = -np.outer(p, p)
    J[np.diag_indices_from(J)] += p
    return J
''',
    LOSS: '''
def softmax_loss(W, X, y):
    N = len(y)
    S = X @ W
    S = S - S.max(axis=1, keepdims=True)
    log_P = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    loss = -log_P[np.arange(N), y].mean()
    G = np.exp(log_P)
    G[np.arange(N), y] -= 1
    return float(loss), np.einsum("nd,nc->dc", X, G) / N
''',
}

SUBMISSIONS = [
    wrong("softmax_no_max", {SOFTMAX: SOFTMAX_NO_MAX},
          {"test_softmax_stable", "test_softmax_loss_stable",
           "test_softmax_jacobian_stable"},
          "overflow"),
    wrong("softmax_axis0", {SOFTMAX: SOFTMAX_AXIS0},
          {"test_softmax_values", "test_softmax_temperature",
           "test_softmax_stable", "test_softmax_loss_gradient",
           "test_softmax_loss_consistent", "test_softmax_loss_stable",
           "test_inputs_unmodified"},
          "softmax(s) is wrong"),
    wrong("softmax_times_T", {SOFTMAX: SOFTMAX_TIMES_T},
          {"test_softmax_temperature", "test_inputs_unmodified",
           "test_softmax_stable"}, "softmax(s, T=0.5) is"),
    wrong("softmax_in_place", {SOFTMAX: SOFTMAX_IN_PLACE},
          {"test_softmax_temperature", "test_inputs_unmodified"},
          "modified its input s in place"),
    wrong("logsumexp_naive", {LSE: LSE_NAIVE},
          {"test_logsumexp_stable", "test_softmax_loss_stable"},
          "is inf"),
    wrong("logsumexp_max_dropped", {LSE: LSE_MAX_NOT_ADDED_BACK},
          {"test_logsumexp_values", "test_logsumexp_stable",
           "test_softmax_loss_value", "test_softmax_loss_consistent",
           "test_inputs_unmodified", "test_softmax_loss_stable"},
          "logsumexp(s) is wrong"),
    wrong("logsumexp_keepdims", {LSE: LSE_KEEPDIMS},
          {"test_logsumexp_values", "test_logsumexp_stable",
           "test_inputs_unmodified"},
          "should be one number"),
    wrong("jacobian_diagonal_only", {JAC: JAC_DIAGONAL_ONLY},
          {"test_softmax_jacobian_values",
           "test_softmax_jacobian_consistent", "test_inputs_unmodified",
           "test_softmax_jacobian_stable"},
          "softmax_jacobian(s) is wrong"),
    wrong("jacobian_sign", {JAC: JAC_SIGN},
          {"test_softmax_jacobian_values",
           "test_softmax_jacobian_consistent", "test_inputs_unmodified",
           "test_softmax_jacobian_stable"},
          "It is -1 times the correct value"),
    wrong("jacobian_no_diagonal", {JAC: JAC_NO_DIAGONAL},
          {"test_softmax_jacobian_values",
           "test_softmax_jacobian_consistent", "test_inputs_unmodified",
           "test_softmax_jacobian_stable"},
          "softmax_jacobian(s) is wrong"),
    wrong("loss_no_minus_one", {LOSS: LOSS_NO_MINUS_ONE},
          {"test_softmax_loss_gradient", "test_softmax_loss_consistent",
           "test_inputs_unmodified", "test_softmax_loss_stable"},
          "the correct-class column"),
    wrong("loss_no_1_over_N", {LOSS: LOSS_NO_1_OVER_N},
          {"test_softmax_loss_gradient", "test_softmax_loss_consistent",
           "test_inputs_unmodified", "test_softmax_loss_stable"},
          "It is N times the correct value"),
    wrong("loss_transposed", {LOSS: LOSS_TRANSPOSED},
          {"test_softmax_loss_gradient", "test_softmax_loss_consistent",
           "test_inputs_unmodified", "test_softmax_loss_stable"},
          "It is the transpose of the right answer"),
    wrong("loss_log_of_softmax", {LOSS: LOSS_LOG_OF_SOFTMAX},
          {"test_softmax_loss_stable"}, "the loss is inf"),
    wrong("loss_log2", {LOSS: LOSS_LOG2},
          {"test_softmax_loss_value", "test_softmax_loss_consistent",
           "test_inputs_unmodified", "test_softmax_loss_stable"},
          "Natural log and log base 2 mixed up"),
    wrong("loss_finite_differences", {LOSS: LOSS_FINITE_DIFFERENCES},
          {"test_softmax_loss_gradient"}, "computed numerically"),
    correct("correct_loops", LOOPS),
    correct("correct_algebra", ALGEBRA),
    correct("correct_self_contained", SELF_CONTAINED),
]
