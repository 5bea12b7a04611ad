// The "Print" button. Without this file the page still prints with the browser's own Print command.
// Loaded as a file so a strict CSP needs no 'unsafe-inline'.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
