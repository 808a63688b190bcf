// The small OpenSocial JavaScript API inside spec gadgets' frames: gadgets.Prefs (get, set, getMsg),
// gadgets.io.makeRequest (through the core's proxy, so credentials never reach the frame) and
// gadgets.window.adjustHeight.
(function () {
  "use strict";
  var env = JSON.parse(document.getElementById("gadget-env").textContent);
  function Prefs() {}
  Prefs.prototype.getString = function (name) { var v = env.prefs[name]; return v === undefined || v === null ? "" : String(v); };
  Prefs.prototype.getInt = function (name) { return parseInt(env.prefs[name], 10) || 0; };
  Prefs.prototype.getBool = function (name) { return env.prefs[name] === true || env.prefs[name] === "true"; };
  Prefs.prototype.getArray = function (name) { var v = env.prefs[name]; return Array.isArray(v) ? v : (v ? String(v).split("|") : []); };
  Prefs.prototype.getModuleId = function () { return env.moduleId; };
  Prefs.prototype.getMsg = function (name) { var m = env.messages[name]; return m === undefined ? "" : m; };
  // set(name, value[, name, value...]): saved on the server, checked as declared; returns a Promise of all prefs.
  Prefs.prototype.set = function () {
    var body = new URLSearchParams();
    body.append("st", env.st);
    for (var i = 0; i + 1 < arguments.length; i += 2) {
      var value = arguments[i + 1];
      body.append(arguments[i], Array.isArray(value) ? value.join("|") : String(value));
    }
    return fetch(env.setPrefs, { method: "POST", body: body }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || ("preferences not saved: " + response.status)); }
        env.prefs = data.prefs;
        return data.prefs;
      });
    });
  };
  Prefs.prototype.setArray = function (name, values) { return this.set(name, values); };
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
      // OpenSocial's default is NONE: no credential. SIGNED: signed by this server as the user. OAUTH: the broker.
      var authz = String(params.AUTHORIZATION || "NONE").toLowerCase();
      var target = env.proxy + "?st=" + encodeURIComponent(env.st) + "&path=" + encodeURIComponent(url) +
                   "&authz=" + encodeURIComponent(authz);
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
