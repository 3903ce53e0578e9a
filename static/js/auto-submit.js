// Submits the page's form at once (OIDC form_post response of the sandbox LMS).
(function () { var f = document.getElementById('form-post'); if (f) f.submit(); })();
