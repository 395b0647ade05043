// The dashboard's only script. It is progressive enhancement: every action
// works without it. It copies values to the clipboard, dismisses panels,
// moves focus to swapped-in content and announces outcomes. No inline
// handlers, no eval: the Content-Security-Policy forbids both.
(function () {
  "use strict";

  function announce(text) {
    var live = document.getElementById("announcer");
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (btn) {
      var src = document.getElementById(btn.getAttribute("data-copy"));
      if (!src || !navigator.clipboard) return;
      navigator.clipboard.writeText(src.textContent.trim()).then(function () {
        var label = btn.getAttribute("data-copy-label") || "Value";
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
        var back = document.getElementById("create-name");
        if (back) back.focus();
      }
    }
  });

  // Copy buttons need the Clipboard API: show them only where it exists.
  function enableCopy(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("[data-copy]").forEach(function (b) { b.hidden = false; });
  }

  // After htmx swaps content in, move focus to the element the server
  // marked (a new panel's heading, a swapped row) and announce the outcome.
  document.addEventListener("htmx:afterSettle", function (ev) {
    var root = ev.detail.elt || document;
    enableCopy(document);
    var target = (root.matches && root.matches("[data-focus]")) ? root : root.querySelector && root.querySelector("[data-focus]");
    if (!target) target = document.querySelector("[data-focus]");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
      target.removeAttribute("data-focus");
    }
    var msg = document.querySelector("[data-announce]");
    if (msg) {
      announce(msg.getAttribute("data-announce"));
      msg.removeAttribute("data-announce");
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    enableCopy(document);
    var msg = document.querySelector("[data-announce]");
    if (msg) { announce(msg.getAttribute("data-announce")); msg.removeAttribute("data-announce"); }
  });
})();
