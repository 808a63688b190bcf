// The connect flow's last page. In a popup: tell the gadget that opened it, then close. In the dashboard's own
// window (the popup was blocked): go back to the dashboard, where the gadget now shows its data.
(function () {
  "use strict";
  if (window.opener) {
    // No secret travels in this message; "*" because the opener is a sandboxed frame with an opaque origin.
    window.opener.postMessage({ type: "dashboard:connected" }, "*");
    window.setTimeout(function () { window.close(); }, 300);
  } else {
    var back = document.getElementById("back-to-dashboard");
    if (back) { window.setTimeout(function () { window.location.replace(back.href); }, 800); }
  }
})();
