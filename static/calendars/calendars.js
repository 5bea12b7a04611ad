// "Copy" buttons for feed links. Without this file the link is still shown, selected, to copy by hand.
// Loaded as a file so a strict CSP needs no 'unsafe-inline'.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    const field = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copy + "-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      const done = function () { status.textContent = "Copied."; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).then(done, function () { status.textContent = "Select the link and copy it."; });
      } else {
        status.textContent = "Select the link and copy it.";
      }
    });
  });
})();
