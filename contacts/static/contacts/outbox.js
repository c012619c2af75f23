/* The offline outbox: visits logged without a connection, kept in IndexedDB until sent.
   Loaded by the pages (offline.js) and by the service worker (sw.js), so that both send
   the same way. Each record carries the Idempotency-Key made on the device when the visit
   was saved: sending it twice, from two tabs or from a tab and the service worker, stores
   the visit once. */
(function (root) {
  "use strict";
  var DB = "fq-offline";
  var VISITS = "visits";
  var WORKLIST = "worklist";

  function open() {
    return new Promise(function (resolve, reject) {
      var request = root.indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(VISITS)) { db.createObjectStore(VISITS, { keyPath: "key" }); }
        if (!db.objectStoreNames.contains(WORKLIST)) { db.createObjectStore(WORKLIST, { keyPath: "id" }); }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var request = work(tx.objectStore(store));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all(store) { return run(store, "readonly", function (s) { return s.getAll(); }); }
  function put(store, value) { return run(store, "readwrite", function (s) { return s.put(value); }); }
  function remove(store, key) { return run(store, "readwrite", function (s) { return s["delete"](key); }); }

  function messages(data) {
    if (!data || typeof data !== "object") { return ""; }
    var out = [];
    Object.keys(data).forEach(function (field) {
      var value = data[field];
      out.push(Array.isArray(value) ? value.join(" ") : String(value));
    });
    return out.join("; ");
  }

  /* Send one record. Sent (201, or 200 for a key already used): removed. Refused (400,
     404, 422: the veteran moved out of the area, a bad time): kept as a conflict for the
     user to read. Anything else (offline, 5xx, a session to renew): kept, tried later. */
  function send(record, csrf) {
    return root.fetch("/api/v1/visits/", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Idempotency-Key": record.key,
        "X-CSRFToken": csrf || record.csrf
      },
      body: JSON.stringify(record.body)
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return remove(VISITS, record.key).then(function () { return "sent"; });
      }
      if (response.status === 400 || response.status === 404 || response.status === 422) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          record.state = "conflict";
          record.error = messages(data) || String(response.status);
          return put(VISITS, record).then(function () { return "conflict"; });
        });
      }
      record.error = String(response.status);
      return put(VISITS, record).then(function () { return "later"; });
    }, function () { return "offline"; });
  }

  var flushing = null;

  /* Send every waiting record, one after the other; one flush at a time per page. */
  function flush(csrf) {
    if (flushing) { return flushing; }
    flushing = all(VISITS).then(function (records) {
      var waiting = records.filter(function (r) { return r.state !== "conflict"; });
      return waiting.reduce(function (chain, record) {
        return chain.then(function (results) {
          return send(record, csrf).then(function (result) { results.push(result); return results; });
        });
      }, Promise.resolve([]));
    }).then(function (results) { flushing = null; return results; },
            function (error) { flushing = null; throw error; });
    return flushing;
  }

  function clear() {
    return new Promise(function (resolve) {
      var request = root.indexedDB.deleteDatabase(DB);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  root.FqOutbox = {
    VISITS: VISITS, WORKLIST: WORKLIST, all: all, put: put, remove: remove,
    send: send, flush: flush, clear: clear, SYNC_TAG: "visits-outbox", CACHE_PREFIX: "fq-offline-"
  };
})(self);
