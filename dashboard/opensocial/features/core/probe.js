probe["gadgets.util.registerOnLoadHandler"] = function () {
  return new Promise(function (done) { gadgets.util.registerOnLoadHandler(function () { done(document.readyState !== "loading"); }); });
};
// Shindig's table: NUL dropped, & and = left as they are, the fullwidth look-alikes escaped too
probe["gadgets.util.escapeString"] = function () {
  return gadgets.util.escapeString("<a href='x'>\0&=\"\\\n\uff1c") === "&#60;a href=&#39;x&#39;&#62;&=&#34;&#92;&#10;&#65308;" &&
    gadgets.util.escapeString("") === "";
};
probe["gadgets.util.unescapeString"] = function () { return gadgets.util.unescapeString("&#60;b&#62;") === "<b>"; };
probe["gadgets.util.makeEnum"] = function () { var e = gadgets.util.makeEnum(["A", "B"]); return e.A === "A" && e.B === "B"; };
probe["gadgets.util.getUrlParameters"] = function () {
  var p = gadgets.util.getUrlParameters();
  return p.mid === String(new gadgets.Prefs().getModuleId()) && p.up_who === "probe" && p.lang === "en" && !("st" in p);
};
probe["gadgets.util.hasFeature"] = function () { return gadgets.util.hasFeature("dynamic-height") && !gadgets.util.hasFeature("teleport"); };
probe["gadgets.util.getFeatureParameters"] = function () { return gadgets.util.getFeatureParameters("views").flavour === "probe"; };
probe["gadgets.util.makeClosure"] = function () {
  var f = gadgets.util.makeClosure({ k: 2 }, function (a, b) { return this.k * a + b; }, 10);
  return f(1) === 21;
};
probe["gadgets.util.trim"] = function () { return gadgets.util.trim("  a b \n") === "a b"; };
probe["gadgets.util.attachBrowserEvent"] = function () {
  var hit = 0, el = document.createElement("div"), f = function () { hit += 1; };
  gadgets.util.attachBrowserEvent(el, "click", f, false); el.click();
  gadgets.util.removeBrowserEvent(el, "click", f, false); el.click();
  return hit === 1;
};
probe["gadgets.util.removeBrowserEvent"] = probe["gadgets.util.attachBrowserEvent"];
probe["gadgets.json.parse"] = function () { return gadgets.json.parse('{"a": [1]}').a[0] === 1 && gadgets.json.parse("{") === false; };
probe["gadgets.json.stringify"] = function () { return gadgets.json.stringify({ a: 1 }) === '{"a":1}'; };
probe["gadgets.log"] = function () { gadgets.log("probe"); return true; };
probe["gadgets.Prefs"] = function () { return new gadgets.Prefs() instanceof gadgets.Prefs; };
// HTML-escaped, as the OpenSocial spec and Shindig's prefs.js say (core.legacy's _IG_Prefs, probed later, does not)
probe["gadgets.Prefs.getString"] = function () {
  var p = new gadgets.Prefs();
  return p.getString("who") === "probe" && p.getString("markup") === "&#60;b&#62; &#34;x&#34; & &#39;y&#39;" &&
    p.getString("nothing") === "" && p.getString("on") === "true";
};
probe["gadgets.Prefs.getInt"] = function () { return new gadgets.Prefs().getInt("count") === 7; };
probe["gadgets.Prefs.getFloat"] = function () { return new gadgets.Prefs().getFloat("ratio") === 1.5; };
probe["gadgets.Prefs.getBool"] = function () {
  var p = new gadgets.Prefs();
  return p.getBool("on") === true && p.getBool("count") === true && p.getBool("who") === false;
};
probe["gadgets.Prefs.getArray"] = function () {
  var items = new gadgets.Prefs().getArray("items");
  return items.length === 3 && items[0] === "a" && items[1] === "b|c" && items[2] === "&#60;d&#62;";
};
// messages are not escaped (Shindig's getMsg): a message with markup is HTML
probe["gadgets.Prefs.getMsg"] = function () {
  var p = new gadgets.Prefs();
  return p.getMsg("hello") === "Hello <b>you</b>" && p.getMsg("quote") === "\"<&>\"" && p.getMsg("none") === "";
};
probe["gadgets.Prefs.getModuleId"] = function () { var id = new gadgets.Prefs().getModuleId(); return typeof id === "number" && id > 0 && Math.floor(id) === id; };
probe["gadgets.Prefs.getLang"] = function () { return new gadgets.Prefs().getLang() === "en"; };
probe["gadgets.Prefs.getCountry"] = function () { return new gadgets.Prefs().getCountry() === "GB"; };
