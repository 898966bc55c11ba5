// On wide screens the menu is always open; on phones it folds behind "Menu".
(function () {
  function syncMenu() {
    var menu = document.querySelector(".nav-toggle");
    if (menu) { menu.open = window.matchMedia("(min-width: 768px)").matches; }
  }
  document.addEventListener("DOMContentLoaded", syncMenu);
  window.addEventListener("resize", syncMenu);
})();
