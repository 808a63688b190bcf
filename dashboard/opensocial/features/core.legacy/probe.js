function base() { return new _IG_Prefs(__MODULE_ID__).getString("base"); }
// not escaped (iGoogle's, and Shindig's setDontEscape_), and from then on gadgets.Prefs neither, as in Shindig
probe["_IG_Prefs"] = function () {
  var escaped = new gadgets.Prefs().getString("markup"), prefs = new _IG_Prefs(__MODULE_ID__);
  return prefs.getString("who") === "probe" && prefs.getString("markup") === "<b> \"x\" & 'y'" &&
    escaped === "&#60;b&#62; &#34;x&#34; & &#39;y&#39;" && new gadgets.Prefs().getString("markup") === "<b> \"x\" & 'y'";
};
probe["_IG_FetchContent"] = function () {
  return new Promise(function (done) { _IG_FetchContent(base() + "/probe.txt", function (t) { done(t === "plain text"); }); });
};
probe["_IG_FetchXmlContent"] = function () {
  return new Promise(function (done) { _IG_FetchXmlContent(base() + "/feed.xml", function (doc) { done(doc.getElementsByTagName("item").length === 2); }); });
};
probe["_IG_FetchFeedAsJSON"] = function () {
  return new Promise(function (done) {
    _IG_FetchFeedAsJSON(base() + "/feed.xml", function (feed) { done(feed.Entry.length === 2 && feed.Entry[1].Title === "Second"); }, 5, false);
  });
};
probe["_IG_RegisterOnloadHandler"] = function () { return new Promise(function (done) { _IG_RegisterOnloadHandler(function () { done(true); }); }); };
probe["_IG_AdjustIFrameHeight"] = function () { return _IG_AdjustIFrameHeight === gadgets.window.adjustHeight; };
probe["_IG_GetImageUrl"] = function () { return _IG_GetImageUrl("http://x.example/a.png").indexOf("authz=none") > 0; };
probe["_IG_Callback"] = function () { return _IG_Callback(function (a, b) { return a + b; }, 2)(1) === 3; };
probe["_gel"] = function () { return _gel("probe-result") === document.getElementById("probe-result"); };
probe["_gelstn"] = function () { return _gelstn("body")[0] === document.body; };
probe["_esc"] = function () { return _esc("a b&") === "a%20b%26"; };
probe["_unesc"] = function () { return _unesc("a%20b") === "a b"; };
probe["_hesc"] = function () { return _hesc("<") === "&#60;"; };
probe["_trim"] = function () { return _trim(" x ") === "x"; };
probe["_args"] = function () { return _args().up_who === "probe"; };
