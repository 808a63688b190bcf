// Inside a gadget frame: reload when the connect popup this frame opened reports success.
(function () {
  "use strict";
  window.addEventListener("message", function (event) {
    if (event.data && event.data.type === "dashboard:connected") { window.location.reload(); }
  });
})();
