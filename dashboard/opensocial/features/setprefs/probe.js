probe["gadgets.Prefs.set"] = function () {
  var prefs = new gadgets.Prefs();
  return prefs.set("count", 8).then(function (all) { return all.count === "8" && prefs.getInt("count") === 8; });
};
probe["gadgets.Prefs.setArray"] = function () {
  var prefs = new gadgets.Prefs();
  return prefs.setArray("items", ["x", "y"]).then(function () { return prefs.getArray("items").join() === "x,y"; });
};
