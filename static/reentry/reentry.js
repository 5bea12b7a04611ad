// Progressive touches for the re-entry log. Every page works without this file: the form shows every
// field and the server keeps only those of the chosen kind. Loaded as a file so a strict CSP needs no
// 'unsafe-inline'.
(function () {
  "use strict";

  // Recording form: show only the fields the chosen kind uses.
  const form = document.querySelector("[data-reentry-form]");
  if (form) {
    const kind = form.querySelector("select[name=kind]");
    const groups = form.querySelectorAll("[data-kinds]");
    const update = function () {
      groups.forEach(function (group) {
        group.hidden = group.dataset.kinds.split(" ").indexOf(kind.value) === -1;
      });
    };
    kind.addEventListener("change", update);
    update();
  }

  // Worklist: one box ticks every entry on the page.
  const all = document.querySelector("[data-select-all]");
  if (all) {
    const boxes = document.querySelectorAll("input[name=entries]");
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
  }

  // Paper form: a print button, shown only when it can work.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
