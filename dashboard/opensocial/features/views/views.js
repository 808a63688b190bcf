function View(name) { this.name = name; }
View.prototype.getName = function () { return this.name; };
View.prototype.isOnlyVisibleGadget = function () { return this.name.split(".")[0] === "canvas"; };
function surface(name) {
  var top = String(name).split(".")[0].toLowerCase();
  return top === "canvas" || top === "full_page" ? "canvas" : "home";
}
gadgets.views = {
  View: View,
  ViewType: { CANVAS: "canvas", HOME: "home", PROFILE: "profile", DEFAULT: "default", FULL_PAGE: "full_page",
              DASHBOARD: "dashboard", PREVIEW: "preview" },
  getCurrentView: function () { return new View(env.view); },
  getSupportedViews: function () {
    var views = {};
    env.views.forEach(function (name) { views[name] = new View(name); });
    return views;
  },
  getParams: function () { return env.viewParams; },
  requestNavigateTo: function (view, optParams) {
    var name = typeof view === "string" ? view : view.getName();
    // JSON only, and bounded: the container passes on an object's JSON of at most env.maxViewParams characters
    var isObject = optParams && typeof optParams === "object" && !Array.isArray(optParams);
    var params = JSON.stringify(isObject ? optParams : {});
    if (params.length > env.maxViewParams) {
      gadgets.warn("requestNavigateTo: the params are larger than " + env.maxViewParams + " characters; not passed on");
      params = "{}";
    }
    if (surface(name) === surface(env.view)) {  // the same place: this frame shows the other view
      var url = new URL(window.location.href);
      url.searchParams.set("view", name);
      url.searchParams.set("view-params", params);
      window.location.assign(url.href);
    } else {  // canvas is the maximized gadget, home the dashboard: the page goes there
      tell({ type: "dashboard:navigate", view: surface(name), params: params });
    }
  }
};
