// Live class view (and the landing code out of the address bar): reloads the mastery table, at-risk and not-started lists every 20 seconds with the
// session token in a header (never in the URL), and replaces only that part of the page.
(function () {
  'use strict';
  // The launch's one-time landing code is spent: drop it from the address bar and history.
  if (window.history && /[?&]code=/.test(window.location.search)) {
    window.history.replaceState(null, '', window.location.pathname);
  }
  var live = document.getElementById('class-live');
  if (!live || !window.fetch || !window.DOMParser) return;
  var ltik = live.getAttribute('data-ltik');
  setInterval(function () {
    if (document.hidden) return;
    fetch('/dashboard', { headers: { Authorization: 'Bearer ' + ltik, Accept: 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('class-live');
        if (!fresh) return;
        ltik = fresh.getAttribute('data-ltik') || ltik;
        live.innerHTML = fresh.innerHTML;
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }, 20000);
})();
