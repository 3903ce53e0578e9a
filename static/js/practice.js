// Progressive enhancement of the practice page: the session token leaves the address bar after
// landing, and focus goes to the feedback after an answer so screen readers and keyboards follow.
(function () {
  'use strict';
  if (window.history && window.location.search.indexOf('ltik=') !== -1) {
    window.history.replaceState(null, '', window.location.pathname);
  }
  var feedback = document.querySelector('[data-testid="verdict"], [data-testid="message"]');
  if (feedback) {
    feedback.setAttribute('tabindex', '-1');
    feedback.focus();
  }
  var form = document.getElementById('answer-form');
  if (form) {
    form.addEventListener('submit', function () {
      var b = form.querySelector('button[type="submit"]');
      if (b) b.disabled = true; // a double click sends one answer (the server is idempotent anyway)
    });
  }
})();
