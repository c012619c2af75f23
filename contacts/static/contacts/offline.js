/* Offline logging on the phone (loaded on every page of a signed-in user).

   - registers the service worker (/sw.js), which keeps the visit form and the work-list;
   - on the visit form, a visit saved without a connection goes to the outbox (IndexedDB)
     with an Idempotency-Key made here (crypto.randomUUID) and the time it happened;
   - the outbox is shown as "waiting to send" and sent when the connection returns
     (Background Sync where the browser has it, else the "online" event, the next page
     load, or the "send now" button); a refusal (the veteran moved out of the area) stays
     on the list as a conflict until the user dismisses it;
   - the work-list's rows (names and masked numbers only) are kept for the form offline;
   - logging out deletes the outbox and the cached pages. */
(function () {
  "use strict";
  var outbox = window.FqOutbox;
  var box = document.querySelector("[data-offline-outbox]");
  var form = document.getElementById("visit-form");

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function text(name, fallback) {
    return (box && box.getAttribute("data-" + name)) || fallback;
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  /* --- the outbox on the page ------------------------------------------------------ */

  function render() {
    if (!box || !outbox) { return Promise.resolve(); }
    return outbox.all(outbox.VISITS).then(function (records) {
      box.textContent = "";
      box.hidden = !records.length;
      document.querySelectorAll(".contact-row .pending").forEach(function (n) { n.remove(); });
      if (!records.length) { return; }
      box.appendChild(el("h2", "", text("title", "Waiting to send")));
      var list = el("ul", "outbox-list");
      records.sort(function (a, b) { return a.created < b.created ? -1 : 1; });
      records.forEach(function (record) {
        var conflict = record.state === "conflict";
        var item = el("li", conflict ? "outbox-item conflict" : "outbox-item");
        item.setAttribute("data-key", record.key);
        item.appendChild(el("strong", "", record.name || ("#" + record.body.veteran)));
        item.appendChild(document.createTextNode(" " + record.label + " · " +
          new Date(record.body.visited_at).toLocaleString() + " "));
        item.appendChild(el("span", conflict ? "tag short" : "tag waiting",
          conflict ? text("conflict", "Not accepted") : text("waiting", "Waiting to send")));
        if (conflict) {
          item.appendChild(el("div", "error", record.error));
          var dismiss = el("button", "link", text("dismiss", "Dismiss"));
          dismiss.type = "button";
          dismiss.addEventListener("click", function () {
            outbox.remove(outbox.VISITS, record.key).then(render);
          });
          item.appendChild(dismiss);
        }
        list.appendChild(item);
        var row = document.querySelector(".contact-row[data-veteran='" + record.body.veteran + "'] .contact-who");
        if (row && !conflict) { row.appendChild(el("span", "tag waiting pending", text("waiting", "Waiting to send"))); }
      });
      box.appendChild(list);
      var send = el("button", "primary", text("send", "Send now"));
      send.type = "button";
      send.id = "outbox-send";
      send.addEventListener("click", flush);
      box.appendChild(send);
    });
  }

  function flush() {
    if (!outbox) { return Promise.resolve(); }
    return outbox.flush(csrfToken()).then(function (results) {
      return render().then(function () {
        if (results && results.indexOf("sent") !== -1 && box) {
          box.setAttribute("data-sent", String(Number(box.getAttribute("data-sent") || 0) +
            results.filter(function (r) { return r === "sent"; }).length));
        }
      });
    });
  }

  /* --- the visit form offline -------------------------------------------------------- */

  function checked(name) {
    var input = form.querySelector("input[name=" + name + "]:checked");
    return input ? input.value : "";
  }

  function field(name) {
    var input = form.querySelector("[name=" + name + "]");
    return input ? input.value : "";
  }

  function chooseFromLink() {
    // The cached form is the plain page: the veteran and channel a link names are put in
    // here, from the work-list kept on the device.
    var params = new URLSearchParams(window.location.search);
    var channel = params.get("channel");
    if (channel) {
      var radio = form.querySelector("input[name=channel][value='" + channel + "']");
      if (radio) { radio.checked = true; }
    }
    var id = params.get("veteran");
    if (!id || !/^\d+$/.test(id)) { return Promise.resolve(); }
    if (form.querySelector("input[name=veteran][value='" + id + "']")) { return Promise.resolve(); }
    return outbox.all(outbox.WORKLIST).then(function (rows) {
      var row = rows.filter(function (r) { return String(r.id) === id; })[0];
      var list = document.getElementById("candidates");
      if (!row || !list) { return; }
      list.textContent = "";
      var label = el("label", "candidate");
      var input = document.createElement("input");
      input.type = "radio"; input.name = "veteran"; input.value = id; input.checked = true;
      input.setAttribute("data-name", row.name);
      label.appendChild(input);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(el("strong", "", row.name));
      label.appendChild(document.createTextNode(" "));
      label.appendChild(el("span", "mono", row.masked));
      label.appendChild(document.createTextNode(" · " + row.village));
      list.appendChild(label);
    });
  }

  function veteranName(id) {
    var input = form.querySelector("input[name=veteran][value='" + id + "']");
    if (!input) { return ""; }
    if (input.getAttribute("data-name")) { return input.getAttribute("data-name"); }
    var strong = input.parentNode.querySelector("strong");
    return strong ? strong.textContent : "";
  }

  function queue(event) {
    if (navigator.onLine) { return; }  // online, the form posts as always
    event.preventDefault();
    event.stopImmediatePropagation();
    var veteran = checked("veteran");
    var notice = document.getElementById("offline-notice");
    if (!/^\d+$/.test(veteran)) {
      if (notice) { notice.hidden = false; notice.textContent = text("choose", "Choose a registered veteran."); }
      return;
    }
    var channel = checked("channel");
    var purpose = form.querySelector("[name=purpose]");
    var channelLabel = form.querySelector("input[name=channel]:checked");
    var record = {
      key: window.crypto.randomUUID(),
      csrf: csrfToken(),
      name: veteranName(veteran),
      label: (channelLabel ? channelLabel.parentNode.textContent.trim() : channel) + " · " +
        (purpose && purpose.selectedIndex >= 0 ? purpose.options[purpose.selectedIndex].text : ""),
      created: new Date().toISOString(),
      state: "waiting",
      body: {
        veteran: Number(veteran), centre: form.getAttribute("data-centre"), channel: channel,
        purpose: field("purpose"), summary: field("summary"), outcome: field("outcome") || "answered",
        visited_at: new Date().toISOString()
      }
    };
    outbox.put(outbox.VISITS, record).then(function () {
      if (notice) { notice.hidden = false; notice.textContent = text("queued", "Saved on this phone; it will be sent when the connection returns."); }
      var summary = form.querySelector("[name=summary]");
      if (summary) { summary.value = ""; }
      var save = document.getElementById("save");
      if (save) { save.disabled = false; }
      return render();
    }).then(function () {
      if (navigator.serviceWorker && window.SyncManager) {
        navigator.serviceWorker.ready.then(function (reg) {
          return reg.sync.register(outbox.SYNC_TAG);
        }).catch(function () { /* no Background Sync: the "online" event sends */ });
      }
    });
  }

  /* --- the work-list kept on the device ---------------------------------------------- */

  function keepWorklist() {
    var rows = document.querySelectorAll(".contact-row[data-veteran]");
    if (!rows.length || !outbox || !navigator.onLine) { return; }
    rows.forEach(function (row) {
      outbox.put(outbox.WORKLIST, {
        id: Number(row.getAttribute("data-veteran")), name: row.getAttribute("data-name"),
        masked: row.getAttribute("data-masked"), village: row.getAttribute("data-village")
      });
    });
  }

  /* --- logging out clears the device ------------------------------------------------- */

  function clearDevice() {
    var jobs = [outbox ? outbox.clear() : Promise.resolve()];
    if (window.caches) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf("fq-offline-") === 0; })
          .map(function (n) { return caches["delete"](n); }));
      }));
    }
    return Promise.all(jobs);
  }

  document.querySelectorAll("form[action$='/accounts/logout/']").forEach(function (logout) {
    logout.addEventListener("submit", function (event) {
      if (logout.getAttribute("data-cleared")) { return; }
      event.preventDefault();
      var done = function () { logout.setAttribute("data-cleared", "1"); logout.submit(); };
      clearDevice().then(done, done);
      setTimeout(done, 2000);
    });
  });

  /* --- start ------------------------------------------------------------------------- */

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.outbox === "flushed") { render(); }
    });
  }
  if (!outbox) { return; }
  if (form) {
    form.addEventListener("submit", queue, true);
    chooseFromLink();
  }
  keepWorklist();
  window.addEventListener("online", flush);
  render().then(function () { if (navigator.onLine) { flush(); } });
  // A send that failed on a weak connection is tried again while the page stays open.
  setInterval(function () {
    if (navigator.onLine && box && !box.hidden) { flush(); }
  }, 30000);
})();
