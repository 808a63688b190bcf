// Inside a gadget frame: tell the dashboard how tall the content is (so no inner scrollbars), and reload when the
// connect popup this frame opened reports success.
(function () {
  "use strict";
  var parentOrigin = "*";
  try { if (document.referrer) { parentOrigin = new URL(document.referrer).origin; } } catch (e) { /* keep "*" */ }
  var last = 0;
  function report() {
    // The body's own height: the document's never drops below the frame's current size.
    var style = window.getComputedStyle(document.body);
    var height = Math.ceil(document.body.getBoundingClientRect().height + parseFloat(style.marginTop) +
                           parseFloat(style.marginBottom));
    if (height !== last && window.parent !== window) {
      last = height;
      // Only a height travels; the dashboard checks that it comes from one of its own gadget frames.
      window.parent.postMessage({ type: "dashboard:height", height: height }, parentOrigin);
    }
  }
  window.addEventListener("load", report);
  if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
  window.addEventListener("message", function (event) {
    if (event.data && event.data.type === "dashboard:connected") { window.location.reload(); }
  });
})();
