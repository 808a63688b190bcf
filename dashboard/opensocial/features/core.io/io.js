// gadgets.io: every request goes through this server's proxy with the frame's token; credentials never reach here.
var SAFE_HEADERS = ["content-type", "accept", "accept-language"];
function encodeValues(fields, noEscaping) {
  return Object.keys(fields).map(function (k) {
    return noEscaping ? k + "=" + fields[k] : encodeURIComponent(k) + "=" + encodeURIComponent(fields[k]);
  }).join("&");
}
function absolute(url) {
  try { return env.specUrl ? new URL(url, env.specUrl).href : url; } catch (e) { return url; }
}
function proxyUrl(url, authz, headers, refresh) {
  var fields = { st: env.st, path: absolute(url), authz: authz };
  if (headers) { fields.headers = JSON.stringify(headers); }
  if (refresh !== undefined && refresh !== null && refresh !== "") { fields.refresh = String(refresh); }
  return env.proxy + "?" + encodeValues(fields);
}
function text(node, name) {
  var el = node.getElementsByTagName(name)[0];
  return el ? el.textContent.trim() : "";
}
function link(node) {
  var el = node.getElementsByTagName("link")[0];
  return el ? (el.getAttribute("href") || el.textContent).trim() : "";
}
// A feed (RSS or Atom) as Shindig gives it to gadgets.
function feedOf(doc, entries, summaries) {
  var atom = doc.documentElement.nodeName === "feed";
  var items = Array.prototype.slice.call(doc.getElementsByTagName(atom ? "entry" : "item"), 0, entries);
  var channel = atom ? doc.documentElement : (doc.getElementsByTagName("channel")[0] || doc.documentElement);
  return {
    Title: text(channel, "title"), URL: "", Link: link(channel),
    Description: text(channel, atom ? "subtitle" : "description"), Author: text(channel, atom ? "name" : "author"),
    Entry: items.map(function (item) {
      var entry = { Title: text(item, "title"), Link: link(item),
                    Date: Date.parse(text(item, atom ? "updated" : "pubDate")) || 0 };
      if (summaries) { entry.Summary = text(item, atom ? "summary" : "description") || text(item, "content"); }
      return entry;
    })
  };
}
var io = gadgets.io = {
  RequestParameters: gadgets.util.makeEnum(["METHOD", "CONTENT_TYPE", "POST_DATA", "HEADERS", "AUTHORIZATION",
    "NUM_ENTRIES", "GET_SUMMARIES", "REFRESH_INTERVAL", "OAUTH_SERVICE_NAME", "OAUTH_USE_TOKEN", "OAUTH_TOKEN_NAME",
    "SIGN_OWNER", "SIGN_VIEWER"]),
  ContentType: gadgets.util.makeEnum(["TEXT", "JSON", "FEED", "DOM"]),
  MethodType: gadgets.util.makeEnum(["GET", "POST", "PUT", "DELETE", "HEAD"]),
  AuthorizationType: gadgets.util.makeEnum(["NONE", "SIGNED", "OAUTH"]),
  encodeValues: encodeValues,
  getProxyUrl: function (url) { return proxyUrl(url, "none"); },
  makeRequest: function (url, callback, params) {
    params = params || {};
    var type = String(params.CONTENT_TYPE || "TEXT").toUpperCase();
    // OpenSocial's default is NONE: no credential. SIGNED: signed by this server as the user. OAUTH: the broker.
    var authz = String(params.AUTHORIZATION || "NONE").toLowerCase();
    var method = String(params.METHOD || "GET").toUpperCase();
    var headers = {};
    Object.keys(params.HEADERS || {}).forEach(function (name) {
      if (SAFE_HEADERS.indexOf(name.toLowerCase()) >= 0) { headers[name] = String(params.HEADERS[name]); }
    });
    var init = { method: method === "GET" || method === "HEAD" ? "GET" : "POST" };
    if (method !== "GET") { headers.method = method; }  // the proxy sends PUT, DELETE and HEAD as asked
    if (method !== "GET" && method !== "HEAD") {
      if (params.POST_DATA !== undefined && params.POST_DATA !== null) {
        // sent as text/plain (no preflight from this opaque origin); the proxy sends the Content-Type given
        init.body = String(params.POST_DATA);
        init.headers = { "Content-Type": "text/plain" };
        if (!Object.keys(headers).some(function (h) { return h.toLowerCase() === "content-type"; })) {
          headers["Content-Type"] = "application/x-www-form-urlencoded";
        }
      }
    }
    fetch(proxyUrl(url, authz, headers, params.REFRESH_INTERVAL), init).then(function (response) {
      return response.text().then(function (body) {
        var result = { rc: response.status, text: body, data: null, errors: [], headers: {} };
        response.headers.forEach(function (value, name) { result.headers[name] = [value]; });
        if (!response.ok) {
          var problem = gadgets.json.parse(body);
          result.errors.push(problem && problem.error ? problem.error : "HTTP " + response.status);
          // like Shindig: an OAuth gadget learns it must send the user to approve access
          if (problem && (problem.state === "not_connected" || problem.state === "needs_reconnect")) {
            result.oauthApprovalUrl = env.connectUrl || "connect";
          }
        } else if (type === "JSON") {
          result.data = gadgets.json.parse(body);
          if (result.data === false && body.trim() !== "false") { result.data = null; result.errors.push("the answer is not JSON"); }
        } else if (type === "DOM" || type === "FEED") {
          var doc = new DOMParser().parseFromString(body, "application/xml");
          if (doc.getElementsByTagName("parsererror").length) { result.errors.push("the answer is not XML"); }
          else { result.data = type === "DOM" ? doc : feedOf(doc, parseInt(params.NUM_ENTRIES, 10) || 3, !!params.GET_SUMMARIES); }
        } else { result.data = body; }
        callback(result);
      });
    }, function (error) { callback({ rc: 500, text: "", data: null, errors: [String(error)], headers: {} }); });
  }
};
