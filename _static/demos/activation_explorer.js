/* The activations chapter's explorer: an activation f and its derivative
 * f' over a range of x the reader picks, with the saturation regions
 * shaded (where |f'(x)| is below SATURATED times its largest value on the
 * range), and f(x), f'(x) at a chosen x.
 *
 * The math is LossLab.ACTIVATIONS (losslab.js). The numbers the tests
 * read are in the DOM: #act-f and #act-df (<output>, data-value holds the
 * full float), and the shaded intervals as <rect class="act-saturated">
 * with data-x0 and data-x1 in the SVG, whose data-threshold and data-max
 * give the cut.
 */
(function () {
  "use strict";

  const root = document.getElementById("demo-activations");
  if (!root || !window.LossLab) return;
  const $ = (id) => document.getElementById(id);
  const ui = {
    name: $("act-name"), xmin: $("act-xmin"), xmax: $("act-xmax"),
    x: $("act-x"), xnum: $("act-x-num"), f: $("act-f"), df: $("act-df"),
    svg: $("act-plot"), status: $("act-status"),
  };
  const NS = "http://www.w3.org/2000/svg";
  const SATURATED = 0.05;   // shaded: |f'| < 5% of its largest on the range
  const SAMPLES = 800;      // intervals of the sampling grid
  const KINKED = new Set(["relu", "leaky_relu"]);
  const W = 420;
  const LEFT = 46;
  const RIGHT = 12;
  const PANELS = [
    { key: "f", label: "g(x)", top: 12, bottom: 176, colour: "#111" },
    { key: "df", label: "g\u2032(x)", top: 206, bottom: 370,
      colour: "#0d47a1" },
  ];
  const H = 396;

  const state = { x0: -5, x1: 5, x: 1 };

  function el(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(v) {
    if (!Number.isFinite(v)) return String(v);
    if (v === 0) return "0";
    const a = Math.abs(v);
    return a >= 1e-3 && a < 1e6 ? String(Number(v.toPrecision(6)))
      : v.toExponential(4);
  }

  /** About five round tick values covering [lo, hi]. */
  function ticks(lo, hi) {
    const raw = (hi - lo) / 4;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag)
      .find((s) => s >= raw) || raw;
    const out = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9;
         t += step) {
      out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    return out;
  }

  /** The grid, f and f' on it, and the saturated runs as [x0, x1]. */
  function sample(name) {
    const { f, df } = LossLab.ACTIVATIONS[name];
    const xs = [];
    for (let i = 0; i <= SAMPLES; i++) {
      xs.push(state.x0 + (state.x1 - state.x0) * i / SAMPLES);
    }
    const fs = xs.map((x) => f(x));
    const dfs = xs.map((x) => df(x));
    const top = Math.max(...dfs.map(Math.abs));
    const cut = SATURATED * top;
    const flat = dfs.map((d) => (top === 0 ? true : Math.abs(d) < cut));
    const half = (state.x1 - state.x0) / SAMPLES / 2;
    const runs = [];
    let start = -1;
    flat.forEach((s, i) => {
      if (s && start < 0) start = i;
      if (start >= 0 && (!s || i === SAMPLES)) {
        const end = s ? i : i - 1;
        runs.push([Math.max(state.x0, xs[start] - half),
                   Math.min(state.x1, xs[end] + half)]);
        start = -1;
      }
    });
    return { xs, fs, dfs, top, cut, runs };
  }

  function draw() {
    const name = ui.name.value;
    const s = sample(name);
    const svg = ui.svg;
    const keep = svg.querySelector("title");
    svg.replaceChildren(...(keep ? [keep] : []));
    svg.dataset.threshold = String(s.cut);
    svg.dataset.max = String(s.top);
    const u = (x) => LEFT + (x - state.x0) / (state.x1 - state.x0) *
      (W - LEFT - RIGHT);

    PANELS.forEach((panel) => {
      const ys = panel.key === "f" ? s.fs : s.dfs;
      let lo = Math.min(0, ...ys);
      let hi = Math.max(0, ...ys);
      if (hi - lo < 1e-12) { lo -= 1; hi += 1; }
      const padY = (hi - lo) * 0.08;
      lo -= padY; hi += padY;
      const v = (y) => panel.bottom - (y - lo) / (hi - lo) *
        (panel.bottom - panel.top);
      const g = el("g", { class: `act-panel act-panel-${panel.key}` });
      // saturation regions
      s.runs.forEach(([a, b]) => {
        g.appendChild(el("rect", {
          class: "act-saturated", x: u(a), y: panel.top,
          width: Math.max(u(b) - u(a), 0.5),
          height: panel.bottom - panel.top,
          "data-x0": String(a), "data-x1": String(b) }));
      });
      g.appendChild(el("rect", { class: "act-frame", x: LEFT, y: panel.top,
        width: W - LEFT - RIGHT, height: panel.bottom - panel.top }));
      // axes at zero
      g.appendChild(el("line", { class: "act-zero", x1: LEFT, x2: W - RIGHT,
        y1: v(0), y2: v(0) }));
      if (state.x0 < 0 && state.x1 > 0) {
        g.appendChild(el("line", { class: "act-zero", x1: u(0), x2: u(0),
          y1: panel.top, y2: panel.bottom }));
      }
      ticks(lo, hi).forEach((t) => {
        g.appendChild(el("text", { class: "act-tick", x: LEFT - 4,
          y: v(t) + 4, "text-anchor": "end" }, fmt(t)));
      });
      ticks(state.x0, state.x1).forEach((t) => {
        g.appendChild(el("text", { class: "act-tick", x: u(t),
          y: panel.bottom + 13, "text-anchor": "middle" }, fmt(t)));
      });
      g.appendChild(el("text", { class: "act-label", x: LEFT + 6,
        y: panel.top + 14 }, panel.label));
      // the curve, broken at a kink
      let d = "";
      s.xs.forEach((x, i) => {
        const jump = panel.key === "df" && KINKED.has(name) && i > 0 &&
          ((s.xs[i - 1] < 0 && x >= 0) || (s.xs[i - 1] <= 0 && x > 0));
        d += `${i === 0 || jump ? "M" : "L"}${u(x).toFixed(2)},` +
          `${v(ys[i]).toFixed(2)}`;
      });
      g.appendChild(el("path", { class: "act-curve", d,
        stroke: panel.colour }));
      // the chosen x
      if (state.x >= state.x0 && state.x <= state.x1) {
        const { f, df } = LossLab.ACTIVATIONS[name];
        const y = panel.key === "f" ? f(state.x) : df(state.x);
        g.appendChild(el("line", { class: "act-marker", x1: u(state.x),
          x2: u(state.x), y1: panel.top, y2: panel.bottom }));
        g.appendChild(el("circle", { class: "act-dot", cx: u(state.x),
          cy: v(y), r: 4, fill: panel.colour }));
      }
      svg.appendChild(g);
    });
    svg.appendChild(el("text", { class: "act-tick", x: W - RIGHT,
      y: H - 2, "text-anchor": "end" }, "x"));
    readout();
  }

  function readout() {
    const { f, df } = LossLab.ACTIVATIONS[ui.name.value];
    const fx = f(state.x);
    const dfx = df(state.x);
    ui.f.value = fmt(fx);
    ui.f.dataset.value = String(fx);
    ui.df.value = fmt(dfx);
    ui.df.dataset.value = String(dfx);
    ui.f.dataset.x = ui.df.dataset.x = String(state.x);
  }

  function setSlider() {
    ui.x.min = String(state.x0);
    ui.x.max = String(state.x1);
    ui.x.step = String((state.x1 - state.x0) / 1000);
    ui.x.value = String(state.x);
    ui.xnum.min = String(state.x0);
    ui.xnum.max = String(state.x1);
  }

  function rangeChanged() {
    const a = Number(ui.xmin.value);
    const b = Number(ui.xmax.value);
    const ok = ui.xmin.value.trim() !== "" && ui.xmax.value.trim() !== "" &&
      Number.isFinite(a) && Number.isFinite(b) && a < b &&
      Math.abs(a) <= 1e6 && Math.abs(b) <= 1e6;
    if (!ok) {
      ui.status.value = "The range needs two numbers, the first smaller.";
      return;
    }
    ui.status.value = "";
    state.x0 = a;
    state.x1 = b;
    if (state.x < a || state.x > b) {
      state.x = Math.min(b, Math.max(a, state.x));
      ui.xnum.value = String(state.x);
    }
    setSlider();
    draw();
  }

  ui.name.addEventListener("change", draw);
  ui.xmin.addEventListener("input", rangeChanged);
  ui.xmax.addEventListener("input", rangeChanged);
  ui.x.addEventListener("input", () => {
    state.x = Number(ui.x.value);
    ui.xnum.value = ui.x.value;
    draw();
  });
  ui.xnum.addEventListener("input", () => {
    const x = Number(ui.xnum.value);
    if (ui.xnum.value.trim() === "" || !Number.isFinite(x)) return;
    state.x = Math.min(state.x1, Math.max(state.x0, x));
    ui.x.value = String(state.x);
    draw();
  });
  ui.xnum.addEventListener("change", () => {
    ui.xnum.value = String(state.x);
  });

  state.x = Number(ui.xnum.value) || 1;
  rangeChanged();
  root.hidden = false;
  root.dataset.ready = "true";
})();
