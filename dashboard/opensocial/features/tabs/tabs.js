// Tabs as Shindig's gadgets.TabSet draws them: a row of buttons over the tabs' content elements.
function Tab(set, name, content, callback, tooltip) {
  this.set = set; this.name = name; this.content = content; this.callback = callback || null;
  this.button = document.createElement("button");
  this.button.type = "button";
  this.button.className = "tablib_unselected";
  this.button.textContent = name;
  if (tooltip) { this.button.title = tooltip; }
  var tab = this;
  this.button.addEventListener("click", function () { set.setSelectedTab(tab.getIndex()); });
}
Tab.prototype.getName = function () { return this.name; };
Tab.prototype.getIndex = function () { return this.set.tabs.indexOf(this); };
Tab.prototype.getContentContainer = function () { return this.content; };
Tab.prototype.getNameContainer = function () { return this.button; };
Tab.prototype.getCallback = function () { return this.callback; };

var tabCount = 0;
function TabSet(moduleId, defaultTab, container) {
  this.tabs = [];
  this.selected = null;
  this.defaultTab = defaultTab;
  this.root = container || document.createElement("div");
  if (!container) { document.body.insertBefore(this.root, document.body.firstChild); }
  this.header = document.createElement("div");
  this.header.className = "tablib_table";
  this.header.setAttribute("role", "tablist");
  this.root.insertBefore(this.header, this.root.firstChild);
}
TabSet.prototype.addTab = function (name, params) {
  params = typeof params === "string" ? { contentContainer: document.getElementById(params) } : (params || {});
  var content = params.contentContainer;
  if (!content) {
    content = document.createElement("div");
    content.id = "tab_content_" + (++tabCount);
    this.root.appendChild(content);
  }
  var tab = new Tab(this, String(name), content, params.callback, params.tooltip);
  var index = typeof params.index === "number" ? Math.max(0, Math.min(params.index, this.tabs.length)) : this.tabs.length;
  this.tabs.splice(index, 0, tab);
  this.header.insertBefore(tab.button, this.header.children[index] || null);
  content.style.display = "none";
  var saved = env.prefs.selectedTab;
  if (this.selected === null || (this.defaultTab === name && saved === undefined) || String(saved) === String(index)) {
    this.setSelectedTab(tab.getIndex());
  }
  return content.id;
};
TabSet.prototype.removeTab = function (index) {
  var tab = this.tabs[index];
  if (!tab) { return; }
  this.tabs.splice(index, 1);
  tab.button.remove();
  tab.content.style.display = "none";
  if (this.selected === tab) { this.selected = null; if (this.tabs.length) { this.setSelectedTab(0); } }
};
TabSet.prototype.setSelectedTab = function (index) {
  var tab = this.tabs[index];
  if (!tab) { return; }
  this.tabs.forEach(function (t) { t.button.className = "tablib_unselected"; t.button.setAttribute("aria-selected", "false"); t.content.style.display = "none"; });
  tab.button.className = "tablib_selected";
  tab.button.setAttribute("aria-selected", "true");
  tab.content.style.display = "";
  this.selected = tab;
  if (tab.callback) { tab.callback(tab.content.id); }
};
TabSet.prototype.getSelectedTab = function () { return this.selected; };
TabSet.prototype.getTabs = function () { return this.tabs.slice(); };
TabSet.prototype.swapTabs = function (i, j) {
  var a = this.tabs[i], b = this.tabs[j];
  if (!a || !b) { return; }
  this.tabs[i] = b; this.tabs[j] = a;
  var header = this.header;
  this.tabs.forEach(function (t) { header.appendChild(t.button); });
};
TabSet.prototype.alignTabs = function (align) { this.header.style.textAlign = align; };
TabSet.prototype.displayTabs = function (display) { this.header.style.display = display ? "" : "none"; };
TabSet.prototype.getHeaderContainer = function () { return this.header; };
gadgets.TabSet = TabSet;
gadgets.Tab = Tab;
window._IG_Tabs = TabSet;
