"""Fixture submissions of the kl_divergence assignment."""
from .common import correct, wrong

KL = "kl_divergence_answer"
GRAD = "kl_divergence_grad_answer"

SUBMISSIONS = [
    wrong("kl_swapped_arguments", {KL: '''
def kl_divergence(p, q, base=2.0):
    used = q > 0
    if np.any(p[used] == 0):
        return np.inf
    return np.sum(q[used] * np.log(q[used] / p[used])) / np.log(base)
'''}, {"test_kl_values", "test_kl_edge_cases", "test_kl_grad_consistent",
       "test_inputs_unmodified"},
        "kl_divergence(p, q) is"),
    wrong("kl_zero_terms_nan", {KL: '''
def kl_divergence(p, q, base=2.0):
    return np.sum(p * np.log(p / q)) / np.log(base)
'''}, {"test_kl_edge_cases", "test_inputs_unmodified"},
      "is NaN where the right value is finite"),
    wrong("kl_ratio_upside_down", {KL: '''
def kl_divergence(p, q, base=2.0):
    used = p > 0
    if np.any(q[used] == 0):
        return np.inf
    return np.sum(p[used] * np.log(q[used] / p[used])) / np.log(base)
'''}, {"test_kl_values", "test_kl_edge_cases", "test_kl_grad_consistent",
       "test_inputs_unmodified"},
        "It is -1 times"),
    wrong("kl_ignores_base", {KL: '''
def kl_divergence(p, q, base=2.0):
    used = p > 0
    if np.any(q[used] == 0):
        return np.inf
    return np.sum(p[used] * np.log2(p[used] / q[used]))
'''}, {"test_kl_values"}, "Natural log and log base 2 mixed up"),
    wrong("grad_p_missing_constant", {GRAD: '''
def kl_divergence_grad(p, q, base=2.0):
    ln_b = np.log(base)
    return np.log(p / q) / ln_b, -p / (q * ln_b)
'''}, {"test_kl_grad_p", "test_kl_grad_consistent", "test_inputs_unmodified"},
      "same constant"),
    wrong("grad_q_sign", {GRAD: '''
def kl_divergence_grad(p, q, base=2.0):
    ln_b = np.log(base)
    return (np.log(p / q) + 1) / ln_b, p / (q * ln_b)
'''}, {"test_kl_grad_q", "test_kl_grad_consistent", "test_inputs_unmodified"},
      "It is -1 times"),
    wrong("grad_swapped_order", {GRAD: '''
def kl_divergence_grad(p, q, base=2.0):
    ln_b = np.log(base)
    return -p / (q * ln_b), (np.log(p / q) + 1) / ln_b
'''}, {"test_kl_grad_p", "test_kl_grad_q", "test_kl_grad_consistent",
       "test_inputs_unmodified"},
        "returns (dq, dp)"),
    wrong("grad_ignores_base", {GRAD: '''
def kl_divergence_grad(p, q, base=2.0):
    return np.log(p / q) + 1, -p / q
'''}, {"test_kl_grad_p", "test_kl_grad_q", "test_kl_grad_consistent",
       "test_inputs_unmodified"},
        "dq is off by a constant factor"),
    wrong("grad_finite_differences", {GRAD: '''
def kl_divergence_grad(p, q, base=2.0):
    h = 1e-5
    dp, dq = np.zeros(len(p)), np.zeros(len(q))
    for i in range(len(p)):
        e = np.zeros(len(p))
        e[i] = h
        dp[i] = (kl_divergence(p + e, q, base)
                 - kl_divergence(p - e, q, base)) / (2 * h)
        dq[i] = (kl_divergence(p, q + e, base)
                 - kl_divergence(p, q - e, base)) / (2 * h)
    return dp, dq
'''}, {"test_kl_grad_p", "test_kl_grad_q"}, "computed numerically"),
    correct("correct_loops", {
        KL: '''
import math

def kl_divergence(p, q, base=2.0):
    total = 0.0
    for pi, qi in zip(p, q):
        if pi > 0:
            if qi == 0:
                return float("inf")
            total += pi * math.log(pi / qi, base)
    return total
''',
        GRAD: '''
import math

def kl_divergence_grad(p, q, base=2.0):
    ln_b = math.log(base)
    dp = [math.log(pi / qi) / ln_b + 1 / ln_b for pi, qi in zip(p, q)]
    dq = [-pi / (qi * ln_b) for pi, qi in zip(p, q)]
    return np.array(dp), np.array(dq)
'''}),
    correct("correct_entropy_difference", {
        KL: '''
def kl_divergence(p, q, base=2.0):
    # KL(p || q) = H(p, q) - H(p), both with 0 log 0 = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = -np.sum(np.where(p > 0, p * np.log(q), 0.0))
        own = -np.sum(np.where(p > 0, p * np.log(p), 0.0))
    return (cross - own) / np.log(base)
''',
        GRAD: '''
def kl_divergence_grad(p, q, base=2.0):
    return ((np.log(p) - np.log(q) + 1) / np.log(base),
            -(p / q) / np.log(base))
'''}),
    correct("correct_list_return", {
        KL: '''
def kl_divergence(p, q, base=2.0):
    m = p != 0
    if (q[m] == 0).any():
        return np.inf
    return float(p[m] @ (np.log2(p[m]) - np.log2(q[m]))) / np.log2(base)
''',
        GRAD: '''
def kl_divergence_grad(p, q, base=2.0):
    ln_b = np.log(base)
    return [np.log(np.e * p / q) / ln_b, -p / q / ln_b]
'''}),
]
