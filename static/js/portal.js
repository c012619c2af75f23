// Small behaviours for the portal's pages. No inline scripts: the content
// security policy only runs script files served from this site.
(function () {
  "use strict";
  // The language menu switches as soon as a language is chosen
  // (without JavaScript, the <noscript> button submits the form).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
