/* Django 4.2's change lists leave their selection boxes without a name (Django 5 names them): a
   screen reader says "checkbox" and nothing else. Name each after its row's first cell, and the
   "select all" box after the selection counter. Boxes that already have a name are left alone. */
(function () {
  "use strict";
  var uid = 0;
  function named(target) {
    if (!target.id) { uid += 1; target.id = "cursus-label-" + uid; }
    return target.id;
  }
  function label() {
    document.querySelectorAll("#result_list input.action-select:not([aria-label]):not([aria-labelledby])").forEach(function (box) {
      var row = box.closest("tr");
      var cell = row && row.querySelector("th, td:not(.action-checkbox)");
      if (cell) { box.setAttribute("aria-labelledby", named(cell)); }
    });
    var all = document.getElementById("action-toggle");
    var counter = document.querySelector(".actions .action-counter");
    if (all && counter && !all.hasAttribute("aria-label") && !all.hasAttribute("aria-labelledby")) {
      all.setAttribute("aria-labelledby", named(counter));
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", label); } else { label(); }
})();
