// The gadget directory as a dialog: search as you type, categories, thumbnails, "Add it now" into a chosen column.
(function () {
  "use strict";
  var ui = window.dashboardUI;
  var dialog = document.getElementById("directory-dialog");
  var opener = document.getElementById("open-directory");
  if (!ui || !dialog || !opener || typeof dialog.showModal !== "function") { return; }  // the /directory page remains
  var query = document.getElementById("directory-q");
  var category = document.getElementById("directory-category");
  var column = document.getElementById("directory-column");
  var results = document.getElementById("directory-results");
  var count = document.getElementById("directory-count");
  var entryTemplate = document.getElementById("directory-entry");
  var categoriesLoaded = false, timer = null, latest = 0;

  function render(gadgets) {
    results.textContent = "";
    gadgets.forEach(function (gadget) {
      var entry = entryTemplate.content.firstElementChild.cloneNode(true);
      entry.dataset.gadget = gadget.id;
      var img = entry.querySelector(".thumb-img"), letter = entry.querySelector(".thumb");
      if (gadget.thumbnail) { img.src = gadget.thumbnail; img.hidden = false; letter.hidden = true; }
      else { letter.textContent = gadget.title.slice(0, 1); }
      entry.querySelector(".entry-title").textContent = gadget.title;
      entry.querySelector(".entry-description").textContent = gadget.description;
      var meta = [gadget.category];
      if (gadget.author) { meta.push("by " + gadget.author); }
      if (gadget.provider) {
        var needs = "needs " + gadget.provider_name;
        if (gadget.provider_state === "pending") { needs += " (waiting for an administrator to approve it)"; }
        else if (gadget.provider_state === "disabled") { needs += " (disabled by an administrator)"; }
        meta.push(needs);
      }
      entry.querySelector(".meta").textContent = meta.join(" · ");
      var add = entry.querySelector(".add-now");
      add.setAttribute("aria-label", "Add " + gadget.title + " now");
      add.addEventListener("click", function () { addGadget(gadget, add); });
      results.appendChild(entry);
    });
    count.textContent = gadgets.length ? gadgets.length + (gadgets.length === 1 ? " gadget" : " gadgets")
                                       : "No gadget matches. Try another word or category.";
  }

  function search() {
    var ticket = ++latest;  // answers can arrive out of order; only the latest query's counts
    var url = dialog.dataset.api + "?q=" + encodeURIComponent(query.value) + "&category=" + encodeURIComponent(category.value);
    ui.api("GET", url).then(function (data) {
      if (ticket !== latest) { return; }
      if (!categoriesLoaded) {
        data.categories.forEach(function (name) {
          var option = document.createElement("option");
          option.value = option.textContent = name;
          category.appendChild(option);
        });
        categoriesLoaded = true;
      }
      render(data.gadgets);
    }, function (error) { count.textContent = "Could not load the directory: " + error.message; });
  }

  // The dialog stays open for several adds and says what was added; closing it shows the dashboard with them,
  // rendered by the server and scrolled to the last one.
  var added = [];
  var status = document.getElementById("directory-added");

  function addGadget(gadget, button) {
    button.disabled = true;
    var into = column.options[column.selectedIndex].textContent;
    ui.api("POST", dialog.dataset.add, { gadget: gadget.id, column: Number(column.value) }).then(function (inst) {
      added.push(inst);
      button.disabled = false;
      button.textContent = "Add another";
      status.textContent = "Added " + gadget.title + " to " + into + " (" + added.length + " added). " +
        "Add more, or close the directory to see " + (added.length === 1 ? "it." : "them.");
    }, function (error) {
      button.disabled = false;
      status.textContent = "Could not add " + gadget.title + ": " + error.message;
    });
  }

  dialog.addEventListener("close", function () {
    if (!added.length) { return; }
    var last = added[added.length - 1].id;
    window.location.assign(window.location.pathname + "?added=" + encodeURIComponent(last) + "#g-" + last);
  });

  opener.addEventListener("click", function (event) {
    event.preventDefault();
    dialog.showModal();
    query.focus();
    search();
  });
  query.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 120);
  });
  category.addEventListener("change", search);
})();
