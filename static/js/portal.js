// Small behaviours for the portal's pages. No inline scripts: the content
// security policy only runs script files served from this site, so templates
// ask for a behaviour with a data attribute instead of an on...="" handler.
(function () {
  "use strict";

  // <select data-autosubmit>: submit the form as soon as a value is chosen
  // (without JavaScript, a <noscript> button submits it).
  function autosubmit(select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }

  // <button type="button" data-print>: print the page.
  function printOnClick(button) {
    button.addEventListener("click", function () {
      window.print();
    });
  }

  document.querySelectorAll("select[data-autosubmit]").forEach(autosubmit);
  document.querySelectorAll("[data-print]").forEach(printOnClick);
})();
