probe["gadgets.views.getCurrentView"] = function () { return gadgets.views.getCurrentView().getName() === "home"; };
probe["gadgets.views.getSupportedViews"] = function () {
  var views = gadgets.views.getSupportedViews();
  return "canvas" in views && "home" in views && views.canvas.isOnlyVisibleGadget();
};
// navigation leaves this page: test_features.py follows it (test_request_navigate_to_canvas_maximizes)
probe["gadgets.views.requestNavigateTo"] = function () { return typeof gadgets.views.requestNavigateTo === "function"; };
probe["gadgets.views.getParams"] = function () { return typeof gadgets.views.getParams() === "object"; };
probe["gadgets.views.View"] = function () { return new gadgets.views.View("home.about").getName() === "home.about"; };
probe["gadgets.views.ViewType"] = function () { return gadgets.views.ViewType.CANVAS === "canvas"; };
