/* Losses (book/hinge.md, section "Hinge loss against cross-entropy"): the
 * scores s_j of one sample with three classes (a slider each), its correct
 * class y_i and the margin Delta; the multiclass SVM (hinge) loss and the
 * softmax cross-entropy with their gradients with respect to the scores,
 * live. All the math is LossLab.svmLoss and LossLab.softmaxLoss.
 *
 * Every number shown sits in an <output> whose data-value holds it at full
 * precision (String(x)); the text is that value rounded for the reader
 * (4 significant digits, integers as they are). The tests read both.
 */
(function () {
  "use strict";

  const root = document.getElementById("demo-losses");
  if (!root || typeof LossLab === "undefined") return;

  const C = 3;
  const SHOWN_DIGITS = 4;
  const $ = (sel) => root.querySelector(sel);
  const sliders = [...Array(C).keys()].map((j) => $(`#ls-s${j}`));
  const labelSelect = $("#ls-y");
  const deltaField = $("#ls-delta");
  const state = { scores: sliders.map((el) => Number(el.value)),
                  y: Number(labelSelect.value),
                  delta: Number(deltaField.value) };

  function shown(v) {
    if (v === 0) return "0";
    return Number.isInteger(v) ? String(v) : v.toPrecision(SHOWN_DIGITS);
  }

  function put(output, v, prefix = "", text = shown(v)) {
    output.dataset.value = String(v);
    output.dataset.rounded = text;
    output.textContent = prefix + text;
  }

  /** A bar from the middle of its track: right for v > 0, left for v < 0,
   * full half-width at |v| = scale. */
  function diverging(bar, v, scale) {
    const half = Math.min(Math.abs(v) / scale, 1) * 50;
    bar.style.left = `${v < 0 ? 50 - half : 50}%`;
    bar.style.width = `${half}%`;
  }

  function update() {
    const { scores, y, delta } = state;
    const hinge = LossLab.svmLoss(scores, y, delta);
    const ce = LossLab.softmaxLoss(scores, y);
    put($("#ls-hinge"), hinge.loss);
    put($("#ls-ce"), ce.loss);
    const top = Math.max(hinge.loss, ce.loss, 1);
    $("#ls-hinge-bar").style.width = `${(100 * hinge.loss / top).toFixed(2)}%`;
    $("#ls-ce-bar").style.width = `${(100 * ce.loss / top).toFixed(2)}%`;
    for (let j = 0; j < C; j++) {
      put($(`#ls-v${j}`), scores[j], "s = ", String(scores[j]));
      put($(`#ls-gh${j}`), hinge.grad[j]);
      put($(`#ls-gc${j}`), ce.grad[j]);
      diverging($(`#ls-gh${j}-bar`), hinge.grad[j], C - 1);
      diverging($(`#ls-gc${j}-bar`), ce.grad[j], C - 1);
      const row = $(`#ls-row${j}`);
      row.classList.toggle("ls-correct", j === y);
      $(`#ls-name${j}`).textContent =
        `class ${j}${j === y ? " (correct)" : ""}`;
    }
    // The active hinge terms: the SVM gradient on the correct class is
    // minus their number.
    const active = -hinge.grad[y];
    const status = $("#ls-status");
    status.dataset.active = String(active);
    status.textContent = hinge.loss === 0
      ? "Hinge is happy: every wrong class trails the correct one by at " +
        "least Δ, so its loss and gradient are exactly 0. Cross-entropy " +
        "still wants more: its loss and gradient are not 0."
      : `Hinge: ${active} wrong class${active === 1 ? "" : "es"} within ` +
        "the margin Δ of the correct one.";
  }

  sliders.forEach((slider, j) => {
    slider.addEventListener("input", () => {
      state.scores[j] = Number(slider.value);
      slider.setAttribute("aria-valuetext", `s = ${slider.value}`);
      update();
    });
  });

  labelSelect.addEventListener("change", () => {
    state.y = Number(labelSelect.value);
    update();
  });

  deltaField.addEventListener("input", () => {
    const v = deltaField.value.trim() === "" ? NaN : Number(deltaField.value);
    if (!(v >= +deltaField.min && v <= +deltaField.max)) {
      deltaField.setAttribute("aria-invalid", "true");
      return;
    }
    deltaField.removeAttribute("aria-invalid");
    state.delta = v;
    update();
  });

  root.querySelectorAll("button[data-scores]").forEach((button) => {
    button.addEventListener("click", () => {
      const s = button.dataset.scores.split(",").map(Number);
      s.forEach((v, j) => {
        sliders[j].value = String(v);
        sliders[j].setAttribute("aria-valuetext", `s = ${v}`);
        state.scores[j] = Number(sliders[j].value);
      });
      labelSelect.value = "0";
      state.y = 0;
      update();
    });
  });

  update();
  root.hidden = false;
})();
