gadgets.window = gadgets.window || {};
gadgets.window.adjustHeight = function (optHeight) {
  var height = parseInt(optHeight, 10);
  if (!(height > 0)) {
    var style = window.getComputedStyle(document.body);
    height = Math.ceil(document.body.getBoundingClientRect().height + parseFloat(style.marginTop) +
                       parseFloat(style.marginBottom));
  }
  tell({ type: "dashboard:height", height: height });
};
gadgets.window.getViewportDimensions = function () {
  return { width: window.innerWidth || document.documentElement.clientWidth,
           height: window.innerHeight || document.documentElement.clientHeight };
};
