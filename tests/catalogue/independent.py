"""Submissions written independently of the rest of the catalogue.

An audit wrote its own wrong and correct answers for every function from
exercise-contract.md alone, without reading the catalogue, and ran them
against the checks. These are the ones that found a gap (a clause no check
covered, or a right answer turned away) or that pin down a rule:
warnings are not errors, changing an input costs only the inputs cell,
loops over every weight are affordable.
"""
from .common import correct, wrong

ENTROPY = {
    "audit_entropy_where_warns": correct("audit_entropy_where_warns", {
        "entropy_answer": '''
def entropy(p, base=2.0):
    p = np.asarray(p, dtype=np.float64)
    return np.sum(np.where(p > 0, -p * np.log(p), 0.0)) / np.log(base)
'''}),
    "audit_entropy_eps_in_log": correct("audit_entropy_eps_in_log", {
        "entropy_answer": '''
def entropy(p, base=2.0):
    p = np.asarray(p, dtype=np.float64)
    return float(-np.sum(p * np.log(p + 1e-12)) / np.log(base))
'''}),
}

CROSS_ENTROPY = {
    "audit_ce_where_warns": correct("audit_ce_where_warns", {
        "cross_entropy_answer": '''
def cross_entropy(p, q, base=2.0):
    return np.sum(np.where(p > 0, -p * np.log(q), 0.0)) / np.log(base)
'''}),
    "audit_logistic_naive_sigmoid": correct("audit_logistic_naive_sigmoid", {
        "logistic_loss_answer": '''
def logistic_loss(w, X, y):
    z = X @ w
    sp = np.where(z > 0, z + np.log1p(np.exp(-z)), np.log1p(np.exp(z)))
    s = 1.0 / (1.0 + np.exp(-z))
    return float(np.mean(sp - y * z)), X.T @ (s - y) / X.shape[0]
'''}),
    "audit_logistic_loops": correct("audit_logistic_loops", {
        "logistic_loss_answer": '''
import math

def logistic_loss(w, X, y):
    N, D = X.shape
    s, loss = [], 0.0
    for i in range(N):
        z = 0.0
        for d in range(D):
            z += X[i, d] * w[d]
        loss += max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y[i] * z
        e = math.exp(-abs(z))
        s.append(1 / (1 + e) if z >= 0 else e / (1 + e))
    dw = np.zeros(D)
    for d in range(D):
        acc = 0.0
        for i in range(N):
            acc += (s[i] - y[i]) * X[i, d]
        dw[d] = acc / N
    return loss / N, dw
'''}),
}

KL_DIVERGENCE = {
    "audit_kl_nan_when_p0_q_positive": wrong(
        "audit_kl_nan_when_p0_q_positive", {"kl_divergence_answer": '''
def kl_divergence(p, q, base=2.0):
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if np.any((p > 0) & (q == 0)):
        return np.inf
    m = q > 0                      # skips q_i = 0 (where p_i = 0 too)
    return float(np.sum(p[m] * np.log(p[m] / q[m])) / np.log(base))
'''}, {"test_kl_edge_cases", "test_inputs_unmodified"},
        "0 log(0 / q_i) = 0"),
    "audit_kl_where_warns": correct("audit_kl_where_warns", {
        "kl_divergence_answer": '''
def kl_divergence(p, q, base=2.0):
    return np.sum(np.where(p > 0, p * np.log(p / q), 0.0)) / np.log(base)
'''}),
}

SOFTMAX = {
    "audit_jacobian_naive_softmax": wrong(
        "audit_jacobian_naive_softmax", {"softmax_jacobian_answer": '''
def softmax_jacobian(s):
    e = np.exp(s)
    p = e / e.sum()
    return np.diag(p) - np.outer(p, p)
'''}, {"test_softmax_jacobian_stable"}, "build the Jacobian from a stable"),
    "audit_loss_changes_X": wrong("audit_loss_changes_X", {
        "softmax_loss_answer": '''
def softmax_loss(W, X, y):
    N = X.shape[0]
    S = X @ W
    loss = float(np.mean(logsumexp(S) - S[np.arange(N), y]))
    P = softmax(S)
    P[np.arange(N), y] -= 1
    X /= N
    return loss, X.T @ P
'''}, {"test_inputs_unmodified"}, "softmax_loss modified its input X"),
    "audit_loss_loops": correct("audit_loss_loops", {
        "softmax_loss_answer": '''
import math

def softmax_loss(W, X, y):
    N, D = X.shape
    C = W.shape[1]
    G, loss = [], 0.0
    for i in range(N):
        s = [0.0] * C
        for c in range(C):
            for d in range(D):
                s[c] += X[i, d] * W[d, c]
        m = max(s)
        e = [math.exp(v - m) for v in s]
        t = sum(e)
        loss += m + math.log(t) - s[y[i]]
        G.append([e[c] / t - (c == y[i]) for c in range(C)])
    dW = np.zeros((D, C))
    for d in range(D):
        for c in range(C):
            acc = 0.0
            for i in range(N):
                acc += X[i, d] * G[i][c]
            dW[d, c] = acc / N
    return loss / N, dW
'''}),
}

