function request(path, params) {
  return new Promise(function (done) { gadgets.io.makeRequest(new gadgets.Prefs().getString("base") + path, done, params); });
}
probe["gadgets.io.makeRequest"] = function () {
  var P = gadgets.io.RequestParameters, T = gadgets.io.ContentType;
  return Promise.all([
    request("/probe.json", { CONTENT_TYPE: T.JSON }).then(function (r) { return r.rc === 200 && r.data.ok === true; }),
    request("/probe.txt").then(function (r) { return r.data === "plain text"; }),
    request("/feed.xml", { CONTENT_TYPE: T.FEED, NUM_ENTRIES: 1, GET_SUMMARIES: true }).then(function (r) {
      return r.data.Title === "Probe feed" && r.data.Entry.length === 1 && r.data.Entry[0].Summary === "first summary";
    }),
    request("/feed.xml", { CONTENT_TYPE: T.DOM }).then(function (r) { return r.data.getElementsByTagName("item").length === 2; }),
    request("/echo", { METHOD: "POST", POST_DATA: gadgets.io.encodeValues({ a: "1 2" }),
                       HEADERS: { "Accept": "text/plain" }, REFRESH_INTERVAL: 0 }).then(function (r) {
      return r.data === "POST application/x-www-form-urlencoded a=1%202";
    }),
    request("/missing").then(function (r) { return r.rc === 404 && r.errors.length === 1; }),
    // REFRESH_INTERVAL: the answer is kept that long (the upstream counts its calls); 0 is never kept
    request("/count", { REFRESH_INTERVAL: 60 }).then(function (first) {
      return request("/count", { REFRESH_INTERVAL: 60 }).then(function (again) { return again.data === first.data; });
    }),
    request("/count?fresh", { REFRESH_INTERVAL: 0 }).then(function (first) {
      return request("/count?fresh", { REFRESH_INTERVAL: 0 }).then(function (again) { return again.data !== first.data; });
    })
  ]).then(function (all) { return all.every(Boolean) || JSON.stringify(all); });
};
probe["gadgets.io.encodeValues"] = function () { return gadgets.io.encodeValues({ a: "x y", b: "&" }) === "a=x%20y&b=%26"; };
probe["gadgets.io.getProxyUrl"] = function () {
  return fetch(gadgets.io.getProxyUrl(new gadgets.Prefs().getString("base") + "/probe.txt"))
    .then(function (r) { return r.text(); }).then(function (t) { return t === "plain text"; });
};
probe["gadgets.io.RequestParameters"] = function () { return gadgets.io.RequestParameters.POST_DATA === "POST_DATA"; };
probe["gadgets.io.ContentType"] = function () { return gadgets.io.ContentType.FEED === "FEED" && gadgets.io.ContentType.DOM === "DOM"; };
probe["gadgets.io.MethodType"] = function () {
  var M = gadgets.io.MethodType;
  return Promise.all([
    request("/echo", { METHOD: M.PUT, POST_DATA: "b=2" }).then(function (r) { return r.data === "PUT application/x-www-form-urlencoded b=2"; }),
    request("/echo", { METHOD: M.DELETE }).then(function (r) { return r.data === "DELETE None "; }),
    request("/echo", { METHOD: M.HEAD }).then(function (r) { return r.rc === 200 && r.data === ""; })
  ]).then(function (all) { return all.every(Boolean) || JSON.stringify(all); });
};
probe["gadgets.io.AuthorizationType"] = function () { return gadgets.io.AuthorizationType.SIGNED === "SIGNED"; };
