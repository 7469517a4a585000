"""Fixture submissions of the cross_entropy assignment."""
from .common import correct, wrong

CE = "cross_entropy_answer"
GRAD = "cross_entropy_grad_answer"
LOG = "logistic_loss_answer"

NAIVE_LOGISTIC = '''
def logistic_loss(w, X, y):
    s = 1 / (1 + np.exp(-(X @ w)))
    loss = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    return loss, X.T @ (s - y) / len(y)
'''

SUBMISSIONS = [
    wrong("ce_swapped_arguments", {CE: '''
def cross_entropy(p, q, base=2.0):
    used = q > 0
    if np.any(p[used] == 0):
        return np.inf
    return -np.sum(q[used] * np.log(p[used])) / np.log(base)
'''}, {"test_cross_entropy_values", "test_cross_entropy_edge_cases",
       "test_cross_entropy_grad_consistent", "test_inputs_unmodified"},
      "cross_entropy(p, q) is"),
    wrong("ce_zero_terms_nan", {CE: '''
def cross_entropy(p, q, base=2.0):
    return -np.sum(p * np.log(q)) / np.log(base)
'''}, {"test_cross_entropy_edge_cases"}, "is NaN where the right value is finite"),
    wrong("ce_clipped_q", {CE: '''
def cross_entropy(p, q, base=2.0):
    q = np.clip(q, 1e-12, 1.0)
    used = p > 0
    return -np.sum(p[used] * np.log(q[used])) / np.log(base)
'''}, {"test_cross_entropy_edge_cases"}, "where the right value is inf"),
    wrong("ce_ignores_base", {CE: '''
def cross_entropy(p, q, base=2.0):
    used = p > 0
    if np.any(q[used] == 0):
        return np.inf
    return -np.sum(p[used] * np.log2(q[used]))
'''}, {"test_cross_entropy_values", "test_cross_entropy_edge_cases"},
        "Natural log and log base 2 mixed up"),
    wrong("grad_sign", {GRAD: '''
def cross_entropy_grad(p, q, base=2.0):
    return p / (q * np.log(base))
'''}, {"test_cross_entropy_grad_values",
       "test_cross_entropy_grad_consistent", "test_inputs_unmodified"},
      "It is -1 times"),
    wrong("grad_missing_ln_b", {GRAD: '''
def cross_entropy_grad(p, q, base=2.0):
    return -p / q
'''}, {"test_cross_entropy_grad_values",
       "test_cross_entropy_grad_consistent", "test_inputs_unmodified"},
      "ln 2 times"),
    wrong("grad_finite_differences", {GRAD: '''
def cross_entropy_grad(p, q, base=2.0):
    h, g = 1e-5, np.zeros(len(q))
    for i in range(len(q)):
        e = np.zeros(len(q))
        e[i] = h
        g[i] = (cross_entropy(p, q + e, base)
                - cross_entropy(p, q - e, base)) / (2 * h)
    return g
'''}, {"test_cross_entropy_grad_values"}, "computed numerically"),
    wrong("logistic_naive_overflow", {LOG: NAIVE_LOGISTIC},
          {"test_logistic_loss_stable"}, "overflow"),
    wrong("logistic_no_1_over_N", {LOG: '''
def logistic_loss(w, X, y):
    z = X @ w
    loss = np.mean(np.logaddexp(0, z) - y * z)
    return loss, X.T @ (0.5 * (1 + np.tanh(z / 2)) - y)
'''}, {"test_logistic_loss_gradient", "test_logistic_loss_consistent",
       "test_inputs_unmodified", "test_logistic_loss_stable"},
      "N times the correct value"),
    wrong("logistic_sign", {LOG: '''
def logistic_loss(w, X, y):
    z = X @ w
    loss = np.mean(np.logaddexp(0, z) - y * z)
    return loss, X.T @ (y - 0.5 * (1 + np.tanh(z / 2))) / len(y)
'''}, {"test_logistic_loss_gradient", "test_logistic_loss_consistent",
       "test_inputs_unmodified", "test_logistic_loss_stable"},
      "It is -1 times"),
    wrong("logistic_squared_error_chain", {LOG: '''
def logistic_loss(w, X, y):
    z = X @ w
    s = 0.5 * (1 + np.tanh(z / 2))
    loss = np.mean(np.logaddexp(0, z) - y * z)
    return loss, X.T @ ((s - y) * s * (1 - s)) / len(y)
'''}, {"test_logistic_loss_gradient", "test_logistic_loss_consistent",
       "test_inputs_unmodified", "test_logistic_loss_stable"}, "dw is wrong"),
    correct("correct_loops", {
        CE: '''
import math

def cross_entropy(p, q, base=2.0):
    total = 0.0
    for pi, qi in zip(p, q):
        if pi == 0:
            continue
        if qi == 0:
            return math.inf
        total -= pi * math.log(qi, base)
    return total
''',
        GRAD: '''
import math

def cross_entropy_grad(p, q, base=2.0):
    return np.array([-pi / (qi * math.log(base)) for pi, qi in zip(p, q)])
''',
        LOG: '''
import math

def logistic_loss(w, X, y):
    N, D = X.shape
    loss, dw = 0.0, np.zeros(D)
    for i in range(N):
        z = float(X[i] @ w)
        # log(1 + e^z) without overflow
        softplus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
        loss += softplus - y[i] * z
        if z >= 0:
            s = 1 / (1 + math.exp(-z))
        else:
            s = math.exp(z) / (1 + math.exp(z))
        dw += (s - y[i]) * X[i]
    return loss / N, dw / N
'''}),
    correct("correct_numpy_helpers", {
        CE: '''
def cross_entropy(p, q, base=2.0):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(q), 0.0)
    return -terms.sum() / np.log(base)
''',
        GRAD: '''
def cross_entropy_grad(p, q, base=2.0):
    return -(p / q) / np.log(base)
''',
        LOG: '''
def logistic_loss(w, X, y):
    z = X @ w
    # -[y log s + (1 - y) log(1 - s)] = log(1 + e^z) - y z
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    s = 0.5 * (1.0 + np.tanh(0.5 * z))
    return loss, X.T @ (s - y) / len(y)
'''}),
    correct("correct_two_branches", {
        CE: '''
def cross_entropy(p, q, base=2.0):
    mask = p != 0
    logs = np.full(len(q), -np.inf)
    np.log(q, out=logs, where=q > 0)
    return float(-np.dot(p[mask], logs[mask]) / np.log(base))
''',
        GRAD: '''
def cross_entropy_grad(p, q, base=2.0):
    return -p * np.reciprocal(q) / np.log(base)
''',
        LOG: '''
def logistic_loss(w, X, y):
    z = X @ w
    # -log s(z) = softplus(-z), -log(1 - s(z)) = softplus(z)
    def softplus(t):
        return np.maximum(t, 0) + np.log1p(np.exp(-np.abs(t)))
    loss = np.mean(y * softplus(-z) + (1 - y) * softplus(z))
    s = np.exp(-softplus(-z))
    return loss, (s - y) @ X / X.shape[0]
'''}),
]
