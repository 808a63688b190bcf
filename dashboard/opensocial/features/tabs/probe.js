function probeTabs() {
  var where = document.createElement("div");
  document.body.appendChild(where);
  var set = new gadgets.TabSet(1, "Two", where), hits = [];
  set.addTab("One", { callback: function (id) { hits.push(id); } });
  set.addTab("Two");
  return { set: set, hits: hits, where: where };
}
probe["gadgets.TabSet"] = function () { return new gadgets.TabSet(1, null, document.createElement("div")).getTabs().length === 0; };
probe["gadgets.TabSet.addTab"] = function () {
  var t = probeTabs(), id = t.set.addTab("Three", { index: 0 });
  return document.getElementById(id) !== null && t.set.getTabs()[0].getName() === "Three" && t.hits.length === 1;
};
probe["gadgets.TabSet.getSelectedTab"] = function () {
  var t = probeTabs();  // the default tab is selected when it is added
  return t.set.getSelectedTab().getName() === "Two" && t.set.getSelectedTab().getContentContainer().style.display === "";
};
probe["gadgets.TabSet.setSelectedTab"] = function () {
  var t = probeTabs();
  t.set.getTabs()[0].getNameContainer().click();
  return t.set.getSelectedTab().getIndex() === 0 && t.hits.length === 2 &&
         t.set.getTabs()[1].getContentContainer().style.display === "none";
};
probe["gadgets.TabSet.removeTab"] = function () {
  var t = probeTabs();
  t.set.removeTab(1);
  return t.set.getTabs().length === 1 && t.set.getSelectedTab().getName() === "One";
};
probe["gadgets.TabSet.getTabs"] = function () { return probeTabs().set.getTabs().map(function (x) { return x.getName(); }).join() === "One,Two"; };
probe["gadgets.TabSet.swapTabs"] = function () {
  var t = probeTabs();
  t.set.swapTabs(0, 1);
  return t.set.getTabs()[0].getName() === "Two" && t.set.getHeaderContainer().firstChild.textContent === "Two";
};
probe["gadgets.TabSet.alignTabs"] = function () { var t = probeTabs(); t.set.alignTabs("right"); return t.set.getHeaderContainer().style.textAlign === "right"; };
probe["gadgets.TabSet.displayTabs"] = function () { var t = probeTabs(); t.set.displayTabs(false); return t.set.getHeaderContainer().style.display === "none"; };
probe["gadgets.TabSet.getHeaderContainer"] = function () { var t = probeTabs(); return t.where.contains(t.set.getHeaderContainer()); };
probe["_IG_Tabs"] = function () { return _IG_Tabs === gadgets.TabSet; };
