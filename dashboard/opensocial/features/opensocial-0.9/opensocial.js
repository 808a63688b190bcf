function Person(data) { this.data = data; }
Person.prototype.getId = function () { return this.data.id; };
Person.prototype.getDisplayName = function () { return this.data.displayName; };
Person.prototype.getField = function (key) {
  return key === "id" ? this.data.id : key === "name" ? { getField: function () { return this.unstructured; },
                                                           unstructured: this.data.displayName } : null;
};
Person.prototype.isViewer = function () { return this.data.id === env.viewer.id; };
Person.prototype.isOwner = function () { return this.data.id === env.owner.id; };
Person.Field = gadgets.util.makeEnum(["ID", "NAME", "NICKNAME", "THUMBNAIL_URL", "PROFILE_URL"]);
Object.keys(Person.Field).forEach(function (k) { Person.Field[k] = k === "ID" ? "id" : k === "NAME" ? "name" : k.toLowerCase(); });
function Collection(items) { this.items = items; }
Collection.prototype.asArray = function () { return this.items.slice(); };
Collection.prototype.size = function () { return this.items.length; };
Collection.prototype.getTotalSize = function () { return this.items.length; };
Collection.prototype.each = function (fn) { this.items.forEach(fn); };
function ResponseItem(data, code, message) { this.data = data; this.code = code || null; this.message = message || ""; }
ResponseItem.prototype.getData = function () { return this.data; };
ResponseItem.prototype.hadError = function () { return this.code !== null; };
ResponseItem.prototype.getErrorCode = function () { return this.code; };
ResponseItem.prototype.getErrorMessage = function () { return this.message; };
function DataResponse(items) { this.items = items; }
DataResponse.prototype.get = function (key) { return this.items[key]; };
DataResponse.prototype.hadError = function () {
  var items = this.items;
  return Object.keys(items).some(function (k) { return items[k].hadError(); });
};
function IdSpec(params) { this.params = params || {}; }
IdSpec.prototype.getField = function (key) { return this.params[key]; };
IdSpec.PersonId = { VIEWER: "VIEWER", OWNER: "OWNER" };
IdSpec.Field = { USER_ID: "userId", GROUP_ID: "groupId", NETWORK_DISTANCE: "networkDistance" };
function isFriends(spec) {
  if (typeof spec === "string") { return /FRIENDS$/.test(spec); }
  return !!spec && spec.getField && spec.getField("groupId") === "FRIENDS";
}
function DataRequest() { this.requests = []; }
DataRequest.prototype.add = function (request, key) { this.requests.push({ request: request, key: key }); };
// VIEWER: the logged-in user; OWNER: whose dashboard it is (the viewer on one's own); an IdSpec names either
function whom(id) {
  var userId = id && typeof id.getField === "function" ? id.getField("userId") : id;
  if (userId === undefined || userId === null || userId === "VIEWER" || userId === env.viewer.id) { return env.viewer; }
  return userId === "OWNER" || userId === env.owner.id ? env.owner : null;
}
DataRequest.prototype.newFetchPersonRequest = function (id) {
  return function () {
    var who = whom(id);
    return who ? new ResponseItem(new Person(who))
               : new ResponseItem(null, "badRequest", "only the viewer and the owner are known here");
  };
};
DataRequest.prototype.newFetchPeopleRequest = function (spec) {
  return function () {
    var who = isFriends(spec) || !spec ? null : whom(spec);
    return new ResponseItem(new Collection(who ? [new Person(who)] : []));
  };
};
DataRequest.prototype.send = function (callback) {
  var items = {};
  this.requests.forEach(function (entry) {
    items[entry.key] = typeof entry.request === "function" ? entry.request()
      : new ResponseItem(null, "notImplemented", "this container does not provide that request");
  });
  window.setTimeout(function () { if (callback) { callback(new DataResponse(items)); } }, 0);
};
DataRequest.PersonId = { VIEWER: "VIEWER", OWNER: "OWNER" };
DataRequest.Group = { VIEWER_FRIENDS: "VIEWER_FRIENDS", OWNER_FRIENDS: "OWNER_FRIENDS" };
window.opensocial = {
  newDataRequest: function () { return new DataRequest(); },
  DataRequest: DataRequest,
  DataResponse: DataResponse,
  ResponseItem: ResponseItem,
  IdSpec: IdSpec,
  newIdSpec: function (params) { return new IdSpec(params); },
  Person: Person,
  Collection: Collection,
  getEnvironment: function () {
    return { getDomain: function () { return window.location.hostname; },
             supportsField: function (type, field) { return type === "person" && (field === "id" || field === "name"); } };
  }
};
