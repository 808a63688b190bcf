function Popup(destination, windowOptions, openCallback, closeCallback) {
  this.destination = destination;
  this.windowOptions = windowOptions || "popup,width=640,height=720";
  this.openCallback = openCallback || function () {};
  this.closeCallback = closeCallback || function () {};
  this.win = null;
  this.timer = null;
}
Popup.prototype.finished = function () {
  if (this.timer) { window.clearInterval(this.timer); this.timer = null; }
  this.win = null;
  this.closeCallback();
};
Popup.prototype.createOpenerOnClick = function () {
  var self = this;
  return function () {
    self.win = window.open(self.destination, "dashboard-connect", self.windowOptions);
    if (!self.win) { tell({ type: "dashboard:connect-here", url: self.destination }); return false; }
    self.openCallback();
    self.timer = window.setInterval(function () { if (!self.win || self.win.closed) { self.finished(); } }, 100);
    return false;
  };
};
Popup.prototype.createApprovedOnClick = function () {
  var self = this;
  return function () { self.finished(); return false; };
};
gadgets.oauth = gadgets.oauth || {};
gadgets.oauth.Popup = Popup;
