probe["gadgets.oauth.Popup"] = function () { return new gadgets.oauth.Popup("about:blank") instanceof gadgets.oauth.Popup; };
probe["gadgets.oauth.Popup.createOpenerOnClick"] = function () {
  return new Promise(function (done) {
    var opened = false, popup = new gadgets.oauth.Popup("about:blank", null, function () { opened = true; },
                                                        function () { done(opened); });
    popup.createOpenerOnClick()();
    if (popup.win) { popup.win.close(); } else { done("the popup did not open"); }
  });
};
probe["gadgets.oauth.Popup.createApprovedOnClick"] = function () {
  var closed = false, popup = new gadgets.oauth.Popup("about:blank", null, null, function () { closed = true; });
  popup.createApprovedOnClick()();
  return closed;
};
