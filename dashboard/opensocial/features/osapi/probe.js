function run(request) { return new Promise(function (done) { request.execute(done); }); }
probe["osapi.people.getViewer"] = function () { return run(osapi.people.getViewer()).then(function (p) { return p.id === "alice" && p.isViewer; }); };
// on one's own dashboard the owner is the viewer (tests/test_spec_people.py: a dashboard shared with another)
probe["osapi.people.getOwner"] = function () {
  return run(osapi.people.getOwner()).then(function (p) { return p.displayName === "alice" && p.isOwner && p.isViewer; });
};
probe["osapi.people.get"] = function () {
  return Promise.all([run(osapi.people.get({ userId: "@viewer" })), run(osapi.people.get({ userId: "@me", groupId: "@friends" })),
                      run(osapi.people.get({ userId: "bob" }))]).then(function (r) {
    return r[0].id === "alice" && r[1].totalResults === 0 && r[2].error.code === 404 && r[0].isOwner;
  });
};
probe["osapi.people.getViewerFriends"] = function () { return run(osapi.people.getViewerFriends()).then(function (r) { return r.list.length === 0; }); };
probe["osapi.people.getOwnerFriends"] = function () { return run(osapi.people.getOwnerFriends()).then(function (r) { return r.totalResults === 0; }); };
probe["osapi.http.get"] = function () {
  var base = new gadgets.Prefs().getString("base");
  return run(osapi.http.get({ href: base + "/probe.json" })).then(function (r) { return r.status === 200 && r.content.ok === true; });
};
probe["osapi.http.post"] = function () {
  var base = new gadgets.Prefs().getString("base");
  return run(osapi.http.post({ href: base + "/echo", body: { q: "x" }, format: "text" })).then(function (r) {
    return r.content === "POST application/x-www-form-urlencoded q=x";
  });
};
probe["osapi.newBatch"] = function () {
  return run(osapi.newBatch().add("me", osapi.people.getViewer()).add("friends", osapi.people.getViewerFriends()))
    .then(function (r) { return r.me.id === "alice" && r.friends.list.length === 0; });
};
