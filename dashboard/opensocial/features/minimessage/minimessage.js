// Messages given as text are HTML, as in Shindig (the gadget's own markup); DOM nodes are added as they are.
function MiniMessage(moduleId, optContainer) { this.container = optContainer || null; }
MiniMessage.prototype.place = function (message) {
  if (!this.container) {
    this.container = document.createElement("div");
    this.container.className = "mmlib_container";
    document.body.insertBefore(this.container, document.body.firstChild);
  }
  var box = document.createElement("div");
  box.className = "mmlib_table";
  box.setAttribute("role", "status");
  var text = document.createElement("span");
  text.className = "mmlib_text";
  if (typeof message === "string") { text.innerHTML = message; } else { text.appendChild(message); }
  box.appendChild(text);
  this.container.appendChild(box);
  return box;
};
MiniMessage.prototype.createDismissibleMessage = function (message, optCallback) {
  var self = this, box = this.place(message), close = document.createElement("button");
  close.type = "button";
  close.className = "mmlib_xlink";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "\u00d7";
  close.addEventListener("click", function () {
    if (!optCallback || optCallback() !== false) { self.dismissMessage(box); }
  });
  box.appendChild(close);
  return box;
};
MiniMessage.prototype.createTimerMessage = function (message, seconds, optCallback) {
  var self = this, box = this.place(message);
  window.setTimeout(function () { self.dismissMessage(box); if (optCallback) { optCallback(); } }, seconds * 1000);
  return box;
};
MiniMessage.prototype.createStaticMessage = function (message) { return this.place(message); };
MiniMessage.prototype.dismissMessage = function (box) { if (box && box.parentNode) { box.parentNode.removeChild(box); } };
gadgets.MiniMessage = MiniMessage;
window._IG_MiniMessage = MiniMessage;
