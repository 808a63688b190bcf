// Progressive enhancement only: every action also works as a plain form without script.
(function () {
  "use strict";
  var loadedAt = Date.now();
  // Frame links carry a token valid for an hour; reload the page before it runs out.
  var MAX_AGE_MS = 50 * 60 * 1000;
  document.querySelectorAll("iframe.gadget-frame").forEach(function (frame) {
    var every = parseInt(frame.dataset.refresh, 10);
    if (every > 0) {
      setInterval(function () {
        if (Date.now() - loadedAt > MAX_AGE_MS) { window.location.reload(); return; }
        frame.src = frame.src;
      }, every * 1000);
    }
  });
  // Gadget frames report their content height. Accept it only from one of our frames (sandboxed, so their
  // origin is "null") and only as a bounded number.
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.type !== "dashboard:height" || event.origin !== "null") { return; }
    document.querySelectorAll("iframe.gadget-frame").forEach(function (frame) {
      if (frame.contentWindow === event.source && typeof data.height === "number") {
        frame.style.height = Math.max(40, Math.min(3000, Math.round(data.height))) + "px";
      }
    });
  });
  document.querySelectorAll("form button.danger").forEach(function (button) {
    button.form.addEventListener("submit", function (event) {
      if (!window.confirm(button.textContent.trim() + "?")) { event.preventDefault(); }
    });
  });
})();
