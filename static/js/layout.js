// Menus, folded panels and wide tables. Without JavaScript the menus still open and close (they
// are <details>), the folded filters simply stay open and a wide table scrolls by touch or
// mouse; this adds what a keyboard user expects of each.

// A menu closes on Escape, returning focus to its name, and when a click or focus lands
// elsewhere, so an open menu never sits over the page being read.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var menu = document.activeElement && document.activeElement.closest("details[name=site-menu][open]");
  if (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
["click", "focusin"].forEach(function (type) {
  document.addEventListener(type, function (event) {
    document.querySelectorAll("details[name=site-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
});

// A "Filters" button (hidden until this runs) folds the panel it controls on narrow screens;
// the stylesheet hides the button and shows the panel on wider ones.
document.querySelectorAll("button[data-fold]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
  });
});

// A table wider than a phone scrolls within itself (app.css); made focusable, it scrolls with
// the arrow keys too. Only tables that do overflow are added to the tab order.
function letWideTablesScrollByKeyboard() {
  document.querySelectorAll("main table, main .table-scroll").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth) {
      box.tabIndex = 0;
    } else {
      box.removeAttribute("tabindex");
    }
  });
}
letWideTablesScrollByKeyboard();
window.addEventListener("resize", letWideTablesScrollByKeyboard);
document.addEventListener("htmx:afterSettle", letWideTablesScrollByKeyboard);
