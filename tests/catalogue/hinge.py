"""Fixture submissions of the hinge assignment."""
from .common import correct, wrong

SVM = "svm_loss_answer"
ML = "multilabel_hinge_loss_answer"
REG = "regression_loss_answer"
ZO = "zero_one_loss_answer"

SUBMISSIONS = [
    wrong("svm_counts_correct_class", {SVM: '''
def svm_loss(W, X, y, delta=1.0):
    N = X.shape[0]
    S = X @ W
    margins = np.maximum(0, S - S[np.arange(N), y][:, None] + delta)
    G = (margins > 0).astype(float)
    G[np.arange(N), y] -= G.sum(axis=1)
    return margins.sum() / N, X.T @ G / N
'''}, {"test_svm_loss_value", "test_inputs_unmodified",
       "test_svm_loss_consistent"}, "must skip the correct class"),
    wrong("svm_correct_class_row_missing", {SVM: '''
def svm_loss(W, X, y, delta=1.0):
    N = X.shape[0]
    S = X @ W
    margins = np.maximum(0, S - S[np.arange(N), y][:, None] + delta)
    margins[np.arange(N), y] = 0
    G = (margins > 0).astype(float)
    return margins.sum() / N, X.T @ G / N
'''}, {"test_svm_loss_gradient", "test_svm_loss_consistent",
       "test_inputs_unmodified"},
        "the correct-class column"),
    wrong("svm_no_1_over_N", {SVM: '''
def svm_loss(W, X, y, delta=1.0):
    N = X.shape[0]
    S = X @ W
    margins = np.maximum(0, S - S[np.arange(N), y][:, None] + delta)
    margins[np.arange(N), y] = 0
    G = (margins > 0).astype(float)
    G[np.arange(N), y] = -G.sum(axis=1)
    return margins.sum() / N, X.T @ G
'''}, {"test_svm_loss_gradient", "test_svm_loss_consistent",
       "test_inputs_unmodified"},
        "It is N times"),
    wrong("svm_transposed", {SVM: '''
def svm_loss(W, X, y, delta=1.0):
    N = X.shape[0]
    S = X @ W
    margins = np.maximum(0, S - S[np.arange(N), y][:, None] + delta)
    margins[np.arange(N), y] = 0
    G = (margins > 0).astype(float)
    G[np.arange(N), y] = -G.sum(axis=1)
    return margins.sum() / N, G.T @ X / N
'''}, {"test_svm_loss_gradient", "test_svm_loss_consistent",
       "test_inputs_unmodified"},
        "It is the transpose"),
    wrong("svm_ignores_delta", {SVM: '''
def svm_loss(W, X, y, delta=1.0):
    N = X.shape[0]
    S = X @ W
    margins = np.maximum(0, S - S[np.arange(N), y][:, None] + 1)
    margins[np.arange(N), y] = 0
    G = (margins > 0).astype(float)
    G[np.arange(N), y] = -G.sum(axis=1)
    return margins.sum() / N, X.T @ G / N
'''}, {"test_svm_loss_value", "test_svm_loss_gradient"}, "delta=0.5"),
    wrong("svm_finite_differences", {SVM: '''
def svm_loss(W, X, y, delta=1.0):
    def f(W):
        N = X.shape[0]
        S = X @ W
        m = np.maximum(0, S - S[np.arange(N), y][:, None] + delta)
        m[np.arange(N), y] = 0
        return m.sum() / N
    dW, h = np.zeros_like(W), 1e-5
    for k in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[k] = h
        dW[k] = (f(W + E) - f(W - E)) / (2 * h)
    return f(W), dW
'''}, {"test_svm_loss_gradient"}, "computed numerically"),
    wrong("multilabel_sign_dropped", {ML: '''
def multilabel_hinge_loss(W, X, Y):
    S = X @ W
    slack = np.maximum(0, 1 - Y * S)
    return slack.sum() / len(X), X.T @ (Y * (slack > 0)) / len(X)
'''}, {"test_multilabel_gradient", "test_multilabel_consistent",
       "test_inputs_unmodified"},
        "It is -1 times"),
    wrong("multilabel_no_1_over_N", {ML: '''
def multilabel_hinge_loss(W, X, Y):
    S = X @ W
    slack = np.maximum(0, 1 - Y * S)
    return slack.sum() / len(X), X.T @ (-Y * (slack > 0))
'''}, {"test_multilabel_gradient", "test_multilabel_consistent",
       "test_inputs_unmodified"},
        "It is N times"),
    wrong("multilabel_loss_sum_not_mean", {ML: '''
def multilabel_hinge_loss(W, X, Y):
    S = X @ W
    slack = np.maximum(0, 1 - Y * S)
    return slack.sum(), X.T @ (-Y * (slack > 0)) / len(X)
'''}, {"test_multilabel_value", "test_multilabel_consistent",
       "test_inputs_unmodified"},
        "N times"),
    wrong("regression_q1_uses_q2_gradient", {REG: '''
def regression_loss(S, Y, q=2):
    R = S - Y
    return (np.abs(R) ** q).sum() / len(S), 2 * R / len(S)
'''}, {"test_regression_gradient", "test_inputs_unmodified"}, "dS for q=1"),
    wrong("regression_missing_factor_2", {REG: '''
def regression_loss(S, Y, q=2):
    R = S - Y
    if q == 1:
        return np.abs(R).sum() / len(S), np.sign(R) / len(S)
    return (R ** 2).sum() / len(S), R / len(S)
'''}, {"test_regression_gradient", "test_inputs_unmodified"},
      "It is 1/2 times"),
    wrong("regression_mean_over_entries", {REG: '''
def regression_loss(S, Y, q=2):
    R = S - Y
    if q == 1:
        return np.mean(np.abs(R)), np.sign(R) / R.size
    return np.mean(R ** 2), 2 * R / R.size
'''}, {"test_regression_value", "test_regression_gradient",
       "test_inputs_unmodified"},
        "the loss is wrong"),
    wrong("zero_one_counts", {ZO: '''
def zero_one_loss(S, y):
    return float(np.sum(np.argmax(S, axis=1) != y))
'''}, {"test_zero_one_loss", "test_inputs_unmodified"}, "It is N times"),
    wrong("zero_one_accuracy", {ZO: '''
def zero_one_loss(S, y):
    return float(np.mean(np.argmax(S, axis=1) == y))
'''}, {"test_zero_one_loss", "test_inputs_unmodified"},
      "zero_one_loss(S, y) is wrong"),
    wrong("zero_one_last_argmax", {ZO: '''
def zero_one_loss(S, y):
    last = S.shape[1] - 1 - np.argmax(S[:, ::-1], axis=1)
    return float(np.mean(last != y))
'''}, {"test_zero_one_loss"}, "tied scores"),
    correct("correct_loops", {
        SVM: '''
def svm_loss(W, X, y, delta=1.0):
    N, D = X.shape
    C = W.shape[1]
    loss, dW = 0.0, np.zeros((D, C))
    for i in range(N):
        s = X[i] @ W
        for j in range(C):
            if j == y[i]:
                continue
            margin = s[j] - s[y[i]] + delta
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return loss / N, dW / N
''',
        ML: '''
def multilabel_hinge_loss(W, X, Y):
    N, C = Y.shape
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        for j in range(C):
            slack = 1 - Y[i, j] * (X[i] @ W[:, j])
            if slack > 0:
                loss += slack
                dW[:, j] -= Y[i, j] * X[i]
    return loss / N, dW / N
''',
        REG: '''
def regression_loss(S, Y, q=2):
    N = S.shape[0]
    loss, dS = 0.0, np.zeros_like(S)
    for idx in np.ndindex(S.shape):
        r = S[idx] - Y[idx]
        loss += abs(r) ** q
        dS[idx] = q * abs(r) ** (q - 1) * np.sign(r) / N
    return loss / N, dS
''',
        ZO: '''
def zero_one_loss(S, y):
    wrong = 0
    for scores, label in zip(S, y):
        best = 0
        for j in range(len(scores)):
            if scores[j] > scores[best]:
                best = j
        wrong += best != label
    return wrong / len(y)
'''}),
    correct("correct_vectorised_variants", {
        SVM: '''
def svm_loss(W, X, y, delta=1.0):
    N, C = X.shape[0], W.shape[1]
    S = X @ W
    Y = np.eye(C, dtype=bool)[y]
    correct_scores = np.sum(S * Y, axis=1, keepdims=True)
    margins = np.where(Y, 0.0, np.maximum(0.0, S - correct_scores + delta))
    active = (margins > 0) * 1.0
    G = active - Y * active.sum(axis=1, keepdims=True)
    return [np.sum(margins) / N, np.einsum("nd,nc->dc", X, G) / N]
''',
        ML: '''
def multilabel_hinge_loss(W, X, Y):
    N = len(X)
    margins = 1 - Y * (X @ W)
    active = margins > 0
    loss = np.sum(margins[active]) / N
    return loss, -(X.T @ (Y * active)) / N
''',
        REG: '''
def regression_loss(S, Y, q=2):
    R = S - Y
    N = len(S)
    grads = {1: np.sign(R), 2: 2 * R}
    return np.sum(np.abs(R) ** q) / N, grads[q] / N
''',
        ZO: '''
def zero_one_loss(S, y):
    return 1.0 - np.mean(S.argmax(axis=-1) == y)
'''}),
]
