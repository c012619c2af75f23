/* Poll an import's progress; reload the page with the result when it is done. */
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        if (p.total) { bar.max = p.total; }
        bar.value = p.done;
        document.getElementById("job-status").textContent = p.status_label;
        document.getElementById("job-done").textContent = p.done;
        document.getElementById("job-total").textContent = p.total;
        if (p.finished) { window.location.href = p.url; } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
