"""Fixture submissions of the backprop assignment."""
from .common import correct, wrong

NUM = "numerical_gradient_answer"
FWD = "mlp_forward_answer"
GRADS = "mlp_loss_and_grads_answer"


def _grads(delta_o: str, delta_h: str, loss: str = "0.5 * np.sum(E ** 2)",
           dWh: str = "delta_h.T @ X", dWo: str = "delta_o.T @ H") -> str:
    """mlp_loss_and_grads with one piece of the derivation replaced."""
    return f'''
def mlp_loss_and_grads(Wh, Wo, X, Y):
    H, Yhat = mlp_forward(Wh, Wo, X)
    E = Yhat - Y
    delta_o = {delta_o}
    delta_h = {delta_h}
    return {loss}, {dWh}, {dWo}
'''


RIGHT_O = "E * Yhat * (1 - Yhat)"
RIGHT_H = "(delta_o @ Wo) * H * (1 - H)"

SUBMISSIONS = [
    wrong("numgrad_forward_differences", {NUM: '''
def numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros_like(theta)
    f0 = f(theta)
    for k in np.ndindex(theta.shape):
        saved = theta[k]
        theta[k] = saved + h
        grad[k] = (f(theta) - f0) / h
        theta[k] = saved
    return grad
'''}, {"test_numerical_gradient_values", "test_numerical_gradient_step",
       "test_numerical_gradient_restores"},
        "forward differences"),
    wrong("numgrad_theta_not_restored", {NUM: '''
def numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros_like(theta)
    for k in np.ndindex(theta.shape):
        theta[k] += h
        f_plus = f(theta)
        theta[k] -= 2 * h
        f_minus = f(theta)
        theta[k] += h
        grad[k] = (f_plus - f_minus) / (2 * h)
    return grad
'''}, {"test_numerical_gradient_restores"}, "changed theta"),
    wrong("numgrad_ignores_h", {NUM: '''
def numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros_like(theta)
    for k in np.ndindex(theta.shape):
        saved = theta[k]
        theta[k] = saved + 1e-5
        f_plus = f(theta)
        theta[k] = saved - 1e-5
        f_minus = f(theta)
        theta[k] = saved
        grad[k] = (f_plus - f_minus) / 2e-5
    return grad
'''}, {"test_numerical_gradient_step"}, "use the h argument"),
    wrong("numgrad_1d_only", {NUM: '''
def numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros(len(theta))
    for k in range(len(theta)):
        e = np.zeros(len(theta))
        e[k] = h
        grad[k] = (f(theta + e) - f(theta - e)) / (2 * h)
    return grad
'''}, {"test_numerical_gradient_values", "test_numerical_gradient_restores"},
        "should have shape (2, 3, 2), the shape of theta"),
    wrong("forward_no_output_sigmoid", {FWD: '''
def mlp_forward(Wh, Wo, X):
    H = sigmoid(X @ Wh.T)
    return H, H @ Wo.T
'''}, {"test_mlp_forward", "test_mlp_loss", "test_mlp_grad_Wo",
       "test_mlp_grad_Wh", "test_mlp_grads_consistent",
       "test_inputs_unmodified", "test_mlp_stable"}, "Yhat (N, C) is wrong"),
    wrong("forward_untransposed_weights", {FWD: '''
def mlp_forward(Wh, Wo, X):
    H = sigmoid(X @ Wh.T)
    Yhat = sigmoid(Wo @ H.T)
    return H, Yhat
'''}, {"test_mlp_forward", "test_mlp_loss", "test_mlp_grad_Wo",
       "test_mlp_grad_Wh", "test_mlp_grads_consistent",
       "test_inputs_unmodified", "test_mlp_stable"}, "It is the transpose"),
    wrong("grads_missing_output_derivative",
          {GRADS: _grads("E", RIGHT_H)},
          {"test_mlp_grad_Wo", "test_mlp_grad_Wh",
           "test_mlp_grads_consistent", "test_inputs_unmodified",
           "test_mlp_stable"}, "missing the sigmoid derivative"),
    wrong("grads_missing_hidden_derivative",
          {GRADS: _grads(RIGHT_O, "delta_o @ Wo")},
          {"test_mlp_grad_Wh", "test_mlp_grads_consistent",
           "test_inputs_unmodified", "test_mlp_stable"},
          "derivative of the hidden sigmoid"),
    wrong("grads_mean_not_sum",
          {GRADS: _grads(RIGHT_O, RIGHT_H, dWh="delta_h.T @ X / len(X)",
                         dWo="delta_o.T @ H / len(X)")},
          {"test_mlp_grad_Wo", "test_mlp_grad_Wh",
           "test_mlp_grads_consistent", "test_inputs_unmodified",
           "test_mlp_stable"}, "It is 1/N times"),
    wrong("grads_transposed_dWh",
          {GRADS: _grads(RIGHT_O, RIGHT_H, dWh="X.T @ delta_h")},
          {"test_mlp_grad_Wh", "test_mlp_grads_consistent",
           "test_inputs_unmodified", "test_mlp_stable"},
          "It is the transpose"),
    wrong("grads_loss_without_half",
          {GRADS: _grads(RIGHT_O, RIGHT_H, loss="np.sum(E ** 2)")},
          {"test_mlp_loss", "test_mlp_grads_consistent",
           "test_inputs_unmodified", "test_mlp_stable"},
          "It is 2 times"),
    wrong("grads_finite_differences", {GRADS: '''
def mlp_loss_and_grads(Wh, Wo, X, Y):
    def loss(Wh, Wo):
        return 0.5 * np.sum((mlp_forward(Wh, Wo, X)[1] - Y) ** 2)
    dWh = numerical_gradient(lambda W: loss(W, Wo), Wh.copy())
    dWo = numerical_gradient(lambda W: loss(Wh, W), Wo.copy())
    return loss(Wh, Wo), dWh, dWo
'''}, {"test_mlp_grad_Wo", "test_mlp_grad_Wh"}, "computed numerically"),
    correct("correct_loops", {
        NUM: '''
def numerical_gradient(f, theta, h=1e-5):
    flat = theta.reshape(-1)          # a view: writes reach theta
    grad = np.empty(flat.size)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + h
        up = f(theta)
        flat[k] = old - h
        down = f(theta)
        flat[k] = old
        grad[k] = (up - down) / (2 * h)
    return grad.reshape(theta.shape)
''',
        FWD: '''
def mlp_forward(Wh, Wo, X):
    N, M, C = X.shape[0], Wh.shape[0], Wo.shape[0]
    H, Yhat = np.zeros((N, M)), np.zeros((N, C))
    for i in range(N):
        for j in range(M):
            H[i, j] = sigmoid(Wh[j] @ X[i])
        for c in range(C):
            Yhat[i, c] = sigmoid(Wo[c] @ H[i])
    return H, Yhat
''',
        GRADS: '''
def mlp_loss_and_grads(Wh, Wo, X, Y):
    H, Yhat = mlp_forward(Wh, Wo, X)
    loss, dWh, dWo = 0.0, np.zeros_like(Wh), np.zeros_like(Wo)
    for i in range(X.shape[0]):
        d_o = (Yhat[i] - Y[i]) * Yhat[i] * (1 - Yhat[i])
        loss += 0.5 * np.sum((Yhat[i] - Y[i]) ** 2)
        dWo += np.outer(d_o, H[i])
        d_h = (Wo.T @ d_o) * H[i] * (1 - H[i])
        dWh += np.outer(d_h, X[i])
    return loss, dWh, dWo
'''}),
    correct("correct_alternative_forms", {
        NUM: '''
def numerical_gradient(f, theta, h=1e-5):
    grad = np.zeros(theta.shape)
    it = np.nditer(theta, flags=["multi_index"])
    for _ in it:
        k = it.multi_index
        original = theta[k].copy()
        theta[k] = original + h
        a = f(theta)
        theta[k] = original - h
        b = f(theta)
        theta[k] = original
        grad[k] = (a - b) / (2 * h)
    return grad
''',
        FWD: '''
def mlp_forward(Wh, Wo, X):
    H = 1 / (1 + np.exp(-np.einsum("nd,md->nm", X, Wh)))
    return H, 1 / (1 + np.exp(-np.einsum("nm,cm->nc", H, Wo)))
''',
        GRADS: '''
def mlp_loss_and_grads(Wh, Wo, X, Y):
    H, Yhat = mlp_forward(Wh, Wo, X)
    dL_dYhat = Yhat - Y
    dL_dZo = dL_dYhat * Yhat * (1 - Yhat)     # through the output sigmoid
    dL_dH = dL_dZo @ Wo
    dL_dZh = dL_dH * H * (1 - H)              # through the hidden sigmoid
    return [0.5 * np.sum(dL_dYhat ** 2), np.einsum("nm,nd->md", dL_dZh, X),
            np.einsum("nc,nm->cm", dL_dZo, H)]
'''}),
]
