/* The playground (book/playground.md): a small fully connected network
 * trained on a 2-D data set in the reader's browser.
 *
 * Data, split and initial weights come from window.LossLabFixtures (the
 * build writes them from NumPy, _ext/demos.py); every forward pass, loss
 * and gradient step is LossLab's (losslab.js, the book's backprop
 * equations). This file only wires the controls and draws: the decision
 * boundary (the network's output on a GRID x GRID grid, recomputed and
 * redrawn after every step), the train and test loss curves and the
 * network with its weights as line widths.
 *
 * The numbers a test reads are in <output> elements: the text the reader
 * sees (6 significant digits) and the full float64 value in data-value.
 */
(function () {
  "use strict";

  const root = document.getElementById("demo-playground");
  const LL = window.LossLab;
  const FX = window.LossLabFixtures;
  if (!root || !LL || !FX) return;

  const $ = (id) => document.getElementById(id);
  const ui = {
    dataset: $("pg-dataset"), noise: $("pg-noise"),
    noiseOut: $("pg-noise-value"),
    train: $("pg-train"), trainOut: $("pg-train-value"),
    layers: $("pg-layers"), units: $("pg-units"), act: $("pg-act"),
    loss: $("pg-loss"), lr: $("pg-lr"), speed: $("pg-speed"),
    start: $("pg-start"), pause: $("pg-pause"), step: $("pg-step"),
    reset: $("pg-reset"), steps: $("pg-steps"),
    trainLoss: $("pg-train-loss"), testLoss: $("pg-test-loss"),
    boundary: $("pg-boundary"), curves: $("pg-curves"), net: $("pg-net"),
  };

  // -- the grid of the decision boundary ----------------------------------

  /** Cells per side of the boundary's grid, and the half-width of the
   * square it covers (the data lie in [-1, 1]^2 before noise). */
  const GRID = 40;
  const EXTENT = 1.6;
  const gridX = [];
  for (let r = 0; r < GRID; r++) {
    const x2 = EXTENT - (r + 0.5) * (2 * EXTENT) / GRID;
    for (let c = 0; c < GRID; c++) {
      gridX.push([-EXTENT + (c + 0.5) * (2 * EXTENT) / GRID, x2]);
    }
  }

  // class 0 orange, class 1 blue; light tints for the background
  const C0 = [230, 120, 20], C1 = [25, 100, 180];
  const LUT = new Uint8Array(256 * 3);
  for (let k = 0; k < 256; k++) {
    const q = k / 255;
    const [c, w] = q < 0.5 ? [C0, q * 2] : [C1, (1 - q) * 2];
    for (let ch = 0; ch < 3; ch++) {
      // from the class colour's tint (w = 0) to white (w = 1)
      const tint = 255 - 0.55 * (255 - c[ch]);
      LUT[3 * k + ch] = Math.round(tint + (255 - tint) * w);
    }
  }
  const rgb = (c) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

  const cell = document.createElement("canvas");
  cell.width = GRID;
  cell.height = GRID;
  const cellCtx = cell.getContext("2d");
  const image = cellCtx.createImageData(GRID, GRID);
  const dots = document.createElement("canvas");  // the data, drawn once

  // -- state ----------------------------------------------------------------

  const state = {
    net: null, Xtr: [], ytr: [], Xte: [], yte: [],
    steps: 0, trainLoss: NaN, testLoss: NaN, trainCurve: [], testCurve: [],
    running: false, raf: 0, boundaryDraws: 0,
  };

  const kind = () => ui.loss.value;
  const learningRate = () => Number(ui.lr.value);

  /** X + noise * noise_array; the first round(fraction * N) samples of
   * `order` train, the others test (as _ext/demos.py documents). */
  function loadData() {
    const d = FX.datasets[ui.dataset.value];
    const noise = Number(ui.noise.value);
    const N = d.y.length;
    const nTrain = Math.round(Number(ui.train.value) * N);
    const X = d.X.map((p, i) => [p[0] + noise * d.noise[i][0],
                                 p[1] + noise * d.noise[i][1]]);
    const pick = (idx) => [idx.map((i) => X[i]), idx.map((i) => d.y[i])];
    [state.Xtr, state.ytr] = pick(d.order.slice(0, nTrain));
    [state.Xte, state.yte] = pick(d.order.slice(nTrain));
  }

  function newNet() {
    const key = `${ui.layers.value}x${ui.units.value}`;
    state.net = LL.makeNet(FX.playground[key], ui.act.value, "sigmoid");
  }

  // -- numbers --------------------------------------------------------------

  function show(out, value, digits) {
    out.dataset.value = String(value);
    out.textContent = Number.isFinite(value) ? value.toPrecision(digits)
      : "n/a";
  }

  /** The current losses (after `state.steps` steps), shown and recorded. */
  function measure() {
    state.trainLoss = LL.evaluate(state.net, state.Xtr, state.ytr, kind());
    state.testLoss = LL.evaluate(state.net, state.Xte, state.yte, kind());
    state.trainCurve.push(state.trainLoss);
    state.testCurve.push(state.testLoss);
    ui.steps.dataset.value = String(state.steps);
    ui.steps.textContent = String(state.steps);
    show(ui.trainLoss, state.trainLoss, 6);
    show(ui.testLoss, state.testLoss, 6);
  }

  // -- drawing --------------------------------------------------------------

  function drawDots() {
    const W = ui.boundary.width, H = ui.boundary.height;
    dots.width = W;
    dots.height = H;
    const ctx = dots.getContext("2d");
    const px = (x) => (x + EXTENT) / (2 * EXTENT) * W;
    const py = (y) => (EXTENT - y) / (2 * EXTENT) * H;
    const draw = (X, y, test) => X.forEach((p, i) => {
      ctx.beginPath();
      ctx.arc(px(p[0]), py(p[1]), test ? 3.2 : 3.6, 0, 2 * Math.PI);
      ctx.fillStyle = test ? "#fff" : rgb(y[i] ? C1 : C0);
      ctx.strokeStyle = test ? rgb(y[i] ? C1 : C0) : "#fff";
      ctx.lineWidth = test ? 2 : 1;
      ctx.fill();
      ctx.stroke();
    });
    draw(state.Xtr, state.ytr, false);
    draw(state.Xte, state.yte, true);
  }

  /** The network's output yhat on the grid, as colour, under the data. */
  function drawBoundary() {
    const q = LL.forward(state.net, gridX).yhat;
    const px = image.data;
    for (let i = 0; i < q.length; i++) {
      const k = 3 * Math.round(q[i] * 255);
      px[4 * i] = LUT[k];
      px[4 * i + 1] = LUT[k + 1];
      px[4 * i + 2] = LUT[k + 2];
      px[4 * i + 3] = 255;
    }
    cellCtx.putImageData(image, 0, 0);
    const ctx = ui.boundary.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(cell, 0, 0, ui.boundary.width, ui.boundary.height);
    ctx.drawImage(dots, 0, 0);
    state.boundaryDraws += 1;
  }

  function drawCurves() {
    const cv = ui.curves, ctx = cv.getContext("2d");
    const W = cv.width, H = cv.height, left = 44, bottom = 22, top = 18;
    ctx.clearRect(0, 0, W, H);
    // a loop, not Math.max(...values): spreading the curves of a long
    // run (some 10^5 steps) overflows the call stack
    let highest = -Infinity;
    for (const curve of [state.trainCurve, state.testCurve]) {
      for (const v of curve) {
        if (Number.isFinite(v) && v > highest) highest = v;
      }
    }
    const ymax = (highest > -Infinity ? highest : 1) * 1.05 || 1;
    const n = state.trainCurve.length;
    const xs = (k) => left + (W - left - 8) * (n > 1 ? k / (n - 1) : 0);
    const ys = (v) => top + (H - top - bottom) * (1 - v / ymax);
    ctx.strokeStyle = "#555";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, top);
    ctx.lineTo(left, H - bottom);
    ctx.lineTo(W - 8, H - bottom);
    ctx.stroke();
    ctx.fillStyle = "#222";
    ctx.font = "11px sans-serif";
    ctx.textAlign = "right";
    ctx.fillText(ymax.toPrecision(2), left - 4, top + 4);
    ctx.fillText("0", left - 4, H - bottom + 4);
    ctx.textAlign = "center";
    ctx.fillText(`step ${Math.max(n - 1, 0)}`, W - 40, H - 6);
    const stride = Math.max(1, Math.ceil(n / (W - left)));
    const line = (curve, colour, dash) => {
      ctx.strokeStyle = colour;
      ctx.setLineDash(dash);
      ctx.lineWidth = 2;
      ctx.beginPath();
      let started = false;
      for (let k = 0; k < n; k += stride) {
        const v = curve[k];
        if (!Number.isFinite(v)) continue;
        if (started) ctx.lineTo(xs(k), ys(v));
        else { ctx.moveTo(xs(k), ys(v)); started = true; }
      }
      if (n && Number.isFinite(curve[n - 1])) {
        ctx.lineTo(xs(n - 1), ys(curve[n - 1]));
      }
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line(state.trainCurve, rgb(C1), []);
    line(state.testCurve, rgb(C0), [5, 3]);
    ctx.textAlign = "left";
    ctx.fillStyle = rgb(C1);
    ctx.fillText("train", left + 8, 12);
    ctx.fillStyle = "#a34f00";
    ctx.fillText("test (dashed)", left + 50, 12);
  }

  /** Inputs, hidden units and output as circles; each weight a line whose
   * width grows with |w|, blue if positive, orange if negative. */
  function drawNet() {
    const cv = ui.net, ctx = cv.getContext("2d");
    const W = cv.width, H = cv.height;
    ctx.clearRect(0, 0, W, H);
    const layers = state.net.layers;
    const sizes = [layers[0].W.length, ...layers.map((l) => l.b.length)];
    const colX = (c) => 24 + (W - 48) * c / (sizes.length - 1);
    const rowY = (c, k) => H / 2 + (k - (sizes[c] - 1) / 2) *
      Math.min(24, (H - 24) / Math.max(1, sizes[c] - 1));
    layers.forEach((layer, l) => layer.W.forEach((row, k) => row.forEach(
      (w, j) => {
        ctx.strokeStyle = w >= 0 ? rgb(C1) : rgb(C0);
        ctx.lineWidth = Math.min(6, 0.3 + 1.6 * Math.abs(w));
        ctx.beginPath();
        ctx.moveTo(colX(l), rowY(l, k));
        ctx.lineTo(colX(l + 1), rowY(l + 1, j));
        ctx.stroke();
      })));
    ctx.font = "10px sans-serif";
    ctx.textAlign = "center";
    sizes.forEach((size, c) => {
      for (let k = 0; k < size; k++) {
        ctx.beginPath();
        ctx.arc(colX(c), rowY(c, k), 6, 0, 2 * Math.PI);
        ctx.fillStyle = c === 0 || c === sizes.length - 1 ? "#333" : "#fff";
        ctx.strokeStyle = "#333";
        ctx.lineWidth = 1.5;
        ctx.fill();
        ctx.stroke();
      }
    });
    ctx.fillStyle = "#222";
    ctx.fillText("x\u2081", colX(0), rowY(0, 0) - 10);
    ctx.fillText("x\u2082", colX(0), rowY(0, 1) + 18);
    const last = sizes.length - 1;
    ctx.fillText("\u0177", colX(last), rowY(last, 0) - 10);
  }

  function drawAll() {
    drawBoundary();
    drawCurves();
    drawNet();
  }

  // -- training -------------------------------------------------------------

  /** One full-batch gradient step (LossLab.step), then the losses and the
   * boundary of the new weights. What the "one step" button does. */
  function oneStep() {
    const lr = learningRate();
    const ok = Number.isFinite(lr) && lr > 0;
    ui.lr.setAttribute("aria-invalid", ok ? "false" : "true");
    if (!ok) return false;
    LL.step(state.net, state.Xtr, state.ytr, kind(), lr);
    state.steps += 1;
    measure();
    drawBoundary();
    return true;
  }

  /** requestAnimationFrame: up to `speed` steps a frame, each with its
   * boundary redrawn, fewer if a frame's budget is spent. */
  const BUDGET_MS = 12;
  function frame() {
    if (!state.running) return;
    const t0 = performance.now();
    const most = Number(ui.speed.value) || 1;
    for (let k = 0; k < most; k++) {
      if (!oneStep()) { pause(); break; }
      if (performance.now() - t0 > BUDGET_MS) break;
    }
    drawCurves();
    drawNet();
    if (state.running) state.raf = requestAnimationFrame(frame);
  }

  function setRunning(on) {
    state.running = on;
    ui.start.disabled = on;
    ui.pause.disabled = !on;
    ui.step.disabled = on;
    root.dataset.running = on ? "true" : "false";
  }

  function start() {
    if (state.running) return;
    setRunning(true);
    state.raf = requestAnimationFrame(frame);
  }

  function pause() {
    if (state.raf) cancelAnimationFrame(state.raf);
    state.raf = 0;
    const wasFocused = document.activeElement === ui.pause;
    setRunning(false);
    if (wasFocused) ui.start.focus();
  }

  /** The initial weights of the chosen shape, the chosen data, step 0. */
  function reset() {
    const wasFocused = document.activeElement === ui.pause;
    if (state.running) pause();
    if (wasFocused) ui.start.focus();
    loadData();
    newNet();
    state.steps = 0;
    state.trainCurve = [];
    state.testCurve = [];
    measure();
    drawDots();
    drawAll();
  }

  // -- wiring ---------------------------------------------------------------

  const fixed = (input, out) => {
    out.textContent = Number(input.value).toFixed(2);
  };
  ui.noise.addEventListener("input", () => {
    fixed(ui.noise, ui.noiseOut);
    reset();
  });
  ui.train.addEventListener("input", () => {
    fixed(ui.train, ui.trainOut);
    reset();
  });
  for (const el of [ui.dataset, ui.layers, ui.units, ui.act, ui.loss]) {
    el.addEventListener("change", reset);
  }
  ui.start.addEventListener("click", start);
  ui.pause.addEventListener("click", pause);
  ui.step.addEventListener("click", () => {
    if (oneStep()) { drawCurves(); drawNet(); }
  });
  ui.reset.addEventListener("click", reset);

  /** For tests and the benchmark: the same steps the button takes, and
   * the counters. The tests read the losses from the <output> elements. */
  window.playgroundApi = {
    run(n) {
      for (let k = 0; k < n; k++) oneStep();
      drawCurves();
      drawNet();
      return state.steps;
    },
    counters: () => ({ steps: state.steps, boundaryDraws: state.boundaryDraws,
                       running: state.running, grid: GRID,
                       train: state.ytr.length, test: state.yte.length }),
  };

  fixed(ui.noise, ui.noiseOut);
  fixed(ui.train, ui.trainOut);
  const note = $("pg-noscript");
  if (note) note.hidden = true;
  root.hidden = false;
  setRunning(false);
  reset();
})();
