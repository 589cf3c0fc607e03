/*
 * Small behaviours of the dashboards' base layout:
 * - button[data-copy="ID"] copies the text of element ID and says so next to the button;
 * - form[data-confirm="Question?"] asks before it submits (htmx forms use hx-confirm);
 * - [data-show-for="name:value1 value2"] is shown only while the form control ``name`` in the
 *   same form (radio or select) has one of the values (without JS everything shows);
 * - select[data-autosubmit] submits its form on change;
 * - the user menu closes on Escape and on a click elsewhere;
 * - on phones the header's Menu button (.nav-toggle) opens and closes the navigation;
 * - [data-required-hint="ID"] (a "required" hint) hides while the control ID has a value.
 */
(function () {
  "use strict";

  function announce(button, text) {
    var status = button.nextElementSibling;
    if (!status || !status.classList.contains("copy-status")) {
      status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      button.insertAdjacentElement("afterend", status);
    }
    status.textContent = text;
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      var target = document.getElementById(button.dataset.copy);
      if (!target) return;
      var text = (target.value !== undefined ? target.value : target.textContent).trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { announce(button, "Copied"); },
          function () { announce(button, fallbackCopy(text) ? "Copied" : "Select and copy"); }
        );
      } else {
        announce(button, fallbackCopy(text) ? "Copied" : "Select and copy");
      }
      return;
    }
    var toggle = event.target.closest(".nav-toggle");
    if (toggle) {
      var open = document.body.classList.toggle("nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var first = document.querySelector("#side-nav a");
        if (first) first.focus();
      }
      return;
    }
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  function applyRequiredHints(root) {
    (root || document).querySelectorAll("[data-required-hint]").forEach(function (hint) {
      var control = document.getElementById(hint.dataset.requiredHint);
      if (control) hint.classList.toggle("is-filled", control.value.trim() !== "");
    });
  }
  document.addEventListener("input", function () { applyRequiredHints(); });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("hx-post")) return;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  function currentValue(scope, name) {
    var checked = scope.querySelector('input[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var select = scope.querySelector('select[name="' + name + '"]');
    return select ? select.value : null;
  }

  function applyShowFor(root) {
    (root || document).querySelectorAll("[data-show-for]").forEach(function (node) {
      var spec = node.dataset.showFor.split(":");
      var scope = node.closest("form") || document;
      var value = currentValue(scope, spec[0]);
      if (value === null) return;
      node.hidden = spec[1].split(/\s+/).indexOf(value) === -1;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    // The date-range control: picking a date means custom dates, a preset forgets them.
    var range = target.closest && target.closest("form[data-date-range]");
    if (range) {
      var period = range.querySelector("[name=period]");
      if (target.type === "date" && target.value && period) period.value = "custom";
      if (target === period && period.value !== "custom") {
        range.querySelectorAll("input[type=date]").forEach(function (input) { input.value = ""; });
      }
    }
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      if (target.form.requestSubmit) target.form.requestSubmit(); else target.form.submit();
      return;
    }
    if (target.name) applyShowFor(target.form || document);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { applyShowFor(); applyRequiredHints(); });
  } else {
    applyShowFor();
    applyRequiredHints();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (document.body.classList.contains("nav-open")) {
      document.body.classList.remove("nav-open");
      var button = document.querySelector(".nav-toggle");
      if (button) { button.setAttribute("aria-expanded", "false"); button.focus(); }
    }
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
})();
