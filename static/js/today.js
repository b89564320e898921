// vpt Today view (CSP: script-src 'self'). A refused confirmation answers 403 with the
// client's card and the reason in it: let htmx swap that card instead of dropping it.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (e.detail.xhr.status === 403 && target && target.id && target.id.indexOf("client-") === 0) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
})();
