// On wide screens the menu and the filter sheet are always open; on phones they
// fold behind "Menu" and "Filters" (<details class="nav-toggle"> / <details data-open-wide>).
(function () {
  var wide = window.matchMedia("(min-width: 768px)");
  function sync() {
    document.querySelectorAll(".nav-toggle, details[data-open-wide]").forEach(function (details) {
      details.open = wide.matches;
    });
  }
  document.addEventListener("DOMContentLoaded", sync);
  wide.addEventListener("change", sync);
  // A filter bar that htmx swapped in (the board re-renders its own) follows the same rule.
  document.addEventListener("htmx:load", function (event) {
    event.detail.elt.querySelectorAll("details[data-open-wide]").forEach(function (details) {
      details.open = wide.matches;
    });
  });
})();

// A refused inline form comes back as 400 (bad input) or 409 (stale version) with the
// form and its errors: swap it in like a success (htmx 2 drops 4xx responses by default).
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 400 || status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Cascading province → city → district selects (codes as values).
(function () {
  var cache = null;
  function load(url) {
    if (!cache) { cache = fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }); }
    return cache;
  }
  function fill(select, items, selected, emptyLabel) {
    var first = select.options.length ? select.options[0].textContent : emptyLabel;
    select.innerHTML = "";
    var empty = document.createElement("option");
    empty.value = ""; empty.textContent = first || "—";
    select.appendChild(empty);
    (items || []).forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code; option.textContent = item.name;
      if (item.code === selected) { option.selected = true; }
      select.appendChild(option);
    });
  }
  function setup(scope) {
    var province = scope.querySelector("select[data-region=province]");
    if (!province || province.dataset.regionReady) { return; }
    province.dataset.regionReady = "1";
    var form = province.form || scope;
    var city = form.querySelector("select[data-region=city]");
    var district = form.querySelector("select[data-region=district]");
    var url = province.dataset.regionsUrl || "/customers/regions.json";
    var initial = {};
    var holder = document.getElementById("region-selected");
    if (holder) { try { initial = JSON.parse(holder.textContent); } catch (e) { initial = {}; } }
    load(url).then(function (tree) {
      function findProvince(code) { return tree.find(function (p) { return p.code === code; }); }
      function findCity(p, code) { return p && (p.cities || []).find(function (c) { return c.code === code; }); }
      if (province.options.length <= 1) { fill(province, tree, initial.province || province.value); }
      if (city && city.options.length <= 1 && province.value) {
        fill(city, (findProvince(province.value) || {}).cities, initial.city || city.dataset.selected || "");
      }
      province.addEventListener("change", function () {
        if (city) { fill(city, (findProvince(province.value) || {}).cities, ""); }
        if (district) { fill(district, [], ""); }
        if (city) { city.dispatchEvent(new Event("change", { bubbles: true })); }
      });
      if (city && district) {
        city.addEventListener("change", function () {
          fill(district, (findCity(findProvince(province.value), city.value) || {}).districts, "");
        });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setup(event.target); });
})();

// "Add another person" on the customer form: clone the formset's empty form.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-person]");
    if (!button) { return; }
    var total = document.querySelector("input[name=contacts-TOTAL_FORMS]");
    var template = document.getElementById("person-template");
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var form = holder.firstElementChild;
    form.querySelector(".person-number").textContent = String(index + 1);
    document.getElementById("person-forms").appendChild(form);
    total.value = String(index + 1);
    var first = form.querySelector("input");
    if (first) { first.focus(); }
  });
})();

