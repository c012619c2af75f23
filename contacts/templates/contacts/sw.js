/* The portal's service worker (scope "/"): the visit form and the station's work-list
   open without a connection, and visits saved offline are sent by Background Sync. */
"use strict";
importScripts("{{ outbox_url|escapejs }}");

var CACHE = self.FqOutbox.CACHE_PREFIX + "{{ version }}";
var PAGES = {{ pages_json|safe }};
var ASSETS = {{ assets_json|safe }};

function keep(cache, url, response) {
  // Only a page as the signed-in user sees it: never a redirect to the login page.
  if (response && response.ok && !response.redirected && response.type === "basic") {
    return cache.put(url, response.clone());
  }
  return Promise.resolve();
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(ASSETS.concat(PAGES).map(function (url) {
      return fetch(url, { credentials: "same-origin" })
        .then(function (response) { return keep(cache, url, response); })
        .catch(function () { /* offline while installing: cached on the next visit */ });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(self.FqOutbox.CACHE_PREFIX) === 0 && name !== CACHE;
    }).map(function (name) { return caches["delete"](name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && PAGES.indexOf(url.pathname) !== -1) {
    // Network first; the page as last seen when there is no connection. The copy kept is
    // the page without filters or a chosen veteran (the script fills those in offline).
    event.respondWith(fetch(request).then(function (response) {
      if (!url.search) {
        caches.open(CACHE).then(function (cache) { return keep(cache, url.pathname, response); });
      }
      return response;
    }, function () {
      return caches.match(url.pathname).then(function (cached) {
        return cached || Response.error();
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname).then(function (cached) {
      return cached || fetch(request);
    }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === self.FqOutbox.SYNC_TAG) {
    event.waitUntil(self.FqOutbox.flush().then(function () {
      return self.clients.matchAll().then(function (clients) {
        clients.forEach(function (client) { client.postMessage({ outbox: "flushed" }); });
      });
    }));
  }
});
