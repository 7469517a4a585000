/* LossLab: the one source of the book's demo math, in plain JavaScript.
 *
 * Every function mirrors its NumPy counterpart in autograder/reference
 * (same formulas, same conventions at kinks and for large inputs), so
 * that the browser tests can compare the numbers a demo shows with NumPy
 * to 1e-9. Arrays are plain JavaScript arrays of numbers (float64);
 * matrices are arrays of rows. No DOM, no globals but `LossLab`.
 */
(function (root) {
  "use strict";

  // -- activations (reference/activations.py) ------------------------------

  function sigmoid(x) {
    const e = Math.exp(-Math.abs(x));
    return x >= 0 ? 1 / (1 + e) : e / (1 + e);
  }

  const ACTIVATIONS = {
    sigmoid: {
      f: sigmoid,
      df: (x) => { const s = sigmoid(x); return s * (1 - s); },
    },
    tanh: {
      f: Math.tanh,
      df: (x) => { const t = Math.tanh(x); return 1 - t * t; },
    },
    relu: { f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0) },
    leaky_relu: {
      f: (x, alpha = 0.01) => (x >= 0 ? x : alpha * x),
      df: (x, alpha = 0.01) => (x >= 0 ? 1 : alpha),
    },
    elu: {
      f: (x, alpha = 1) => (x >= 0 ? x : alpha * Math.expm1(Math.min(x, 0))),
      df: (x, alpha = 1) => (x >= 0 ? 1 : alpha * Math.exp(Math.min(x, 0))),
    },
    softplus: {
      f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
      df: sigmoid,
    },
    swish: {
      f: (x) => x * sigmoid(x),
      df: (x) => { const s = sigmoid(x); return s + x * s * (1 - s); },
    },
  };

  // -- softmax and its losses (reference/softmax.py, reference/hinge.py) ----

  /** softmax(s, T): exp(s_j / T) normalised; s (C,) -> (C,). */
  function softmax(s, T = 1) {
    const z = s.map((v) => v / T);
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  }

  /** log sum_j exp(s_j), with the maximum subtracted; s (C,) -> number. */
  function logsumexp(s) {
    const top = Math.max(...s);
    const total = s.reduce((a, v) => a + Math.exp(v - top), 0);
    return Math.log(total) + top;
  }

  /** Entropy of a distribution in bits, 0 log 0 = 0. */
  function entropyBits(p) {
    return -p.reduce((a, v) => (v > 0 ? a + v * Math.log(v) : a), 0) /
      Math.LN2;
  }

  /** Cross-entropy of softmax(s) against label y (natural log), and its
   * gradient with respect to the scores, softmax(s) - onehot(y). */
  function softmaxLoss(s, y) {
    const q = softmax(s);
    return { loss: logsumexp(s) - s[y],
             grad: q.map((v, j) => v - (j === y ? 1 : 0)) };
  }

  /** Multiclass SVM loss of scores s with label y and margin delta, and
   * its (sub)gradient with respect to s (0 on a term exactly at 0). */
  function svmLoss(s, y, delta = 1) {
    let loss = 0;
    const grad = s.map(() => 0);
    s.forEach((v, j) => {
      if (j === y) return;
      const gamma = v - s[y] + delta;
      if (gamma > 0) {
        loss += gamma;
        grad[j] += 1;
        grad[y] -= 1;
      }
    });
    return { loss, grad };
  }

  // -- a small fully connected network -------------------------------------

  /** A network from layers [{W: (in, out) rows, b: (out,)}, ...], hidden
   * activation `act` (a key of ACTIVATIONS) and an output that is the
   * sigmoid (classification) or linear (regression). */
  function makeNet(layers, act, output = "sigmoid") {
    return {
      layers: layers.map((l) => ({ W: l.W.map((r) => r.slice()),
                                   b: l.b.slice() })),
      act, output,
    };
  }

  function affine(A, W, b) {
    const out = W[0].length;
    return A.map((a) => {
      const z = b.slice();
      for (let k = 0; k < a.length; k++) {
        const ak = a[k];
        if (ak === 0) continue;
        const Wk = W[k];
        for (let j = 0; j < out; j++) z[j] += ak * Wk[j];
      }
      return z;
    });
  }

  /** Forward pass on X (N, D): every layer's pre-activations Z and values
   * A (A[0] = X) and the outputs yhat (N,). */
  function forward(net, X) {
    const g = ACTIVATIONS[net.act].f;
    const A = [X];
    const Z = [];
    net.layers.forEach((layer, l) => {
      const z = affine(A[l], layer.W, layer.b);
      Z.push(z);
      const last = l === net.layers.length - 1;
      if (!last) A.push(z.map((r) => r.map((v) => g(v))));
    });
    const s = Z[Z.length - 1].map((r) => r[0]);
    const yhat = net.output === "sigmoid" ? s.map(sigmoid) : s;
    return { A, Z, s, yhat };
  }

  /** Mean loss of outputs yhat (scores s) against targets y: "squared",
   * (1/N) sum_i (yhat_i - y_i)^2 / 2, or "xent", the logistic loss
   * (1/N) sum_i [softplus(s_i) - y_i s_i] (sigmoid output only). */
  function loss(kind, s, yhat, y) {
    const N = y.length;
    let total = 0;
    for (let i = 0; i < N; i++) {
      if (kind === "xent") {
        total += ACTIVATIONS.softplus.f(s[i]) - y[i] * s[i];
      } else {
        const e = yhat[i] - y[i];
        total += 0.5 * e * e;
      }
    }
    return total / N;
  }

  /** Backward pass: gradients [{W, b}, ...] of the mean loss. */
  function backward(net, cache, y, kind) {
    const dg = ACTIVATIONS[net.act].df;
    const N = y.length;
    // dL/ds for each sample: the output unit's delta
    let delta = cache.s.map((s, i) => {
      const q = cache.yhat[i];
      if (kind === "xent") return [(q - y[i]) / N];
      const slope = net.output === "sigmoid" ? q * (1 - q) : 1;
      return [(q - y[i]) * slope / N];
    });
    const grads = [];
    for (let l = net.layers.length - 1; l >= 0; l--) {
      const { W } = net.layers[l];
      const Aprev = cache.A[l];
      const dW = W.map((r) => r.map(() => 0));
      const db = W[0].map(() => 0);
      for (let i = 0; i < N; i++) {
        const a = Aprev[i];
        const d = delta[i];
        for (let k = 0; k < a.length; k++) {
          for (let j = 0; j < d.length; j++) dW[k][j] += a[k] * d[j];
        }
        for (let j = 0; j < d.length; j++) db[j] += d[j];
      }
      grads[l] = { W: dW, b: db };
      if (l > 0) {
        const Zprev = cache.Z[l - 1];
        delta = delta.map((d, i) => W.map((Wk, k) => {
          let back = 0;
          for (let j = 0; j < d.length; j++) back += d[j] * Wk[j];
          return back * dg(Zprev[i][k]);
        }));
      }
    }
    return grads;
  }

  /** One full-batch gradient-descent step; returns the loss before it. */
  function step(net, X, y, kind, lr) {
    const cache = forward(net, X);
    const before = loss(kind, cache.s, cache.yhat, y);
    const grads = backward(net, cache, y, kind);
    net.layers.forEach((layer, l) => {
      layer.W.forEach((r, k) => r.forEach((_, j) => {
        r[j] -= lr * grads[l].W[k][j];
      }));
      layer.b.forEach((_, j) => { layer.b[j] -= lr * grads[l].b[j]; });
    });
    return before;
  }

  /** The mean loss of `net` on (X, y). */
  function evaluate(net, X, y, kind) {
    if (!X.length) return NaN;
    const cache = forward(net, X);
    return loss(kind, cache.s, cache.yhat, y);
  }

  const api = { ACTIVATIONS, sigmoid, softmax, logsumexp, entropyBits,
                softmaxLoss, svmLoss, makeNet, forward, loss, backward,
                step, evaluate };
  root.LossLab = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof self !== "undefined" ? self : this);
