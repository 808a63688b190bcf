// set(name, value[, name, value...]): saved on the server, checked as declared; returns a Promise of all prefs.
gadgets.Prefs.prototype.set = function () {
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
gadgets.Prefs.prototype.setArray = function (name, values) { return this.set(name, values); };
