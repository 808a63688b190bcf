// osapi: each request is an object with execute(callback); errors come as {error: {code, message}}.
function osapiRequest(run) { return { execute: function (callback) { run(callback || function () {}); } }; }
// who: env.viewer (the logged-in user) or env.owner (whose dashboard it is; the viewer on one's own)
function person(who) {
  return { id: who.id, displayName: who.displayName, name: { formatted: who.displayName },
           isViewer: who.id === env.viewer.id, isOwner: who.id === env.owner.id };
}
function answer(value) { return osapiRequest(function (callback) { window.setTimeout(function () { callback(value); }, 0); }); }
function noFriends() { return answer({ list: [], totalResults: 0, startIndex: 0, itemsPerPage: 0 }); }
function httpRequest(method) {
  return function (params) {
    params = params || {};
    return osapiRequest(function (callback) {
      var format = String(params.format || "json").toUpperCase() === "TEXT" ? "TEXT" : "JSON";
      var options = { METHOD: method, CONTENT_TYPE: format, AUTHORIZATION: String(params.authz || "NONE").toUpperCase(),
                      HEADERS: params.headers || {}, REFRESH_INTERVAL: params.refreshInterval };
      if (params.body !== undefined) {
        options.POST_DATA = typeof params.body === "string" ? params.body : gadgets.io.encodeValues(params.body);
      }
      gadgets.io.makeRequest(params.href, function (response) {
        var result = { status: response.rc, content: response.data, headers: response.headers };
        if (response.errors.length) { result.error = { code: response.rc, message: response.errors.join(", ") }; }
        callback(result);
      }, options);
    });
  };
}
window.osapi = {
  people: {
    getViewer: function () { return answer(person(env.viewer)); },
    getOwner: function () { return answer(person(env.owner)); },
    get: function (params) {
      params = params || {};
      var group = params.groupId || "@self";
      if (["@viewer", "@owner", "@me", undefined].indexOf(params.userId) < 0) {
        return answer({ error: { code: 404, message: "only the viewer and the owner are known here" } });
      }
      return group !== "@self" ? noFriends() : answer(person(params.userId === "@owner" ? env.owner : env.viewer));
    },
    getViewerFriends: noFriends,
    getOwnerFriends: noFriends
  },
  http: { get: httpRequest("GET"), post: httpRequest("POST"), head: httpRequest("GET") },
  newBatch: function () {
    var requests = {};
    var batch = osapiRequest(function (callback) {
      var keys = Object.keys(requests), results = {}, left = keys.length;
      if (!left) { callback(results); return; }
      keys.forEach(function (key) {
        requests[key].execute(function (result) {
          results[key] = result;
          left -= 1;
          if (!left) { callback(results); }
        });
      });
    });
    batch.add = function (key, request) { requests[key] = request; return batch; };
    return batch;
  }
};
