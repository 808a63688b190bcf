// gadgets.util, gadgets.json, gadgets.log and gadgets.Prefs; `env` is this frame's gadget-env JSON.
var gadgets = window.gadgets = window.gadgets || {};
var parentOrigin = "*";
try { if (document.referrer) { parentOrigin = new URL(document.referrer).origin; } } catch (e) { /* keep "*" */ }
// A message to the dashboard page (which checks that it comes from one of its own gadget frames).
function tell(message) { if (window.parent !== window) { window.parent.postMessage(message, parentOrigin); } }

var onLoad = [], loaded = false;
function runOnLoad() {
  loaded = true;
  onLoad.splice(0).forEach(function (handler) { handler(); });
}
if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", runOnLoad); }
else { window.setTimeout(runOnLoad, 0); }

// Exactly Shindig's (core.util.string): NUL is dropped; these become numeric character references: new line,
// carriage return, " ' < > \, the line and paragraph separators and the fullwidth " ' < > \. A falsy value is
// returned as it is.
var ESCAPED = /[\0\n\r"'<>\\\u2028\u2029\uff02\uff07\uff1c\uff1e\uff3c]/g;
function escapeString(text) {
  if (!text) { return text; }
  return String(text).replace(ESCAPED, function (c) { return c === "\0" ? "" : "&#" + c.charCodeAt(0) + ";"; });
}

gadgets.util = {
  registerOnLoadHandler: function (handler) {
    if (loaded) { window.setTimeout(handler, 0); } else { onLoad.push(handler); }
  },
  escapeString: escapeString,
  unescapeString: function (text) {
    return String(text).replace(/&#([0-9]+);/g, function (m, code) { return String.fromCharCode(parseInt(code, 10)); });
  },
  makeEnum: function (names) {
    var result = {};
    names.forEach(function (name) { result[name] = name; });
    return result;
  },
  getUrlParameters: function (optUrl) {
    var params = {}, query = optUrl ? new URL(optUrl, window.location.href).searchParams
                                    : new URLSearchParams(window.location.search);
    if (!optUrl) { Object.keys(env.urlParams).forEach(function (k) { params[k] = env.urlParams[k]; }); }
    query.forEach(function (value, key) { if (key !== "st") { params[key] = value; } });
    return params;
  },
  hasFeature: function (name) { return Object.prototype.hasOwnProperty.call(env.features, name); },
  getFeatureParameters: function (name) {
    return Object.prototype.hasOwnProperty.call(env.features, name) ? env.features[name] : null;
  },
  makeClosure: function (scope, callback) {
    var bound = Array.prototype.slice.call(arguments, 2);
    return function () { return callback.apply(scope, bound.concat(Array.prototype.slice.call(arguments))); };
  },
  trim: function (text) { return String(text === undefined || text === null ? "" : text).trim(); },
  attachBrowserEvent: function (elem, name, callback, capture) { elem.addEventListener(name, callback, capture); },
  removeBrowserEvent: function (elem, name, callback, capture) { elem.removeEventListener(name, callback, capture); }
};

gadgets.json = {
  parse: function (text) { try { return JSON.parse(text); } catch (e) { return false; } },
  stringify: function (value) { return JSON.stringify(value); }
};
gadgets.log = function (message) { window.console.log(message); };
gadgets.warn = function (message) { window.console.warn(message); };

// gadgets.Prefs as Shindig's core.prefs/prefs.js has it: getString and getArray's items are HTML-escaped with
// escapeString (the OpenSocial spec: "Returned value will be html entity escaped"), getMsg is not; _IG_Prefs (in
// core.legacy) turns the escaping off with setDontEscape_, for every Prefs of the frame, as in Shindig.
var prefsEscape = escapeString;
function pref(name) {  // the value as Shindig keeps it: text (a list joined with |, a bool as true or false)
  var v = env.prefs[name === ".lang" ? "lang" : name];
  return v === undefined || v === null ? "" : Array.isArray(v) ? v.map(function (item) {
    return String(item).replace(/\|/g, "%7C");
  }).join("|") : String(v);
}
function Prefs() {}
Prefs.prototype.getString = function (name) { var v = pref(name); return v ? prefsEscape(v) : ""; };
Prefs.prototype.setDontEscape_ = function () { prefsEscape = function (v) { return v; }; };
Prefs.prototype.getInt = function (name) { var v = parseInt(pref(name), 10); return isNaN(v) ? 0 : v; };
Prefs.prototype.getFloat = function (name) { var v = parseFloat(pref(name)); return isNaN(v) ? 0 : v; };
Prefs.prototype.getBool = function (name) { var v = pref(name); return v ? v === "true" || !!parseInt(v, 10) : false; };
Prefs.prototype.getArray = function (name) {
  var v = pref(name);
  return v ? v.split("|").map(function (item) { return prefsEscape(item.replace(/%7C/g, "|")); }) : [];
};
Prefs.prototype.getModuleId = function () { return env.moduleId; };
Prefs.prototype.getMsg = function (name) { return env.messages[name] || ""; };
Prefs.prototype.getLang = function () { return env.lang; };
Prefs.prototype.getCountry = function () { return env.country; };
gadgets.Prefs = Prefs;
