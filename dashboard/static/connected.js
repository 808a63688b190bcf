// The connect popup's last page: tell the gadget that opened it, then close.
(function () {
  "use strict";
  if (window.opener) {
    // No secret travels in this message; "*" because the opener is a sandboxed frame with an opaque origin.
    window.opener.postMessage({ type: "dashboard:connected" }, "*");
    window.setTimeout(function () { window.close(); }, 300);
  }
})();
