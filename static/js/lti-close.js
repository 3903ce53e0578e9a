// Tells the LMS the dynamic registration is finished (LTI Dynamic Registration 1.0 §3.6).
(function () {
  var target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) target.postMessage({ subject: 'org.imsglobal.lti.close' }, '*');
})();
