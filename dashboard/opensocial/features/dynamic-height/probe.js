probe["gadgets.window.adjustHeight"] = function () {
  return new Promise(function (done) {
    gadgets.window.adjustHeight(333);
    var tries = 0, t = window.setInterval(function () {
      tries += 1;
      if (window.innerHeight === 333 || tries > 40) { window.clearInterval(t); done(window.innerHeight === 333 || "height " + window.innerHeight); }
    }, 50);
  });
};
probe["gadgets.window.getViewportDimensions"] = function () {
  var d = gadgets.window.getViewportDimensions();
  return d.width === window.innerWidth && d.height === window.innerHeight && d.width > 0;
};
