// "Tick every student on this page": a checkbox heading the tiered list's choice column, shown
// only when this runs. Without JavaScript each student is ticked on their own, and the "all
// students matching these filters" button chooses every student the filters select.
function wireSelectAll() {
  document.querySelectorAll("input[data-select-all]:not([data-wired])").forEach(function (all) {
    var form = all.getAttribute("form");
    var boxes = function () {
      return document.querySelectorAll('input[name="student"][form="' + form + '"]');
    };
    all.dataset.wired = "true";
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
  });
}
wireSelectAll();
// The list is swapped in by htmx when its filters change: the new heading needs wiring too.
document.addEventListener("htmx:afterSettle", wireSelectAll);
