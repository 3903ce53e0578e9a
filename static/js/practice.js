// Progressive enhancement of the practice page: the launch's one-time landing code leaves the address
// bar, focus goes to the feedback after an answer (or to the question's heading) so screen readers and
// keyboards follow, "Next" shows the step the server already chose and stored with the answer (the
// <template> the page carries) without a round trip, a reload (F5) shows the current step instead of
// re-sending the answer, and "Read aloud" speaks the question with the browser's own speech synthesis.
// Without this script every button is a plain form post.
(function () {
  'use strict';
  var loadedAt = window.performance && performance.now ? performance.now() : 0;

  // The reload page (views/practice/resume.ejs): post the session this history entry kept to /practice.
  var resume = document.getElementById('resume');
  if (resume) {
    var kept = window.history && window.history.state;
    if (kept && typeof kept.ltik === 'string' && kept.ltik) {
      resume.querySelector('input[name="ltik"]').value = kept.ltik;
      resume.submit();
    } else {
      var lost = resume.querySelector('[data-resume-lost]');
      if (lost) lost.hidden = false;
      var title = resume.querySelector('h1[data-lost-title]');
      if (title) {
        title.textContent = title.getAttribute('data-lost-title');
        document.title = title.textContent;
      }
    }
    return;
  }

  var landing = /[?&](code|ltik)=/.test(window.location.search);
  // This page's history entry becomes a GET of the reload page holding the session (never in the URL), so
  // F5 neither re-sends an answer nor shows old feedback: it shows where the student is now.
  var ltikField = document.querySelector('input[name="ltik"]');
  if (window.history && window.history.replaceState) {
    if (ltikField && ltikField.value) window.history.replaceState({ ltik: ltikField.value }, '', '/practice/resume');
    else if (landing) window.history.replaceState(null, '', window.location.pathname);
  }

  function focusHeading(root) {
    var target = root.querySelector('#q-heading') || root.querySelector('[data-testid="stem"]');
    if (target) {
      if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
      target.focus();
    }
  }

  var feedback = document.querySelector('[data-testid="verdict"], [data-testid="message"]');
  var pageHeading = document.getElementById('page-heading');
  if (pageHeading && !landing) {
    // The plan, summary and mistakes pages: start at their heading.
    pageHeading.focus();
  } else if (feedback) {
    feedback.setAttribute('tabindex', '-1');
    feedback.focus();
  } else if (!landing && !document.querySelector('[autofocus]')) {
    // A new step loaded by a form post (Continue, a chosen skill, the language switch): start at its heading.
    var practiceMain = document.querySelector('.practice-main');
    if (practiceMain) focusHeading(practiceMain);
  }

  // A double click sends one answer (the server is idempotent anyway).
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form && form.id === 'answer-form') {
      var b = form.querySelector('button[type="submit"]');
      if (b) b.disabled = true;
    }
  });

  // Read aloud: only where the browser can speak; the text is the question and its choices.
  var canSpeak = 'speechSynthesis' in window && typeof window.SpeechSynthesisUtterance === 'function';
  function setupSpeak(root) {
    var buttons = root.querySelectorAll('[data-speak]');
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      if (!canSpeak || !b.getAttribute('data-speak')) continue;
      b.hidden = false;
      b.setAttribute('data-read-label', b.textContent);
    }
  }
  function resetSpeakButtons() {
    var buttons = document.querySelectorAll('[data-speak]');
    for (var i = 0; i < buttons.length; i++) {
      var label = buttons[i].getAttribute('data-read-label');
      if (label) buttons[i].textContent = label;
    }
  }
  if (canSpeak) {
    setupSpeak(document);
    document.addEventListener('click', function (e) {
      var b = e.target && e.target.closest ? e.target.closest('[data-speak]') : null;
      if (!b) return;
      var synth = window.speechSynthesis;
      if (synth.speaking || synth.pending) {
        synth.cancel();
        resetSpeakButtons();
        return;
      }
      var u = new window.SpeechSynthesisUtterance(b.getAttribute('data-speak'));
      u.lang = b.getAttribute('data-lang') || document.documentElement.lang || 'en';
      u.onend = u.onerror = resetSpeakButtons;
      b.textContent = b.getAttribute('data-stop-label') || b.textContent;
      synth.speak(u);
    });
  }

  var upcoming = document.getElementById('upcoming');
  var next = document.querySelector('form[data-next]');
  var main = document.querySelector('.practice-main');
  if (upcoming && next && main && upcoming.content) {
    next.addEventListener('submit', function (e) {
      e.preventDefault();
      if (canSpeak) window.speechSynthesis.cancel();
      main.innerHTML = '';
      main.appendChild(upcoming.content.cloneNode(true));
      upcoming.parentNode.removeChild(upcoming);
      // The question is timed from now: the server's clock when the page was made, plus the time since.
      var shown = main.querySelector('input[name="shown_at"]');
      var renderedAt = Number(upcoming.getAttribute('data-rendered-at'));
      if (shown && renderedAt && loadedAt) shown.value = String(Math.round(renderedAt + (performance.now() - loadedAt)));
      setupSpeak(main);
      // Focus on the new step's visible heading (a keyboard or screen reader user starts reading there).
      focusHeading(main);
    });
  }
})();
