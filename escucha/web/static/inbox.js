// The inbox list: its rows are swapped in again every minute and on every server-sent
// `cases` event; the row the agent selected with j/k stays selected across the swap.
(function () {
  "use strict";
  var selected = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id !== "case-rows") { return; }
    var row = document.querySelector("#case-rows [data-row].selected");
    selected = row ? row.getAttribute("data-case") : null;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "case-rows" || selected === null) { return; }
    var again = Array.from(document.querySelectorAll("#case-rows [data-row]")).find(
      function (row) { return row.getAttribute("data-case") === selected; });
    if (again) {
      again.classList.add("selected");
      again.setAttribute("aria-selected", "true");
    }
  });
})();
