function fetchAs(type, url, callback, params) {
  params[gadgets.io.RequestParameters.CONTENT_TYPE] = type;
  gadgets.io.makeRequest(url, function (response) { callback(response.data); }, params);
}
// As Shindig's core.legacy: a gadgets.Prefs whose values are not escaped (setDontEscape_ turns the escaping off for
// the frame's every Prefs, as there)
window._IG_Prefs = function () {
  var prefs = new gadgets.Prefs();
  prefs.setDontEscape_();
  return prefs;
};
window._IG_FetchContent = function (url, callback, optParams) {
  gadgets.io.makeRequest(url, function (response) { callback(response.text); },
                         { REFRESH_INTERVAL: (optParams || {}).refreshInterval });
};
window._IG_FetchXmlContent = function (url, callback) { fetchAs("DOM", url, callback, {}); };
window._IG_FetchFeedAsJSON = function (url, callback, entries, summaries) {
  fetchAs("FEED", url, callback, { NUM_ENTRIES: entries || 3, GET_SUMMARIES: !!summaries });
};
window._IG_RegisterOnloadHandler = gadgets.util.registerOnLoadHandler;
window._IG_AdjustIFrameHeight = gadgets.window.adjustHeight;
window._IG_GetImageUrl = gadgets.io.getProxyUrl;
window._IG_Callback = function (callback) {
  var bound = Array.prototype.slice.call(arguments, 1);
  return function () { return callback.apply(null, Array.prototype.slice.call(arguments).concat(bound)); };
};
window._gel = function (id) { return document.getElementById(id); };
window._gelstn = function (tag) { return document.getElementsByTagName(tag); };
window._esc = function (text) { return encodeURIComponent(text); };
window._unesc = function (text) { return decodeURIComponent(text); };
window._hesc = gadgets.util.escapeString;
window._trim = gadgets.util.trim;
window._args = function () { return gadgets.util.getUrlParameters(); };
