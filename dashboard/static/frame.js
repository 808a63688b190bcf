// Inside a gadget frame: tell the dashboard how tall the content is (so no inner scrollbars), open the connect flow
// in a popup (or, when the popup is blocked, ask the dashboard to run it in its own window), and reload when the
// popup reports success.
(function () {
  "use strict";
  var parentOrigin = "*";
  try { if (document.referrer) { parentOrigin = new URL(document.referrer).origin; } } catch (e) { /* keep "*" */ }
  var last = 0;
  function tell(message) { if (window.parent !== window) { window.parent.postMessage(message, parentOrigin); } }
  function report() {
    // The body's own height: the document's never drops below the frame's current size.
    var style = window.getComputedStyle(document.body);
    var height = Math.ceil(document.body.getBoundingClientRect().height + parseFloat(style.marginTop) +
                           parseFloat(style.marginBottom));
    if (height !== last) {
      last = height;
      // Only a height travels; the dashboard checks that it comes from one of its own gadget frames.
      tell({ type: "dashboard:height", height: height });
    }
  }
  window.addEventListener("load", report);
  if (window.ResizeObserver) { new ResizeObserver(report).observe(document.body); }
  window.addEventListener("message", function (event) {
    if (event.data && event.data.type === "dashboard:connected") { window.location.reload(); }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.connect");
    if (!link) { return; }
    event.preventDefault();
    var popup = window.open(link.href, "dashboard-connect", "popup,width=640,height=720");
    if (!popup) { tell({ type: "dashboard:connect-here", url: link.href }); }
  });
})();
