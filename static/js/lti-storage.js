// LTI platform storage (1EdTech "Client Side postMessage" messages: lti.capabilities, lti.put_data,
// lti.get_data), so a launch works without third-party cookies. Reads its inputs from data-* attributes.
(function () {
  'use strict';
  var el = document.getElementById('lti-storage');
  if (!el) return;
  var mode = el.dataset.mode; // "login" or "launch"
  var target = el.dataset.target;
  var platformOrigin = el.dataset.origin;
  var key = el.dataset.key;

  function parentWindow() {
    if (window.parent === window) return null;
    if (target === '_parent') return window.parent;
    try { return window.parent.frames[target] || window.parent; } catch (e) { return window.parent; }
  }

  function ask(win, origin, message, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var id = 'm' + Math.random().toString(36).slice(2);
      message.message_id = id;
      var timer = setTimeout(function () { window.removeEventListener('message', onMessage); reject(new Error('timeout')); }, timeoutMs);
      function onMessage(event) {
        var d = event.data;
        if (!d || typeof d !== 'object' || d.message_id !== id) return;
        if (d.subject !== message.subject + '.response') return;
        if (message.subject !== 'lti.capabilities' && origin !== '*' && event.origin !== origin) return;
        clearTimeout(timer);
        window.removeEventListener('message', onMessage);
        if (d.error) reject(new Error(d.error.code || 'error')); else resolve(d);
      }
      window.addEventListener('message', onMessage);
      win.postMessage(message, origin);
    });
  }

  function storageFrame(caps, subject) {
    var parent = parentWindow();
    var entry = (caps.supported_messages || []).filter(function (m) { return m.subject === subject; })[0];
    if (!entry) return null;
    if (entry.frame) { try { return window.parent.frames[entry.frame] || parent; } catch (e) { return parent; } }
    return parent;
  }

  function capabilities() {
    var parent = parentWindow();
    if (!parent) return Promise.reject(new Error('not framed'));
    return ask(parent, '*', { subject: 'lti.capabilities' }, 1500);
  }

  function show(id) {
    var n = document.getElementById(id);
    if (n) n.hidden = false;
  }

  if (mode === 'login') {
    var authUrl = el.dataset.auth;
    var value = el.dataset.value;
    capabilities()
      .then(function (caps) {
        var frame = storageFrame(caps, 'lti.put_data');
        if (!frame) return null;
        return ask(frame, platformOrigin, { subject: 'lti.put_data', key: key, value: value }, 2000);
      })
      .catch(function () { return null; }) // No platform storage: the cookie set with this page is the fallback.
      .then(function () { window.location.replace(authUrl); });
  } else if (mode === 'launch') {
    var form = document.getElementById('launch-form');
    capabilities()
      .then(function (caps) {
        var frame = storageFrame(caps, 'lti.get_data');
        if (!frame) throw new Error('no get_data');
        return ask(frame, platformOrigin, { subject: 'lti.get_data', key: key }, 2000);
      })
      .then(function (d) {
        if (typeof d.value !== 'string') throw new Error('no value');
        form.elements.lti_storage_secret.value = d.value;
        form.submit();
      })
      .catch(function () { show('storage-failed'); });
  }
})();
