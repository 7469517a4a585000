/* Softmax knobs (book/softmax.md, section "Temperature"): editable scores
 * s_j, a temperature slider T (logarithmic, with beta = 1/T shown and a
 * number field for T), presets beta = 1, 2, 5, 100 and the scores (1, 1.1)
 * of the chapter's beta table; bars of q = softmax(s; T) with their values
 * and the entropy H(q) in bits. All the math is LossLab.softmax and
 * LossLab.entropyBits.
 *
 * Every number shown sits in an <output> whose data-value holds it at full
 * precision (String(x), which round-trips a float64); the text is that
 * value rounded for the reader (5 significant digits). The tests read both.
 */
(function () {
  "use strict";

  const root = document.getElementById("demo-softmax");
  if (!root || typeof LossLab === "undefined") return;

  const MIN_CLASSES = 2;
  const MAX_CLASSES = 6;
  const SLIDER_DIGITS = 3;         // T from the slider: 3 significant digits
  const SHOWN_DIGITS = 5;          // numbers shown: 5 significant digits

  // The figure's scores (fig-softmax-temperature) at plain softmax.
  const state = { scores: [3, 2, 1, 0.5, -1], T: 1 };

  const $ = (sel) => root.querySelector(sel);
  const rows = $("#sm-rows");
  const slider = $("#sm-T-range");
  const tField = $("#sm-T");
  const betaOut = $("#sm-beta");
  const entropyOut = $("#sm-entropy");
  const addButton = $("#sm-add");

  /** The reader's rounding of a number; 0 stays "0". */
  function shown(v, digits = SHOWN_DIGITS) {
    if (v === 0) return "0";
    return Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v)
      : v.toPrecision(digits);
  }

  function put(output, v, text) {
    output.dataset.value = String(v);
    output.textContent = text === undefined ? shown(v) : text;
  }

  function sub(j) {
    return String(j).split("").map((d) => "₀₁₂₃₄₅₆₇₈₉"[+d]).join("");
  }

  /** One row per class: score field, bar, probability, remove button. */
  function buildRows(focusIndex) {
    rows.textContent = "";
    state.scores.forEach((s, j) => {
      const row = document.createElement("div");
      row.className = "sm-row";
      const id = `sm-s${j}`;

      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = `s${sub(j)}`;
      label.title = `score of class ${j}`;

      const field = document.createElement("input");
      field.type = "number";
      field.id = id;
      field.step = "0.1";
      field.value = String(s);
      field.setAttribute("aria-label", `score s${sub(j)} of class ${j}`);
      field.addEventListener("input", () => {
        const v = field.value.trim() === "" ? NaN : Number(field.value);
        if (!Number.isFinite(v) || Math.abs(v) > 1e6) {
          field.setAttribute("aria-invalid", "true");
          return;
        }
        field.removeAttribute("aria-invalid");
        state.scores[j] = v;
        update();
      });

      const bar = document.createElement("div");
      bar.className = "sm-bar";
      bar.setAttribute("aria-hidden", "true");
      const fill = document.createElement("div");
      fill.className = "sm-fill";
      bar.appendChild(fill);

      const q = document.createElement("output");
      q.className = "sm-q";
      q.id = `sm-q${j}`;
      q.htmlFor = id;
      q.setAttribute("aria-label", `probability q${sub(j)} of class ${j}`);

      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "sm-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", `remove class ${j}`);
      remove.disabled = state.scores.length <= MIN_CLASSES;
      remove.addEventListener("click", () => {
        if (state.scores.length <= MIN_CLASSES) return;
        state.scores.splice(j, 1);
        buildRows(Math.min(j, state.scores.length - 1));
      });

      row.append(label, field, bar, q, remove);
      rows.appendChild(row);
    });
    addButton.disabled = state.scores.length >= MAX_CLASSES;
    update();
    if (focusIndex !== undefined) {
      const target = root.querySelector(`#sm-s${focusIndex}`);
      if (target) target.focus();
    }
  }

  function update() {
    const q = LossLab.softmax(state.scores, state.T);
    q.forEach((v, j) => {
      const out = root.querySelector(`#sm-q${j}`);
      put(out, v, `q${sub(j)} = ${shown(v)}`);
      out.dataset.rounded = shown(v);
      out.parentElement.querySelector(".sm-fill").style.width =
        `${(100 * v).toFixed(2)}%`;
    });
    const H = LossLab.entropyBits(q);
    put(entropyOut, H, `H(q) = ${shown(H)} bits`);
    entropyOut.dataset.rounded = shown(H);
    const beta = 1 / state.T;
    put(betaOut, beta, `β = 1/T = ${shown(beta)}`);
    betaOut.dataset.rounded = shown(beta);
    tField.dataset.value = String(state.T);
  }

  /** Set T (from the field or a preset); the slider follows, clamped. */
  function setT(T, fromField = false) {
    state.T = T;
    if (!fromField) tField.value = String(T);
    const v = Math.log10(T);
    slider.value = String(Math.min(Math.max(v, +slider.min), +slider.max));
    slider.setAttribute("aria-valuetext", `T = ${shown(T)}`);
    update();
  }

  slider.addEventListener("input", () => {
    const T = Number(Math.pow(10, Number(slider.value))
      .toPrecision(SLIDER_DIGITS));
    state.T = T;
    tField.value = String(T);
    tField.removeAttribute("aria-invalid");
    slider.setAttribute("aria-valuetext", `T = ${shown(T)}`);
    update();
  });

  tField.addEventListener("input", () => {
    const T = tField.value.trim() === "" ? NaN : Number(tField.value);
    if (!(T >= +tField.min && T <= +tField.max)) {
      tField.setAttribute("aria-invalid", "true");
      return;
    }
    tField.removeAttribute("aria-invalid");
    setT(T, true);
  });

  root.querySelectorAll("button[data-beta]").forEach((button) => {
    button.addEventListener("click", () => {
      setT(1 / Number(button.dataset.beta));
    });
  });

  $("#sm-table-scores").addEventListener("click", () => {
    state.scores = [1, 1.1];
    buildRows();
  });

  addButton.addEventListener("click", () => {
    if (state.scores.length >= MAX_CLASSES) return;
    state.scores.push(0);
    buildRows(state.scores.length - 1);
  });

  buildRows();
  setT(state.T);
  root.hidden = false;
})();
