gadgets.window = gadgets.window || {};
gadgets.window.setTitle = function (title) {
  title = String(title).slice(0, 200);
  document.title = title;
  tell({ type: "dashboard:title", title: title });
};
