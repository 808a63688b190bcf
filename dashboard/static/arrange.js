// Arranging by mouse, touch and keyboard: gadgets within and between columns, dashboards among the tabs.
// Every move is saved at once; when the server refuses it, the item goes back where it was and the page says why.
(function () {
  "use strict";
  var ui = window.dashboardUI;
  var page = document.getElementById("dashboard");
  if (!page || !ui) { return; }

  function children(parent, selector) {
    return Array.prototype.filter.call(parent.children, function (el) { return el.matches(selector); });
  }
  function columns() { return Array.prototype.slice.call(page.querySelectorAll("section.column")); }
  function gadgetsIn(column) { return children(column, "article.gadget"); }
  function placeOf(el) { return { parent: el.parentNode, next: el.nextElementSibling }; }
  function putBack(el, place) {
    place.parent.insertBefore(el, place.next && place.next.parentNode === place.parent ? place.next : null);
  }
  function samePlace(el, place) { return el.parentNode === place.parent && el.nextElementSibling === place.next; }

  // Gadgets

  function describe(article) {
    var column = article.parentNode;
    var list = gadgetsIn(column);
    return article.dataset.title + " moved to column " + (Number(column.dataset.column) + 1) + ", position " +
      (list.indexOf(article) + 1) + " of " + list.length;
  }

  function saveMove(article, place) {
    var column = article.parentNode;
    var body = { column: Number(column.dataset.column), position: gadgetsIn(column).indexOf(article) };
    ui.clearError();
    ui.announce(describe(article));
    return ui.api("PATCH", article.dataset.api, body).catch(function (error) {
      var handle = article.querySelector(".handle");
      putBack(article, place);
      if (handle) { handle.focus(); }
      ui.showError("Could not move " + article.dataset.title + ": " + error.message + ". It is back where it was.");
      ui.announce("Move failed; " + article.dataset.title + " is back where it was");
    });
  }

  function moveByKey(article, key) {
    var column = article.parentNode;
    var list = gadgetsIn(column);
    var index = list.indexOf(article);
    var place = placeOf(article);
    if (key === "ArrowUp" && index > 0) {
      column.insertBefore(article, list[index - 1]);
    } else if (key === "ArrowDown" && index < list.length - 1) {
      column.insertBefore(article, list[index + 1].nextElementSibling);
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      var all = columns();
      var target = all[all.indexOf(column) + (key === "ArrowLeft" ? -1 : 1)];
      if (!target) { ui.announce("No column further " + (key === "ArrowLeft" ? "left" : "right")); return; }
      var others = gadgetsIn(target);
      target.insertBefore(article, others[Math.min(index, others.length)] || null);
    } else {
      ui.announce(article.dataset.title + " cannot move further " + (key === "ArrowUp" ? "up" : "down"));
      return;
    }
    article.querySelector(".handle").focus();  // moving an element in the document takes the focus away
    saveMove(article, place);
  }

  // The column under the pointer, or the nearest one (columns stack on narrow screens, so both axes count).
  function columnAt(x, y) {
    var best = null, bestDistance = Infinity;
    columns().forEach(function (column) {
      var r = column.getBoundingClientRect();
      var dx = Math.max(r.left - x, 0, x - r.right), dy = Math.max(r.top - y, 0, y - r.bottom);
      var distance = dx * dx + dy * dy;
      if (distance < bestDistance) { best = column; bestDistance = distance; }
    });
    return best;
  }

  function drag(handle, start) {
    var article = handle.closest("article.gadget");
    var place = placeOf(article);
    var rect = article.getBoundingClientRect();
    var offsetX = start.clientX - rect.left, offsetY = start.clientY - rect.top;
    // A placeholder travels with the pointer; the gadget itself moves once, on drop (moving a frame reloads it).
    var placeholder = document.createElement("div");
    placeholder.className = "drop-placeholder";
    placeholder.style.height = rect.height + "px";
    article.parentNode.insertBefore(placeholder, article);
    article.classList.add("dragged");
    article.style.width = rect.width + "px";
    document.body.classList.add("is-dragging");
    handle.setPointerCapture(start.pointerId);

    function follow(event) {
      article.style.left = (event.clientX - offsetX) + "px";
      article.style.top = (event.clientY - offsetY) + "px";
      var column = columnAt(event.clientX, event.clientY);
      var before = gadgetsIn(column).filter(function (other) {
        if (other === article) { return false; }
        var r = other.getBoundingClientRect();
        return event.clientY < r.top + r.height / 2;
      })[0];
      if (placeholder.parentNode !== column || placeholder.nextElementSibling !== (before || null)) {
        column.insertBefore(placeholder, before || null);
      }
    }
    function finish(event) {
      handle.removeEventListener("pointermove", follow);
      handle.removeEventListener("pointerup", finish);
      handle.removeEventListener("pointercancel", finish);
      document.body.classList.remove("is-dragging");
      article.classList.remove("dragged");
      article.style.width = article.style.left = article.style.top = "";
      var cancelled = event.type === "pointercancel";
      if (!cancelled && placeholder.nextElementSibling !== article) {
        placeholder.parentNode.insertBefore(article, placeholder);
      }
      placeholder.parentNode.removeChild(placeholder);
      if (!samePlace(article, place)) { saveMove(article, place); }
      handle.focus();
    }
    handle.addEventListener("pointermove", follow);
    handle.addEventListener("pointerup", finish);
    handle.addEventListener("pointercancel", finish);
    follow(start);
  }

  page.addEventListener("pointerdown", function (event) {
    var handle = event.target.closest("button.handle");
    if (!handle || event.button !== 0) { return; }
    event.preventDefault();
    drag(handle, event);
  });
  page.addEventListener("keydown", function (event) {
    var handle = event.target.closest && event.target.closest("button.handle");
    if (!handle || ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].indexOf(event.key) < 0) { return; }
    event.preventDefault();
    moveByKey(handle.closest("article.gadget"), event.key);
  });

  // Dashboards among the tabs

  var tabList = page.querySelector(".tab-list");
  if (!tabList) { return; }
  function tabs() { return children(tabList, "li"); }

  function saveTab(item, place) {
    var list = tabs();
    var link = item.querySelector("a");
    ui.clearError();
    ui.announce(link.textContent + " moved to position " + (list.indexOf(item) + 1) + " of " + list.length);
    return ui.api("PATCH", link.dataset.api, { position: list.indexOf(item) }).catch(function (error) {
      putBack(item, place);
      link.focus();
      ui.showError("Could not move the dashboard " + link.textContent + ": " + error.message + ". It is back where it was.");
    });
  }

  tabList.addEventListener("keydown", function (event) {
    var link = event.target.closest("a");
    if (!link || !event.shiftKey || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) { return; }
    event.preventDefault();
    var item = link.parentNode, list = tabs(), index = list.indexOf(item), place = placeOf(item);
    if (event.key === "ArrowLeft" && index > 0) { tabList.insertBefore(item, list[index - 1]); }
    else if (event.key === "ArrowRight" && index < list.length - 1) { tabList.insertBefore(item, list[index + 1].nextElementSibling); }
    else { return; }
    link.focus();
    saveTab(item, place);
  });

  tabList.addEventListener("pointerdown", function (start) {
    var link = start.target.closest("a");
    if (!link || start.button !== 0) { return; }
    var item = link.parentNode, place = placeOf(item), dragging = false;
    function follow(event) {
      if (!dragging && Math.abs(event.clientX - start.clientX) < 6) { return; }  // a click, not a drag (yet)
      dragging = true;
      item.classList.add("dragged-tab");
      var before = tabs().filter(function (other) {
        var r = other.getBoundingClientRect();
        return other !== item && event.clientX < r.left + r.width / 2;
      })[0];
      if (item.nextElementSibling !== (before || null)) { tabList.insertBefore(item, before || null); }
    }
    function finish() {
      document.removeEventListener("pointermove", follow);
      document.removeEventListener("pointerup", finish);
      item.classList.remove("dragged-tab");
      if (!dragging) { return; }
      // The drop must not also follow the link.
      var swallow = function (event) { event.preventDefault(); };
      link.addEventListener("click", swallow, { once: true, capture: true });
      window.setTimeout(function () { link.removeEventListener("click", swallow, true); }, 0);
      if (!samePlace(item, place)) { saveTab(item, place); }
    }
    document.addEventListener("pointermove", follow);
    document.addEventListener("pointerup", finish);
  });
})();
