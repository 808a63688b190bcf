function send(build) {
  return new Promise(function (done) { var req = opensocial.newDataRequest(); build(req); req.send(done); });
}
probe["opensocial.newDataRequest"] = function () { return opensocial.newDataRequest() instanceof opensocial.DataRequest; };
probe["opensocial.DataRequest.newFetchPersonRequest"] = function () {
  return send(function (req) {
    req.add(req.newFetchPersonRequest(opensocial.DataRequest.PersonId.VIEWER), "viewer");
    req.add(req.newFetchPersonRequest(opensocial.DataRequest.PersonId.OWNER), "owner");
  }).then(function (r) {
    var p = r.get("viewer").getData(), o = r.get("owner").getData();
    return p.getId() === "alice" && p.getDisplayName() === "alice" && p.isViewer() && o.getId() === "alice" && o.isOwner();
  });
};
probe["opensocial.DataRequest.newFetchPeopleRequest"] = function () {
  var spec = opensocial.newIdSpec({ userId: opensocial.IdSpec.PersonId.VIEWER, groupId: "FRIENDS" });
  return send(function (req) { req.add(req.newFetchPeopleRequest(spec), "friends"); })
    .then(function (r) { return r.get("friends").getData().size() === 0 && !r.hadError(); });
};
probe["opensocial.DataResponse"] = function () {
  return send(function (req) { req.add({ something: "else" }, "other"); })
    .then(function (r) { return r instanceof opensocial.DataResponse && r.hadError() && r.get("other").getErrorCode() === "notImplemented"; });
};
probe["opensocial.IdSpec"] = function () { return opensocial.IdSpec.PersonId.OWNER === "OWNER" && opensocial.IdSpec.Field.USER_ID === "userId"; };
probe["opensocial.newIdSpec"] = function () { return opensocial.newIdSpec({ userId: "VIEWER" }).getField("userId") === "VIEWER"; };
probe["opensocial.Person"] = function () { return opensocial.Person.Field.ID === "id" && opensocial.Person.Field.NAME === "name"; };
probe["opensocial.DataRequest.PersonId"] = function () { return opensocial.DataRequest.PersonId.VIEWER === "VIEWER"; };
probe["opensocial.DataRequest.Group"] = function () { return opensocial.DataRequest.Group.VIEWER_FRIENDS === "VIEWER_FRIENDS"; };
probe["opensocial.getEnvironment"] = function () { return opensocial.getEnvironment().supportsField("person", "id") && !opensocial.getEnvironment().supportsField("person", "age"); };
