probe["gadgets.window.setTitle"] = function () {
  gadgets.window.setTitle("Probe <renamed>");
  return document.title === "Probe <renamed>";
};
