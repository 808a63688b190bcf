// The small OpenSocial JavaScript API inside spec gadgets' frames: gadgets.Prefs, gadgets.io.makeRequest (through
// the core's proxy, so credentials never reach the frame) and gadgets.window.adjustHeight.
(function () {
  "use strict";
  var env = JSON.parse(document.getElementById("gadget-env").textContent);
  function Prefs() {}
  Prefs.prototype.getString = function (name) { var v = env.prefs[name]; return v === undefined || v === null ? "" : String(v); };
  Prefs.prototype.getInt = function (name) { return parseInt(env.prefs[name], 10) || 0; };
  Prefs.prototype.getBool = function (name) { return env.prefs[name] === true || env.prefs[name] === "true"; };
  Prefs.prototype.getArray = function (name) { var v = env.prefs[name]; return Array.isArray(v) ? v : (v ? String(v).split("|") : []); };
  Prefs.prototype.getModuleId = function () { return env.moduleId; };
  var io = {
    RequestParameters: { METHOD: "METHOD", CONTENT_TYPE: "CONTENT_TYPE", AUTHORIZATION: "AUTHORIZATION",
                         OAUTH_SERVICE_NAME: "OAUTH_SERVICE_NAME" },
    ContentType: { TEXT: "TEXT", JSON: "JSON" },
    AuthorizationType: { NONE: "NONE", SIGNED: "SIGNED", OAUTH: "OAUTH" },
    MethodType: { GET: "GET", POST: "POST" },
    // url: a path within the provider's declared base URLs (or a full URL within them).
    makeRequest: function (url, callback, params) {
      params = params || {};
      var type = params.CONTENT_TYPE || "TEXT";
      var target = env.proxy + "?st=" + encodeURIComponent(env.st) + "&path=" + encodeURIComponent(url);
      fetch(target, { method: params.METHOD || "GET" }).then(function (response) {
        return response.text().then(function (text) {
          var result = { rc: response.status, text: text, data: null, errors: [] };
          try {
            var parsed = JSON.parse(text);
            if (!response.ok) {
              result.errors.push(parsed.error || text);
              // like Shindig: an OAuth gadget learns it must send the user to approve access
              if (parsed.state === "not_connected" || parsed.state === "needs_reconnect") { result.oauthApprovalUrl = "connect"; }
            } else if (type === "JSON") { result.data = parsed; }
          } catch (e) { if (type === "JSON" && response.ok) { result.errors.push("not JSON"); } }
          if (type === "TEXT") { result.data = text; }
          callback(result);
        });
      }, function (error) { callback({ rc: 0, text: "", data: null, errors: [String(error)] }); });
    }
  };
  window.gadgets = { Prefs: Prefs, io: io, window: { adjustHeight: function () { /* frames size themselves */ } } };
})();