// Date inputs that follow the UI language. Chromium draws <input type="date"> in the
// browser's locale (mm/dd/yyyy on an English browser showing a Chinese page), whatever
// the page's lang says; so the inputs the server marks data-picker (teams/forms.py) get
// the vendored flatpickr on top: the visible box shows 2026年12月2日 or 2026-12-02, the
// submitted value stays ISO. flatpickr is loaded only on pages that have such an input.
(function () {
  var script = document.currentScript;
  var chinese = /^zh/i.test(document.documentElement.lang || "");
  var loading = null;
  function load(src, css) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(css ? "link" : "script");
      if (css) { el.rel = "stylesheet"; el.href = src; } else { el.src = src; }
      el.onload = resolve; el.onerror = reject;
      document.head.appendChild(el);
    });
  }
  function assets() {
    if (!loading) {
      var d = script.dataset;
      loading = Promise.all([load(d.pickerCss, true), load(d.pickerJs)]).then(function () {
        return chinese ? load(d.pickerZh) : null;
      });
    }
    return loading;
  }
  // Accepts what either language shows or a user types: 2026-12-02, 2026/12/2,
  // 2026年12月2日, each optionally followed by a time (14:05).
  function parse(text) {
    var m = /(\d{4})\D+(\d{1,2})\D+(\d{1,2})(?:\D+(\d{1,2})\D(\d{1,2}))?/.exec(text || "");
    if (!m) { return undefined; }
    return new Date(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0));
  }
  function attach(input) {
    var withTime = input.dataset.picker === "datetime";
    var locale = chinese ? Object.assign({}, window.flatpickr.l10ns.zh, { firstDayOfWeek: 1 }) : { firstDayOfWeek: 1 };
    var picker = window.flatpickr(input, {
      locale: locale,
      enableTime: withTime,
      time_24hr: true,
      dateFormat: withTime ? "Y-m-d\\TH:i" : "Y-m-d",
      altInput: true,
      altInputClass: "picker-input",
      altFormat: (chinese ? "Y年n月j日" : "Y-m-d") + (withTime ? " H:i" : ""),
      allowInput: true,
      disableMobile: true,  // the native mobile picker would bring the browser's locale back
      parseDate: parse,
      minDate: (input.getAttribute("min") || "").slice(0, 10) || null,
      maxDate: (input.getAttribute("max") || "").slice(0, 10) || null,
    });
    var shown = picker.altInput;
    if (!shown) { return; }
    // The field's <label for> and its help and error texts belong to the box the user sees.
    if (input.id) { shown.id = input.id; input.removeAttribute("id"); }
    ["aria-describedby", "aria-invalid", "aria-label", "title"].forEach(function (name) {
      if (input.hasAttribute(name)) { shown.setAttribute(name, input.getAttribute(name)); }
    });
    shown.setAttribute("autocomplete", "off");
    if (window.matchMedia("(pointer: coarse)").matches) { shown.setAttribute("inputmode", "none"); }
  }
  function setup(scope) {
    var inputs = Array.prototype.filter.call(
      (scope || document).querySelectorAll("input[data-picker]"),
      function (input) { return !input._flatpickr && input.type !== "hidden"; }
    );
    if (!inputs.length || !script) { return; }
    assets().then(function () { inputs.forEach(attach); });
  }
  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setup(event.target); });
})();

// File fields (includes/form.html): show the chosen file's name in the page's language.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches(".file-pick input[type=file]")) { return; }
  var name = input.parentNode.querySelector(".file-name");
  var files = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
  name.textContent = files.length ? files.join(", ") : name.dataset.empty;
});

// My day: a row's "log contact" form opens in a <dialog> (htmx fills it); a saved
// contact (event "contact-logged") closes it; quick picks fill in the next contact date.
(function () {
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.detail.target;
    if (dialog && dialog.tagName === "DIALOG" && dialog.childElementCount && !dialog.open) {
      dialog.showModal();
      var first = dialog.querySelector("[autofocus]");
      if (first) { first.focus(); }
    }
  });
  document.addEventListener("contact-logged", function () {
    document.querySelectorAll("dialog[open]").forEach(function (dialog) { dialog.close(); });
  });
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-dialog]");
    if (close && close.closest("dialog")) {
      event.preventDefault();
      close.closest("dialog").close();
      return;
    }
    var pick = event.target.closest("[data-set-date]");
    if (pick) {
      var field = pick.closest(".field");
      var input = field && field.querySelector("input[data-picker], input[type=date]");
      if (input) {
        // With the date picker on top, the visible box follows through the picker.
        if (input._flatpickr) { input._flatpickr.setDate(pick.dataset.setDate, true); }
        else { input.value = pick.dataset.setDate; }
        input.dispatchEvent(new Event("change", { bubbles: true }));
        field.querySelectorAll("[data-set-date]").forEach(function (button) {
          button.setAttribute("aria-pressed", String(button === pick));
        });
      }
    }
  });
})();

// Behaviour the templates declare with data attributes instead of inline handlers
// (onclick=, onchange=, onsubmit=): the Content-Security-Policy runs scripts from this
// site's files only, never inline code.
(function () {
  // <button data-print>: print the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  // <select data-submit-on-change>: picking an option submits its form.
  // A filter bar's selects tell their form "filter-change" (its hx-trigger listens for it).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches) { return; }
    if (target.matches("select[data-submit-on-change]") && target.form) {
      if (target.form.requestSubmit) { target.form.requestSubmit(); } else { target.form.submit(); }
      return;
    }
    var bar = target.tagName === "SELECT" && target.closest("form.filter-bar");
    if (bar) { bar.dispatchEvent(new CustomEvent("filter-change", { bubbles: false })); }
  });
  // <form data-confirm="question">: ask before sending.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
})();
