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
