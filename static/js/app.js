// vpt: tiny progressive enhancements (CSP: script-src 'self'; no inline scripts).
// Close open <details class="dropdown"> menus on outside click or Escape.
(function () {
  "use strict";
  function closeAll(except) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (e) {
    closeAll(e.target.closest ? e.target.closest("details.dropdown") : null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var open = document.querySelector("details.dropdown[open]");
    if (open) {
      open.removeAttribute("open");
      var s = open.querySelector("summary");
      if (s) s.focus();
    }
  });
})();
