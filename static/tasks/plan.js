// After a row is swapped in place (htmx), give keyboard focus back to the row's control, so a
// keyboard user carries on from where they were instead of from the top of the page. The
// polite live region (#plan-live) says what happened; the server fills it out of band.
(function () {
  "use strict";
  var rowId = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = event.target.closest ? event.target.closest("[id^='task-']") : null;
    rowId = row ? row.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!rowId) return;
    var row = document.getElementById(rowId);
    rowId = null;
    if (!row) return;
    var control = row.querySelector(".plan-tick") || row.querySelector("a");
    if (control) control.focus();
  });
})();
