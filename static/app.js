// The dashboard's only script. It is progressive enhancement: every action
// works without it. It copies values to the clipboard, dismisses panels,
// moves focus to swapped-in content and announces outcomes. No inline
// handlers, no eval: the Content-Security-Policy forbids both.
(function () {
  "use strict";

  // The page names the ids and events this script uses on <body>
  // (views/targets.go), so that none is spelled here.
  var ids = document.body.dataset;
  function byId(name) { return ids[name] ? document.getElementById(ids[name]) : null; }

  function announce(text) {
    var live = byId("announcer");
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy], .copy");
    if (btn) {
      // data-copy names the element holding the value; empty, the value is
      // the text before the button (a table cell).
      var ref = btn.getAttribute("data-copy");
      var src = ref ? document.getElementById(ref) : null;
      var value = src ? src.textContent.trim() : (btn.previousSibling ? btn.previousSibling.textContent.trim() : "");
      if (!navigator.clipboard) return;
      navigator.clipboard.writeText(value).then(function () {
        var label = btn.getAttribute("data-copy-label") || "Client ID";
        btn.classList.add("copied");
        announce(label + " copied to the clipboard");
        window.setTimeout(function () { btn.classList.remove("copied"); }, 1500);
      }, function () {
        announce("Copy failed: select the text and copy it by hand");
      });
      return;
    }
    var dismiss = ev.target.closest("[data-dismiss]");
    if (dismiss) {
      var panel = document.getElementById(dismiss.getAttribute("data-dismiss"));
      if (panel) {
        ev.preventDefault();
        panel.replaceChildren();
        // Focus goes back to what opened the panel, or to the create form.
        var back = (opener && opener.isConnected) ? opener : byId("createName");
        if (back) back.focus();
      }
    }
  });

  // "Select every row shown": a header checkbox, shown only with script
  // (without it, the bulk bar's "All in this view" does the same job).
  document.addEventListener("change", function (ev) {
    if (!ev.target.matches("[data-select-all]")) return;
    var body = byId("accountsBody");
    if (!body) return;
    body.querySelectorAll('input[name="ids"]').forEach(function (box) {
      box.checked = ev.target.checked;
    });
  });

  // Copy buttons need the Clipboard API, the page selector needs script:
  // the stylesheet shows them under these classes, so that no row is
  // touched one by one.
  var root = document.documentElement;
  root.classList.add("js");
  if (navigator.clipboard) root.classList.add("can-copy");

  // Move focus to the element the server marked (a new panel's heading, a
  // swapped row's button, an error) and announce the outcome. Marks are
  // consumed so that a later swap does not jump back to them.
  function settle() {
    var target = document.querySelector("[data-focus]");
    document.querySelectorAll("[data-focus]").forEach(function (el) { el.removeAttribute("data-focus"); });
    if (target) {
      if (!target.matches("a, button, input, select, textarea") && !target.hasAttribute("tabindex")) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
    var msg = document.querySelector("[data-announce]");
    var text = msg && msg.getAttribute("data-announce");
    document.querySelectorAll("[data-announce]").forEach(function (el) { el.removeAttribute("data-announce"); });
    if (text) announce(text);
  }

  // The element whose request filled the panel, to give the focus back to.
  var opener = null;
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var t = ev.detail && ev.detail.target;
    if (t && t.id === ids.panel) opener = ev.detail.elt;
  });

  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("DOMContentLoaded", settle);

  // Row swaps carry their outcome in HX-Trigger-After-Settle: {"announce": "…"}.
  document.addEventListener(ids.announceEvent, function (ev) {
    var text = ev.detail && (ev.detail.value || ev.detail);
    if (typeof text === "string") announce(text);
  });
})();
