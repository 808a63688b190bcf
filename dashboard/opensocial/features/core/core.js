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

var ESCAPED = { "\0": 1, "\n": 1, "\r": 1, "\"": 1, "&": 1, "'": 1, "<": 1, ">": 1, "=": 1, "\\": 1, "`": 1 };
function escapeString(text) {
  return String(text).replace(/[\0\n\r"&'<>=\\`]/g, function (c) { return ESCAPED[c] ? "&#" + c.charCodeAt(0) + ";" : c; });
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

function Prefs() {}
Prefs.prototype.getString = function (name) { var v = env.prefs[name]; return v === undefined || v === null ? "" : Array.isArray(v) ? v.join("|") : String(v); };
Prefs.prototype.getInt = function (name) { return parseInt(env.prefs[name], 10) || 0; };
Prefs.prototype.getFloat = function (name) { return parseFloat(env.prefs[name]) || 0; };
Prefs.prototype.getBool = function (name) { return env.prefs[name] === true || env.prefs[name] === "true"; };
Prefs.prototype.getArray = function (name) { var v = env.prefs[name]; return Array.isArray(v) ? v : (v ? String(v).split("|") : []); };
Prefs.prototype.getModuleId = function () { return env.moduleId; };
Prefs.prototype.getMsg = function (name) { var m = env.messages[name]; return m === undefined ? "" : m; };
Prefs.prototype.getLang = function () { return env.lang; };
Prefs.prototype.getCountry = function () { return env.country; };
gadgets.Prefs = Prefs;
