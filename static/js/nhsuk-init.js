// Starts the NHS.UK components (the header's "More" menu on narrow screens, character counts,
// conditional radios, the error summary taking focus). A module script, so browsers too old for the
// components skip it and get the plain, still usable page; the classes tell the CSS the
// components are running (an inline script would do this earlier, but the CSP allows none).
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
