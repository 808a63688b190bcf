// The dashboard's own script. Progressive enhancement: every action also works as a plain form without script;
// with script, changes go through the JSON API at once, and a failed change is undone on screen with its reason.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  var csrfMeta = document.querySelector("meta[name=csrf-token]");
  var csrf = csrfMeta ? csrfMeta.content : "";

  // One JSON call; resolves with the body, rejects with an Error whose message a person can read.
  function api(method, url, body) {
    var init = { method: method, credentials: "same-origin",
                 headers: { "Accept": "application/json", "X-CSRF-Token": csrf } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { /* not JSON: say the status below */ }
        if (!response.ok) {
          throw new Error((data && data.error) || ("the server answered " + response.status));
        }
        return data;
      });
    }, function () { throw new Error("the server could not be reached"); });
  }

  var announcer = document.getElementById("announce");
  function announce(text) {
    if (!announcer) { return; }
    // Clear first so that the same sentence twice is announced twice.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 30);
  }

  var errorBox = document.getElementById("page-error");
  function showError(text) {
    if (errorBox) { errorBox.textContent = text; errorBox.hidden = false; } else { window.alert(text); }
  }
  function clearError() { if (errorBox) { errorBox.hidden = true; errorBox.textContent = ""; } }

  // A short message with an action ("Undo"); one at a time.
  var toast = document.getElementById("toast");
  var toastTimer = null;
  function showToast(text, actionLabel, action) {
    if (!toast) { return; }
    var button = toast.querySelector(".toast-undo");
    toast.querySelector(".toast-text").textContent = text;
    button.textContent = actionLabel;
    button.onclick = function () { hideToast(); action(); };
    toast.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(hideToast, 15000);
  }
  function hideToast() { if (toast) { toast.hidden = true; } }

  window.dashboardUI = { api: api, announce: announce, showError: showError, clearError: clearError,
                         showToast: showToast };

  document.querySelectorAll("form button.danger").forEach(function (button) {
    button.form.addEventListener("submit", function (event) {
      if (!window.confirm(button.textContent.trim() + "?")) { event.preventDefault(); }
    });
  });

  var page = document.getElementById("dashboard");
  if (!page) { return; }

  // Gadget frames

  var loadedAt = Date.now();
  var MAX_AGE_MS = 50 * 60 * 1000;  // frame links carry a token valid for an hour; reload the page before that
  function reloadFrame(frame) {
    if (Date.now() - loadedAt > MAX_AGE_MS) { window.location.reload(); return; }
    var article = frame.closest("article.gadget");
    article.classList.add("loading");
    frame.addEventListener("load", function () { article.classList.remove("loading"); }, { once: true });
    frame.src = frame.src;
  }
  function frames() { return Array.prototype.slice.call(document.querySelectorAll("iframe.gadget-frame")); }
  function frameOf(source) {
    return frames().filter(function (frame) { return frame.contentWindow === source; })[0];
  }
  frames().forEach(function (frame) {
    var every = parseInt(frame.dataset.refresh, 10);
    if (every > 0) { window.setInterval(function () { reloadFrame(frame); }, every * 1000); }
  });

  // Messages from gadget frames. Accept them only from one of our frames (sandboxed, so their origin is "null").
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data.type !== "string" || event.origin !== "null") { return; }
    var frame = frameOf(event.source);
    if (!frame) { return; }
    if (data.type === "dashboard:height" && typeof data.height === "number") {
      frame.style.height = Math.max(40, Math.min(3000, Math.round(data.height))) + "px";
    } else if (data.type === "dashboard:connect-here" && typeof data.url === "string") {
      // The popup was blocked: run the connect flow in this window instead; it returns to this dashboard.
      // Only for that frame's own gadget, on this dashboard: a gadget cannot send the page anywhere else.
      var url, article = frame.closest("article.gadget");
      try { url = new URL(data.url, window.location.href); } catch (e) { return; }
      if (url.origin === window.location.origin && url.pathname.indexOf(page.dataset.connect) === 0 &&
          url.searchParams.get("d") === page.dataset.id && url.searchParams.get("i") === article.dataset.instance) {
        window.location.assign(url.href);
      }
    } else if (data.type === "dashboard:pubsub" || data.type === "dashboard:title" || data.type === "dashboard:navigate") {
      gadgetRelay(frame, data);
    }
  });

  // The OpenSocial relay (dashboard/opensocial/features): gadgets.pubsub between this page's own frames (so only this
  // dashboard's gadgets, of the user who has it open, hear each other), setTitle, and requestNavigateTo("canvas").
  var subscriptions = new Map();  // frame element -> Set of channels
  function gadgetRelay(frame, data) {
    var article = frame.closest("article.gadget");
    if (data.type === "dashboard:title" && typeof data.title === "string") {
      var heading = article.querySelector("h2 a") || article.querySelector("h2");
      heading.textContent = data.title.slice(0, 200);
    } else if (data.type === "dashboard:navigate" && data.view === "canvas") {
      var maximize = article.querySelector("a.button[href$='/max']");
      if (!maximize) { return; }
      // requestNavigateTo's params go to the canvas view: an object's JSON, bounded (checked again by the server)
      var target = new URL(maximize.href), params = null;
      if (typeof data.params === "string" && data.params.length <= 2048) {
        try { params = JSON.parse(data.params); } catch (e) { params = null; }
      }
      if (params && typeof params === "object" && !Array.isArray(params) && Object.keys(params).length) {
        target.searchParams.set("view-params", JSON.stringify(params));
      }
      window.location.assign(target.href);
    } else if (data.type === "dashboard:pubsub" && typeof data.channel === "string" && data.channel.length <= 200) {
      var channels = subscriptions.get(frame) || new Set();
      subscriptions.set(frame, channels);
      if (data.op === "subscribe") { channels.add(data.channel); }
      else if (data.op === "unsubscribe") { channels.delete(data.channel); }
      else if (data.op === "publish") {
        subscriptions.forEach(function (subscribed, target) {
          if (subscribed.has(data.channel) && target.isConnected && target.contentWindow) {
            // the frames' origins are opaque ("null"): only "*" reaches them; the message names its channel only
            target.contentWindow.postMessage({ type: "dashboard:pubsub-deliver", channel: data.channel,
                                               message: data.message, sender: article.dataset.instance }, "*");
          }
        });
      }
    }
  }

  // Gadget chrome: refresh, minimize/expand, remove with undo

  function titleOf(article) { return article.dataset.title; }

  // One gadget menu open at a time; Escape or a click elsewhere closes it (Escape gives the focus back to it).
  function closeMenus(except) {
    page.querySelectorAll("details.gadget-menu[open]").forEach(function (menu) {
      if (menu !== except) { menu.open = false; }
    });
  }
  page.addEventListener("toggle", function (event) {
    if (event.target.matches && event.target.matches("details.gadget-menu") && event.target.open) {
      closeMenus(event.target);
    }
  }, true);
  document.addEventListener("click", function (event) {
    var menu = event.target.closest && event.target.closest("details.gadget-menu");
    if (!menu) { closeMenus(null); return; }
    // a chosen action closes its menu (after the click has done its work)
    if (event.target.closest(".chrome button, .chrome a")) { setTimeout(function () { menu.open = false; }, 0); }
  });
  page.addEventListener("keydown", function (event) {
    var menu = event.key === "Escape" && event.target.closest && event.target.closest("details.gadget-menu[open]");
    if (menu) { menu.open = false; menu.querySelector("summary").focus(); }
  });

  page.addEventListener("click", function (event) {
    var button = event.target.closest("button.refresh");
    if (!button) { return; }
    var frame = button.closest("article.gadget").querySelector("iframe.gadget-frame");
    if (frame) { reloadFrame(frame); }
  });

  page.addEventListener("submit", function (event) {
    var form = event.target;
    var article = form.closest("article.gadget");
    if (!article || !(form.classList.contains("minimize") || form.classList.contains("remove"))) { return; }
    event.preventDefault();
    clearError();
    if (form.classList.contains("minimize")) { toggleMinimized(article, form.querySelector("button")); }
    else { remove(article); }
  });

  function toggleMinimized(article, button) {
    var minimized = !article.classList.contains("minimized");
    api("PATCH", article.dataset.api, { minimized: minimized }).then(function () {
      article.classList.toggle("minimized", minimized);
      var verb = minimized ? "Expand" : "Minimize";
      button.textContent = minimized ? "▸" : "▾";
      button.title = verb;
      button.setAttribute("aria-label", verb + " " + titleOf(article));
      button.setAttribute("aria-expanded", String(!minimized));
      announce(titleOf(article) + (minimized ? " minimized" : " expanded"));
    }, function (error) {
      showError("Could not " + (minimized ? "minimize " : "expand ") + titleOf(article) + ": " + error.message);
    });
  }

  function remove(article) {
    var parent = article.parentNode, next = article.nextElementSibling;
    api("DELETE", article.dataset.api).then(function (result) {
      parent.removeChild(article);
      announce(titleOf(article) + " removed");
      showToast(titleOf(article) + " was removed.", "Undo", function () {
        api("POST", result.restore_url, {}).then(function () {
          parent.insertBefore(article, next && next.parentNode === parent ? next : null);
          announce(titleOf(article) + " is back");
          var handle = article.querySelector(".handle");
          if (handle) { handle.focus(); }
        }, function (error) { showError("Could not bring back " + titleOf(article) + ": " + error.message); });
      });
    }, function (error) { showError("Could not remove " + titleOf(article) + ": " + error.message); });
  }

  // Toolbar: the layout applies when chosen; renaming updates the title in place.

  // Preferences edited in the gadget itself: Edit brings the preferences form into the gadget (the same form and
  // checks as its own page, which stays for browsers without script); Save posts it there and reloads the frame.
  function placePrefsForm(article, html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var form = doc.getElementById("prefs-form");
    if (!form) { return false; }
    var old = article.querySelector(".inline-prefs");
    var box = document.createElement("div");
    box.className = "inline-prefs";
    var error = doc.querySelector(".error[role=alert]");
    if (error) { box.appendChild(document.importNode(error, true)); }
    var inline = document.importNode(form, true);
    inline.id = "";
    inline.setAttribute("action", url);
    inline.setAttribute("aria-label", "Preferences of " + titleOf(article));
    box.appendChild(inline);
    if (old) { old.replaceWith(box); } else { article.querySelector("header").after(box); }
    var first = inline.querySelector("input:not([type=hidden]), select");
    if (first) { first.focus(); }
    return true;
  }

  page.addEventListener("click", function (event) {
    var edit = event.target.closest("details.gadget-menu a.edit-prefs");
    var cancel = event.target.closest(".inline-prefs a");
    var article = (edit || cancel) && (edit || cancel).closest("article.gadget");
    if (!article) { return; }
    event.preventDefault();
    if (cancel) {
      article.querySelector(".inline-prefs").remove();
      article.querySelector("details.gadget-menu summary").focus();
      return;
    }
    var url = edit.getAttribute("href");
    fetch(url, { credentials: "same-origin" }).then(function (response) { return response.text(); })
      .then(function (html) { if (!placePrefsForm(article, html, url)) { window.location.assign(url); } },
            function () { window.location.assign(url); });
  });

  page.addEventListener("submit", function (event) {
    var form = event.target;
    var box = form.closest(".inline-prefs");
    if (!box) { return; }
    event.preventDefault();
    var article = box.closest("article.gadget");
    var url = form.getAttribute("action");
    fetch(url, { method: "POST", credentials: "same-origin", body: new URLSearchParams(new FormData(form)) })
      .then(function (response) {
        return response.text().then(function (html) {
          if (response.status === 400) { placePrefsForm(article, html, url); return; }
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          box.remove();
          reloadFrame(article.querySelector("iframe.gadget-frame"));
          announce("Preferences of " + titleOf(article) + " saved");
        });
      }).catch(function (error) { showError("Could not save the preferences: " + error.message); });
  });

  var layoutForm = document.getElementById("layout-form");
  if (layoutForm) {
    layoutForm.querySelector("select").addEventListener("change", function () { layoutForm.submit(); });
  }
  var renameForm = document.getElementById("rename-form");
  if (renameForm) {
    renameForm.addEventListener("submit", function (event) {
      event.preventDefault();
      clearError();
      var title = renameForm.elements.title.value;
      api("PATCH", page.dataset.api, { title: title }).then(function (dash) {
        document.querySelector(".toolbar h1").textContent = dash.title;
        var tab = document.querySelector(".tabs a[aria-current=page]");
        if (tab) { tab.textContent = dash.title; }
        document.title = dash.title + " · Gadget Dashboard";
        announce("Dashboard renamed to " + dash.title);
      }, function (error) { showError("Could not rename the dashboard: " + error.message); });
    });
  }
})();