HINGE = {
    "audit_svm_gradient_ignores_delta": wrong(
        "audit_svm_gradient_ignores_delta", {"svm_loss_answer": '''
def svm_loss(W, X, y, delta=1.0):
    N = X.shape[0]
    rows = np.arange(N)
    S = X @ W
    M = np.maximum(0, S - S[rows, y][:, None] + delta)
    M[rows, y] = 0
    G = ((S - S[rows, y][:, None] + 1.0) > 0).astype(float)   # margin 1
    G[rows, y] = 0
    G[rows, y] = -G.sum(axis=1)
    return float(M.sum() / N), X.T @ G / N
'''}, {"test_svm_loss_gradient"}, "dW with delta=0.5 is wrong"),
    "audit_svm_changes_X": wrong("audit_svm_changes_X", {
        "svm_loss_answer": '''
def svm_loss(W, X, y, delta=1.0):
    N = X.shape[0]
    rows = np.arange(N)
    S = X @ W
    M = np.maximum(0, S - S[rows, y][:, None] + delta)
    M[rows, y] = 0
    G = (M > 0).astype(float)
    G[rows, y] = -G.sum(axis=1)
    X /= N
    return float(M.sum() / N), X.T @ G
'''}, {"test_inputs_unmodified"}, "svm_loss modified its input X"),
    "audit_zero_one_any_tied_maximum": wrong(
        "audit_zero_one_any_tied_maximum", {"zero_one_loss_answer": '''
def zero_one_loss(S, y):
    right = S[np.arange(len(y)), y] >= S.max(axis=1)
    return float(np.mean(~right))
'''}, {"test_zero_one_loss"}, "the first arg max is the prediction"),
}

BACKPROP = {
    "audit_forward_exp_ratio_sigmoid": wrong(
        "audit_forward_exp_ratio_sigmoid", {"mlp_forward_answer": '''
def mlp_forward(Wh, Wo, X):
    def sig(z):
        e = np.exp(z)
        return e / (1.0 + e)
    H = sig(X @ Wh.T)
    return H, sig(H @ Wo.T)
'''}, {"test_mlp_stable"}, "H of mlp_forward is NaN"),
    "audit_grads_exp_ratio_sigmoid": wrong(
        "audit_grads_exp_ratio_sigmoid", {"mlp_loss_and_grads_answer": '''
def mlp_loss_and_grads(Wh, Wo, X, Y):
    sig = lambda z: np.exp(z) / (1.0 + np.exp(z))
    H = sig(X @ Wh.T)
    Yhat = sig(H @ Wo.T)
    E = Yhat - Y
    do = E * Yhat * (1 - Yhat)
    dh = (do @ Wo) * H * (1 - H)
    return float(0.5 * np.sum(E ** 2)), dh.T @ X, do.T @ H
'''}, {"test_mlp_stable"}, "the loss is NaN"),
    "audit_grads_change_Y": wrong("audit_grads_change_Y", {
        "mlp_loss_and_grads_answer": '''
def mlp_loss_and_grads(Wh, Wo, X, Y):
    H, Yhat = mlp_forward(Wh, Wo, X)
    E = Y
    E -= Yhat
    E *= -1.0                      # E = Yhat - Y, computed in Y's memory
    do = E * Yhat * (1 - Yhat)
    dh = (do @ Wo) * H * (1 - H)
    return float(0.5 * np.sum(E ** 2)), dh.T @ X, do.T @ H
'''}, {"test_inputs_unmodified"}, "modified its input Y in place"),
}

ACTIVATIONS = {
    "audit_sigmoid_naive_warns": correct("audit_sigmoid_naive_warns", {
        "sigmoid_answer": '''
def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))
'''}),
    "audit_tanh_from_naive_sigmoid": correct("audit_tanh_from_naive_sigmoid", {
        "tanh_answer": '''
def tanh(x):
    return 2.0 / (1.0 + np.exp(-2.0 * x)) - 1.0
'''}),
    "audit_elu_where_warns": correct("audit_elu_where_warns", {
        "elu_answer": '''
def elu(x, alpha=1.0):
    return np.where(x >= 0, x, alpha * (np.exp(x) - 1))
'''}),
    "audit_softplus_where_warns": correct("audit_softplus_where_warns", {
        "softplus_answer": '''
def softplus(x):
    return np.where(x > 0, x + np.log1p(np.exp(-x)), np.log1p(np.exp(x)))
'''}),
}

SUBMISSIONS = {
    "entropy": list(ENTROPY.values()),
    "cross_entropy": list(CROSS_ENTROPY.values()),
    "kl_divergence": list(KL_DIVERGENCE.values()),
    "softmax": list(SOFTMAX.values()),
    "hinge": list(HINGE.values()),
    "backprop": list(BACKPROP.values()),
    "activations": list(ACTIVATIONS.values()),
}
