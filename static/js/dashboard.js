// Instructor pages: the launch's landing code out of the address bar, and live updates of the class view without
// reloading. Every 10 seconds (while the tab is visible) it asks GET /dashboard/live for the changing part of the
// page with the current filter, the session token in a header (never in the URL) and the last ETag; an unchanged
// class answers 304 and nothing is touched. Keyboard focus inside the replaced part is kept on the same control.
(function () {
  'use strict';
  // The launch's one-time landing code is spent: drop it from the address bar and history.
  if (window.history && /[?&]code=/.test(window.location.search)) {
    window.history.replaceState(null, '', window.location.pathname);
  }
  var live = document.getElementById('class-live');
  if (!live || !window.fetch) return;
  var ltik = live.getAttribute('data-ltik');
  var query = live.getAttribute('data-query') || '';
  var etag = null;
  var busy = false;

  function focusKey(el) {
    if (!el || !live.contains(el)) return null;
    var row = el.closest('tr[data-user]');
    return { testid: el.getAttribute('data-testid'), user: row ? row.getAttribute('data-user') : null, text: el.textContent };
  }
  function refocus(key) {
    if (!key || !key.testid) return;
    var sel = '[data-testid="' + key.testid + '"]';
    var candidates = live.querySelectorAll(sel);
    for (var i = 0; i < candidates.length; i++) {
      var row = candidates[i].closest('tr[data-user]');
      if ((key.user && row && row.getAttribute('data-user') === key.user) || (!key.user && candidates[i].textContent === key.text)) {
        candidates[i].focus();
        return;
      }
    }
  }

  function poll() {
    if (document.hidden || busy) return;
    busy = true;
    var headers = { Authorization: 'Bearer ' + ltik, Accept: 'text/html' };
    if (etag) headers['If-None-Match'] = etag;
    fetch('/dashboard/live' + (query ? '?' + query : ''), { headers: headers, cache: 'no-cache' })
      .then(function (r) {
        if (r.status === 304 || !r.ok) return null;
        etag = r.headers.get('ETag');
        return r.text();
      })
      .then(function (html) {
        if (html === null || html === undefined) return;
        var scrollBox = live.querySelector('.table-wrap');
        var scroll = scrollBox ? { x: scrollBox.scrollLeft, y: scrollBox.scrollTop } : null;
        var key = focusKey(document.activeElement);
        live.innerHTML = html;
        var box = live.querySelector('.table-wrap');
        if (box && scroll) { box.scrollLeft = scroll.x; box.scrollTop = scroll.y; }
        refocus(key);
      })
      .catch(function () { /* offline for a moment: try again next time */ })
      .then(function () { busy = false; });
  }
  setInterval(poll, 10000);
  document.addEventListener('visibilitychange', function () { if (!document.hidden) poll(); });
})();
