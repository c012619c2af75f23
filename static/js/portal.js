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

  // <button type="button" data-back>: back to the previous page (hidden when there is none).
  function backOnClick(button) {
    if (window.history.length <= 1) { button.hidden = true; return; }
    button.addEventListener("click", function () {
      window.history.back();
    });
  }

  document.querySelectorAll("select[data-autosubmit]").forEach(autosubmit);
  document.querySelectorAll("[data-back]").forEach(backOnClick);
  document.querySelectorAll("[data-print]").forEach(printOnClick);
})();

// A page answered with errors: put the cursor in the first field that needs
// correcting (the error summary at the top lists them all, with links).
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (!summary) { return; }
  var first = summary.querySelector("a[data-field]");
  var target = null;
  if (first) {
    var name = first.getAttribute("data-field");
    target = document.querySelector("[name='" + name + "']:not([type=hidden])");
  }
  if (target && target.offsetParent !== null) {
    target.focus();
  } else {
    summary.focus();
  }
})();
