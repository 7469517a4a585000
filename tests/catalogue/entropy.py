"""Fixture submissions of the entropy assignment."""
from .common import correct, wrong

H = "entropy_answer"
GRAD = "entropy_grad_answer"
CODE = "code_lengths_answer"

SUBMISSIONS = [
    wrong("entropy_0log0_nan", {H: '''
def entropy(p, base=2.0):
    return -np.sum(p * np.log(p)) / np.log(base)
'''}, {"test_entropy_zero_terms", "test_inputs_unmodified"},
      "entropy(p) is NaN"),
    wrong("entropy_ignores_base", {H: '''
def entropy(p, base=2.0):
    p = p[p > 0]
    return -np.sum(p * np.log2(p))
'''}, {"test_entropy_values"}, "Natural log and log base 2 mixed up"),
    wrong("entropy_sign", {H: '''
def entropy(p, base=2.0):
    p = p[p > 0]
    return np.sum(p * np.log(p)) / np.log(base)
'''}, {"test_entropy_values", "test_entropy_zero_terms",
       "test_entropy_grad_consistent", "test_inputs_unmodified"},
      "It is -1 times"),
    wrong("grad_missing_constant", {GRAD: '''
def entropy_grad(p, base=2.0):
    return -np.log(p) / np.log(base)
'''}, {"test_entropy_grad_values", "test_entropy_grad_consistent",
       "test_inputs_unmodified"},
        "same constant 1.443 in every entry"),
    wrong("grad_plus_one_not_over_ln_b", {GRAD: '''
def entropy_grad(p, base=2.0):
    return -(np.log(p) / np.log(base) + 1)
'''}, {"test_entropy_grad_values", "test_entropy_grad_consistent",
       "test_inputs_unmodified"},
        "same constant"),
    wrong("grad_sign", {GRAD: '''
def entropy_grad(p, base=2.0):
    return (np.log(p) + 1) / np.log(base)
'''}, {"test_entropy_grad_values", "test_entropy_grad_consistent",
       "test_inputs_unmodified"},
        "It is -1 times"),
    wrong("grad_natural_log", {GRAD: '''
def entropy_grad(p, base=2.0):
    return -(np.log(p) + 1)
'''}, {"test_entropy_grad_values", "test_entropy_grad_consistent",
       "test_inputs_unmodified"},
        "ln 2 times"),
    wrong("grad_finite_differences", {GRAD: '''
def entropy_grad(p, base=2.0):
    h = 1e-5
    g = np.zeros_like(p)
    for i in range(len(p)):
        e = np.zeros_like(p)
        e[i] = h
        g[i] = (entropy(p + e, base) - entropy(p - e, base)) / (2 * h)
    return g
'''}, {"test_entropy_grad_values"}, "computed numerically"),
    wrong("code_lengths_negative", {CODE: '''
def code_lengths(p):
    return np.log2(p)
'''}, {"test_code_lengths", "test_inputs_unmodified"}, "It is -1 times"),
    wrong("code_lengths_nats", {CODE: '''
def code_lengths(p):
    return -np.log(p)
'''}, {"test_code_lengths", "test_inputs_unmodified"}, "ln 2 times"),
    correct("correct_loops", {
        H: '''
import math

def entropy(p, base=2.0):
    total = 0.0
    for pi in p:
        if pi > 0:
            total -= pi * math.log(pi, base)
    return total
''',
        GRAD: '''
import math

def entropy_grad(p, base=2.0):
    return np.array([-(math.log(pi, base) + 1 / math.log(base))
                     for pi in p])
''',
        CODE: '''
import math

def code_lengths(p):
    return np.array([math.log2(1 / pi) for pi in p])
'''}),
    correct("correct_vectorised", {
        H: '''
def entropy(p, base=2.0):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -terms.sum() / np.log(base)
''',
        GRAD: '''
def entropy_grad(p, base=2.0):
    return -np.log(p) / np.log(base) - 1 / np.log(base)
''',
        CODE: '''
def code_lengths(p):
    return -np.log(p) / np.log(2)
'''}),
    correct("correct_xlogy", {
        H: '''
def entropy(p, base=2.0):
    safe = np.where(p > 0, p, 1.0)
    return float(-np.dot(p, np.log(safe)) / np.log(base))
''',
        GRAD: '''
def entropy_grad(p, base=2.0):
    return -np.log(np.e * p) / np.log(base)
''',
        CODE: '''
def code_lengths(p):
    return np.log2(np.reciprocal(p))
'''}),
]
