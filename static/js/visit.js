/* The visit page, enhanced: search as you type, keyboard shortcuts, one submit.
   Without this file the page works as plain forms (Find, then Save). */
(function () {
  "use strict";
  var form = document.getElementById("visit-form") || document.querySelector("form[data-veteran-search]");
  var q = document.getElementById("q");
  var list = document.getElementById("candidates");
  var fresh = document.getElementById("new-veteran");
  var newRadio = document.getElementById("veteran-new");
  if (!form || !q || !list) { return; }
  var timer = null;
  var inflight = null;

  function toggleNew() {
    var on = newRadio && newRadio.checked;
    if (fresh) { fresh.hidden = !on; }
    if (on) {
      var name = document.getElementById("id_new-name");
      if (name && !name.value && q.value && !/\d/.test(q.value)) { name.value = q.value.trim(); }
    }
  }

  function render(results) {
    list.textContent = "";
    if (!results.length) {
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = list.getAttribute("data-none") || "—";
      list.appendChild(p);
      return;
    }
    results.forEach(function (v, i) {
      var label = document.createElement("label");
      label.className = "candidate";
      var input = document.createElement("input");
      input.type = "radio"; input.name = "veteran"; input.value = String(v.id);
      if (i === 0 && results.length === 1) { input.checked = true; }
      var strong = document.createElement("strong");
      strong.textContent = v.name;
      var mono = document.createElement("span");
      mono.className = "mono";
      mono.textContent = v.id_number;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(strong);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(mono);
      var details = form.hasAttribute("data-veteran-search") ? [v.region]
        : [v.sex, v.born, v.region, v.phone];
      label.appendChild(document.createTextNode(
        " · " + details.filter(function (d) { return d; }).join(" · ")));
      list.appendChild(label);
    });
    toggleNew();
  }

  function search() {
    var text = q.value.trim();
    if (!text) { list.textContent = ""; return; }
    if (inflight) { inflight.abort(); }
    inflight = window.AbortController ? new AbortController() : null;
    var url = q.getAttribute("data-search-url") + "?q=" + encodeURIComponent(text);
    fetch(url, { credentials: "same-origin", signal: inflight ? inflight.signal : undefined,
                 headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) { render(data.results || []); })
      .catch(function () { /* aborted or offline: the Find button still works */ });
  }

  // The search box belongs to the Find form; the saving form carries a copy, so an
  // answer with errors shows the same search again.
  var mirror = form.querySelector("input[data-mirror=q]");
  q.addEventListener("input", function () {
    if (mirror) { mirror.value = q.value; }
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  q.addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === "ArrowDown") {
      e.preventDefault();
      clearTimeout(timer);
      var first = list.querySelector("input[type=radio]");
      if (first) { first.checked = true; first.focus(); toggleNew(); }
      else if (e.key === "Enter") { search(); }
    }
  });
  form.addEventListener("change", function (e) {
    if (e.target && e.target.name === "veteran") { toggleNew(); }
  });
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
  });
  form.addEventListener("submit", function () {
    var save = document.getElementById("save");
    // The idempotency key already makes a second submission harmless; this saves the round trip.
    if (save) { setTimeout(function () { save.disabled = true; }, 0); }
  });
  list.setAttribute("data-none", list.getAttribute("data-none") || "");
  toggleNew();
})();
