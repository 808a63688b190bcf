probe["gadgets.MiniMessage"] = function () { return new gadgets.MiniMessage(1) instanceof gadgets.MiniMessage; };
probe["gadgets.MiniMessage.createDismissibleMessage"] = function () {
  var called = false, box = new gadgets.MiniMessage(1).createDismissibleMessage("<b>hi</b>", function () { called = true; });
  var shown = box.querySelector("b").textContent === "hi" && document.body.contains(box);
  box.querySelector("button").click();
  return shown && called && !document.body.contains(box);
};
probe["gadgets.MiniMessage.createTimerMessage"] = function () {
  return new Promise(function (done) {
    var box = new gadgets.MiniMessage(1).createTimerMessage("soon gone", 0.1, function () { done(!document.body.contains(box)); });
  });
};
probe["gadgets.MiniMessage.createStaticMessage"] = function () {
  var where = document.createElement("div"), mm = new gadgets.MiniMessage(1, where);
  document.body.appendChild(where);
  var box = mm.createStaticMessage("stays");
  return where.textContent === "stays" && box.parentNode === where;
};
probe["gadgets.MiniMessage.dismissMessage"] = function () {
  var mm = new gadgets.MiniMessage(1), box = mm.createStaticMessage("x");
  mm.dismissMessage(box);
  return !document.body.contains(box);
};
probe["_IG_MiniMessage"] = function () { return _IG_MiniMessage === gadgets.MiniMessage; };
