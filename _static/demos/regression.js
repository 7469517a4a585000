/* The backpropagation chapter's live demo: a network 1 -> M tanh -> 1
 * (linear output) fits points that the reader adds and drags, by
 * full-batch gradient descent on the mean squared error / 2.
 *
 * All math is LossLab's (losslab.js); the starting points and weights
 * are LossLabFixtures.regression (fixtures.js, written by the build from
 * NumPy). The numbers the tests read are in the DOM: #reg-steps and
 * #reg-loss (<output>, data-value holds the full float), and the points
 * as the options of #reg-point (data-x, data-y).
 */
(function () {
  "use strict";

  const root = document.getElementById("demo-regression");
  if (!root || !window.LossLab || !window.LossLabFixtures) return;
  const fx = window.LossLabFixtures.regression;
  const $ = (id) => document.getElementById(id);

  const ui = {
    units: $("reg-units"), lr: $("reg-lr"), run: $("reg-run"),
    step: $("reg-step"), reset: $("reg-reset"), steps: $("reg-steps"),
    loss: $("reg-loss"), status: $("reg-status"), fit: $("reg-fit"),
    curve: $("reg-curve"), point: $("reg-point"), addX: $("reg-add-x"),
    addY: $("reg-add-y"), add: $("reg-add"), remove: $("reg-remove"),
    restore: $("reg-restore"),
  };

  // the visible window of the fit, in data coordinates
  const VIEW = { x0: -1.25, x1: 1.25, y0: -1.25, y1: 1.25 };
  const FIT = { w: 480, h: 300, pad: 30 };
  const CURVE = { w: 480, h: 160, pad: 48 };
  const NUDGE = 0.05;               // an arrow key moves a point this far
  const STEPS_PER_FRAME = 5;

  const state = {
    points: [], selected: 0, net: null, steps: 0, history: [],
    running: false, drag: null,
  };

  function startPoints() {
    return fx.points.x.map((x, i) => ({ x, y: fx.points.y[i] }));
  }
  function data() {
    return { X: state.points.map((p) => [p.x]),
             y: state.points.map((p) => p.y) };
  }
  function units() { return Number(ui.units.value); }
  function learningRate() {
    const eta = Number(ui.lr.value);
    return ui.lr.value.trim() !== "" && Number.isFinite(eta) && eta > 0
      ? eta : NaN;
  }
  function currentLoss() {
    const { X, y } = data();
    return LossLab.evaluate(state.net, X, y, "squared");
  }

  // -- canvases ---------------------------------------------------------

  function setup(canvas, size) {
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(size.w * dpr);
    canvas.height = Math.round(size.h * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }
  const fitCtx = setup(ui.fit, FIT);
  const curveCtx = setup(ui.curve, CURVE);

  const px = (x) => FIT.pad + (x - VIEW.x0) / (VIEW.x1 - VIEW.x0) *
    (FIT.w - 2 * FIT.pad);
  const py = (y) => FIT.h - FIT.pad - (y - VIEW.y0) / (VIEW.y1 - VIEW.y0) *
    (FIT.h - 2 * FIT.pad);
  const dataX = (u) => VIEW.x0 + (u - FIT.pad) / (FIT.w - 2 * FIT.pad) *
    (VIEW.x1 - VIEW.x0);
  const dataY = (v) => VIEW.y0 + (FIT.h - FIT.pad - v) /
    (FIT.h - 2 * FIT.pad) * (VIEW.y1 - VIEW.y0);
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

  function drawFit() {
    const ctx = fitCtx;
    ctx.clearRect(0, 0, FIT.w, FIT.h);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, FIT.w, FIT.h);
    // axes and ticks
    ctx.strokeStyle = "#ccc";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(px(VIEW.x0), py(0)); ctx.lineTo(px(VIEW.x1), py(0));
    ctx.moveTo(px(0), py(VIEW.y0)); ctx.lineTo(px(0), py(VIEW.y1));
    ctx.stroke();
    ctx.fillStyle = "#444";
    ctx.font = "12px sans-serif";
    ctx.textAlign = "center";
    for (const t of [-1, -0.5, 0.5, 1]) {
      ctx.fillText(String(t), px(t), py(0) + 14);
    }
    ctx.textAlign = "right";
    for (const t of [-1, -0.5, 0.5, 1]) {
      ctx.fillText(String(t), px(0) - 4, py(t) + 4);
    }
    ctx.textAlign = "left";
    ctx.fillText("x", px(VIEW.x1) - 8, py(0) - 6);
    ctx.fillText("y", px(0) + 6, py(VIEW.y1) + 10);
    // the network's curve
    const n = 240;
    const xs = [];
    for (let k = 0; k <= n; k++) {
      xs.push([VIEW.x0 + (VIEW.x1 - VIEW.x0) * k / n]);
    }
    const yhat = LossLab.forward(state.net, xs).yhat;
    ctx.save();
    ctx.beginPath();
    ctx.rect(FIT.pad, 0, FIT.w - 2 * FIT.pad, FIT.h);
    ctx.clip();
    ctx.strokeStyle = "#0d47a1";
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    xs.forEach(([x], k) => {
      const v = clamp(py(yhat[k]), -1000, 1000);
      if (k === 0) ctx.moveTo(px(x), v); else ctx.lineTo(px(x), v);
    });
    ctx.stroke();
    ctx.restore();
    // residuals and points
    const fitted = LossLab.forward(state.net, data().X).yhat;
    ctx.strokeStyle = "#d94801";
    ctx.lineWidth = 1;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    state.points.forEach((p, i) => {
      ctx.moveTo(px(p.x), py(p.y));
      ctx.lineTo(px(p.x), clamp(py(fitted[i]), -1000, 1000));
    });
    ctx.stroke();
    ctx.setLineDash([]);
    state.points.forEach((p, i) => {
      const chosen = i === state.selected;
      ctx.beginPath();
      ctx.arc(px(p.x), py(p.y), chosen ? 8 : 6, 0, 2 * Math.PI);
      ctx.fillStyle = chosen ? "#d94801" : "#fdae6b";
      ctx.fill();
      ctx.lineWidth = chosen ? 2.5 : 1.5;
      ctx.strokeStyle = "#7f2704";
      ctx.stroke();
    });
  }

  function drawCurve() {
    const ctx = curveCtx;
    const { w, h, pad } = CURVE;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = "#999";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(pad, 8); ctx.lineTo(pad, h - pad); ctx.lineTo(w - 8, h - pad);
    ctx.stroke();
    ctx.fillStyle = "#444";
    ctx.font = "12px sans-serif";
    ctx.textAlign = "left";
    ctx.fillText("loss (log scale)", pad + 6, 18);
    ctx.textAlign = "center";
    ctx.fillText("step", (w + pad) / 2, h - pad + 16);
    const hist = state.history.filter((v) => Number.isFinite(v) && v > 0);
    if (state.history.length < 2 || hist.length < 1) return;
    const logs = state.history.map((v) => Math.log10(Math.max(v, 1e-300)));
    // a loop, not Math.min(...): spreading a long history (some 10^5
    // steps) overflows the call stack
    let lo = Infinity, hi = -Infinity;
    for (const value of hist) {
      const l = Math.log10(value);
      if (l < lo) lo = l;
      if (l > hi) hi = l;
    }
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    const n = state.history.length - 1;
    const u = (k) => pad + k / n * (w - 8 - pad);
    const v = (l) => h - pad - (clamp(l, lo, hi) - lo) / (hi - lo) *
      (h - pad - 24);
    ctx.textAlign = "left";
    ctx.fillText("0", pad, h - pad + 16);
    ctx.textAlign = "right";
    ctx.fillText(String(n), w - 8, h - pad + 16);
    // decades as grid lines, or the two ends if no decade is in range
    const decades = [];
    for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) decades.push(k);
    const marks = decades.length ? decades : [lo, hi];
    const every10 = Math.max(1, Math.ceil(marks.length / 5));
    ctx.strokeStyle = "#e5e5e5";
    marks.forEach((k, i) => {
      if (i % every10) return;
      ctx.beginPath();
      ctx.moveTo(pad, v(k)); ctx.lineTo(w - 8, v(k));
      ctx.stroke();
      const text = Number.isInteger(k) ? `1e${k}`
        : Math.pow(10, k).toPrecision(2);
      ctx.fillText(text, pad - 3, v(k) + 4);
    });
    ctx.strokeStyle = "#0d47a1";
    ctx.lineWidth = 2;
    ctx.beginPath();
    const every = Math.max(1, Math.floor(n / (2 * w)));
    for (let k = 0; k <= n; k += every) {
      if (k === 0) ctx.moveTo(u(k), v(logs[k])); else ctx.lineTo(u(k), v(logs[k]));
    }
    ctx.lineTo(u(n), v(logs[n]));
    ctx.stroke();
  }

  // -- the readouts -------------------------------------------------------

  function fmt(v) {
    if (!Number.isFinite(v)) return String(v);
    return Math.abs(v) >= 1e-4 || v === 0 ? v.toPrecision(6)
      : v.toExponential(5);
  }

  function showNumbers() {
    const L = currentLoss();
    ui.steps.value = String(state.steps);
    ui.steps.dataset.value = String(state.steps);
    ui.loss.value = fmt(L);
    ui.loss.dataset.value = String(L);
    if (!Number.isFinite(L)) {
      ui.status.value = "The loss overflowed: lower the learning rate " +
        "and press Reset.";
      pause();
    }
    return L;
  }

  function listPoints() {
    const opts = state.points.map((p, i) => {
      const o = document.createElement("option");
      o.value = String(i);
      o.textContent = `point ${i + 1}: (${p.x.toFixed(2)}, ${p.y.toFixed(2)})`;
      o.dataset.x = String(p.x);
      o.dataset.y = String(p.y);
      return o;
    });
    ui.point.replaceChildren(...opts);
    ui.point.value = String(state.selected);
    ui.remove.disabled = state.points.length <= 1;
  }

  function redraw() {
    drawFit();
    drawCurve();
  }

  function pointsChanged() {
    listPoints();
    // the loss curve goes on from the current weights with the new data
    state.history[state.history.length - 1] = showNumbers();
    redraw();
  }

  // -- training -------------------------------------------------------------

  function reset() {
    pause();
    state.net = LossLab.makeNet(fx[String(units())], "tanh", "linear");
    state.steps = 0;
    state.history = [];
    ui.status.value = "";
    state.history.push(showNumbers());
    redraw();
  }

  function oneStep() {
    const eta = learningRate();
    if (!Number.isFinite(eta)) {
      ui.status.value = "The learning rate must be a positive number.";
      pause();
      return false;
    }
    const { X, y } = data();
    LossLab.step(state.net, X, y, "squared", eta);
    state.steps += 1;
    ui.status.value = "";
    state.history.push(showNumbers());
    return true;
  }

  function frame() {
    if (!state.running) return;
    for (let k = 0; k < STEPS_PER_FRAME && state.running; k++) {
      if (!oneStep()) break;
    }
    redraw();
    if (state.running) requestAnimationFrame(frame);
  }

  function pause() {
    state.running = false;
    ui.run.textContent = "Start";
    ui.run.setAttribute("aria-pressed", "false");
  }

  function start() {
    if (state.running) return;
    state.running = true;
    ui.run.textContent = "Pause";
    ui.run.setAttribute("aria-pressed", "true");
    requestAnimationFrame(frame);
  }

  // -- points: pointer, keyboard and the form ------------------------------

  function pointerAt(event) {
    const r = ui.fit.getBoundingClientRect();
    const u = (event.clientX - r.left) / r.width * FIT.w;
    const v = (event.clientY - r.top) / r.height * FIT.h;
    return { u, v, scale: FIT.w / r.width };
  }

  function nearest(u, v, radius) {
    let best = -1;
    let dist = radius;
    state.points.forEach((p, i) => {
      const d = Math.hypot(px(p.x) - u, py(p.y) - v);
      if (d <= dist) { dist = d; best = i; }
    });
    return best;
  }

  function inView(x, y) {
    return { x: clamp(x, VIEW.x0, VIEW.x1), y: clamp(y, VIEW.y0, VIEW.y1) };
  }

  ui.fit.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    const { u, v, scale } = pointerAt(event);
    if (u < FIT.pad || u > FIT.w - FIT.pad || v < 0 || v > FIT.h) return;
    let i = nearest(u, v, 14 * Math.max(1, scale));
    if (i < 0) {
      state.points.push(inView(dataX(u), dataY(v)));
      i = state.points.length - 1;
    }
    state.selected = i;
    state.drag = { id: event.pointerId, index: i };
    ui.fit.setPointerCapture(event.pointerId);
    event.preventDefault();
    ui.fit.focus({ preventScroll: true });
    pointsChanged();
  });
  ui.fit.addEventListener("pointermove", (event) => {
    if (!state.drag || state.drag.id !== event.pointerId) return;
    const { u, v } = pointerAt(event);
    state.points[state.drag.index] = inView(dataX(u), dataY(v));
    pointsChanged();
  });
  const endDrag = (event) => {
    if (state.drag && state.drag.id === event.pointerId) state.drag = null;
  };
  ui.fit.addEventListener("pointerup", endDrag);
  ui.fit.addEventListener("pointercancel", endDrag);

  ui.fit.addEventListener("keydown", (event) => {
    const p = state.points[state.selected];
    const moves = { ArrowLeft: [-NUDGE, 0], ArrowRight: [NUDGE, 0],
                    ArrowUp: [0, NUDGE], ArrowDown: [0, -NUDGE] };
    if (moves[event.key] && p) {
      const [dx, dy] = moves[event.key];
      state.points[state.selected] = inView(p.x + dx, p.y + dy);
    } else if (event.key === "n" || event.key === "p") {
      const n = state.points.length;
      state.selected = (state.selected + (event.key === "n" ? 1 : n - 1)) % n;
    } else if ((event.key === "Delete" || event.key === "Backspace") &&
               state.points.length > 1) {
      removeSelected();
      event.preventDefault();
      return;
    } else {
      return;
    }
    event.preventDefault();
    pointsChanged();
  });

  function removeSelected() {
    if (state.points.length <= 1) return;
    state.points.splice(state.selected, 1);
    state.selected = Math.min(state.selected, state.points.length - 1);
    pointsChanged();
  }

  ui.point.addEventListener("change", () => {
    state.selected = Number(ui.point.value);
    redraw();
  });
  ui.add.addEventListener("click", () => {
    const x = Number(ui.addX.value);
    const y = Number(ui.addY.value);
    if (ui.addX.value.trim() === "" || ui.addY.value.trim() === "" ||
        !Number.isFinite(x) || !Number.isFinite(y)) {
      ui.status.value = "Give the new point's x and y as numbers.";
      return;
    }
    state.points.push(inView(x, y));
    state.selected = state.points.length - 1;
    ui.status.value = "";
    pointsChanged();
  });
  ui.remove.addEventListener("click", removeSelected);
  ui.restore.addEventListener("click", () => {
    state.points = startPoints();
    state.selected = 0;
    pointsChanged();
  });

  // -- training controls -------------------------------------------------

  ui.run.addEventListener("click", () => {
    if (state.running) pause(); else start();
  });
  ui.step.addEventListener("click", () => {
    pause();
    oneStep();
    redraw();
  });
  ui.reset.addEventListener("click", reset);
  ui.units.addEventListener("change", reset);
  ui.lr.addEventListener("input", () => {
    ui.status.value = Number.isFinite(learningRate()) ? ""
      : "The learning rate must be a positive number.";
  });

  state.points = startPoints();
  listPoints();
  reset();
  root.hidden = false;
  root.dataset.ready = "true";
})();
