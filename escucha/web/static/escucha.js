// escucha's web inbox: keyboard shortcuts. j/k move through a list, Enter or o opens the
// selected row, r reply, a assign, e resolve, ? lists them. Never while typing in a field.
(function () {
  "use strict";
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }
  function rows() { return Array.from(document.querySelectorAll("[data-row]")); }
  function move(step) {
    var all = rows();
    if (all.length === 0) { return; }
    var at = all.findIndex(function (row) { return row.classList.contains("selected"); });
    var next = all[Math.min(all.length - 1, Math.max(0, at < 0 ? 0 : at + step))];
    all.forEach(function (row) {
      row.classList.remove("selected");
      row.removeAttribute("aria-selected");
    });
    next.classList.add("selected");
    next.setAttribute("aria-selected", "true");
    var link = next.querySelector("a");
    (link || next).focus();
  }
  function open() {
    var row = document.querySelector("[data-row].selected");
    var link = row && row.querySelector("a");
    if (link) { link.click(); }
  }
  function focus(selector) {
    var field = document.querySelector(selector);
    if (field) { field.focus(); return true; }
    return false;
  }
  var keys = {
    j: function () { move(1); },
    k: function () { move(-1); },
    o: open,
    Enter: function () { if (document.querySelector("[data-row].selected")) { open(); } },
    r: function () { focus("[data-shortcut=reply]"); },
    a: function () { focus("[data-shortcut=assign]"); },
    e: function () {
      var button = document.querySelector("[data-shortcut=resolve]");
      if (button) { button.click(); }
    },
    "?": function () {
      var help = document.getElementById("shortcuts");
      if (help) { help.hidden = !help.hidden; }
    }
  };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var action = keys[event.key];
    if (action) { event.preventDefault(); action(); }
  });
})();
