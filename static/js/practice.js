// Progressive enhancement of the practice page: the launch's one-time landing code leaves the address
// bar, focus goes to the feedback after an answer so screen readers and keyboards follow, and
// "Next" shows the step the server already chose and stored with the answer (the <template> the page
// carries), without a round trip. Without this script every button is a plain form post.
(function () {
  'use strict';
  var loadedAt = window.performance && performance.now ? performance.now() : 0;
  if (window.history && /[?&](code|ltik)=/.test(window.location.search)) {
    window.history.replaceState(null, '', window.location.pathname);
  }
  var feedback = document.querySelector('[data-testid="verdict"], [data-testid="message"]');
  if (feedback) {
    feedback.setAttribute('tabindex', '-1');
    feedback.focus();
  }

  // A double click sends one answer (the server is idempotent anyway).
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form && form.id === 'answer-form') {
      var b = form.querySelector('button[type="submit"]');
      if (b) b.disabled = true;
    }
  });

  var upcoming = document.getElementById('upcoming');
  var next = document.querySelector('form[data-next]');
  var main = document.querySelector('.practice-main');
  if (upcoming && next && main && upcoming.content) {
    next.addEventListener('submit', function (e) {
      e.preventDefault();
      main.innerHTML = '';
      main.appendChild(upcoming.content.cloneNode(true));
      upcoming.parentNode.removeChild(upcoming);
      // The question is timed from now: the server's clock when the page was made, plus the time since.
      var shown = main.querySelector('input[name="shown_at"]');
      var renderedAt = Number(upcoming.getAttribute('data-rendered-at'));
      if (shown && renderedAt && loadedAt) shown.value = String(Math.round(renderedAt + (performance.now() - loadedAt)));
      var target = main.querySelector('#q-heading') || main.querySelector('[data-testid="stem"]');
      if (target) {
        target.setAttribute('tabindex', '-1');
        target.focus();
      }
      var autofocus = main.querySelector('[autofocus]');
      if (autofocus) autofocus.focus();
    });
  }
})();
