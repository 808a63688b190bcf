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
  document.querySelectorAll("form button.danger").forEach(function (button) {
    button.form.addEventListener("submit", function (event) {
      if (!window.confirm(button.textContent.trim() + "?")) { event.preventDefault(); }
    });
  });
})();
