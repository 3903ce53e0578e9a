// The platform side of LTI platform storage for the sandbox LMS: answers lti.capabilities,
// lti.put_data and lti.get_data from the tool's iframe, keeping values per tool origin.
(function () {
  'use strict';
  var store = {};
  window.addEventListener('message', function (event) {
    var d = event.data;
    if (!d || typeof d !== 'object' || typeof d.subject !== 'string' || !event.source) return;
    var reply = function (msg) { event.source.postMessage(msg, event.origin === 'null' ? '*' : event.origin); };
    var bucket = store[event.origin] || (store[event.origin] = {});
    if (d.subject === 'lti.capabilities') {
      reply({ subject: 'lti.capabilities.response', message_id: d.message_id, supported_messages: [
        { subject: 'lti.capabilities' }, { subject: 'lti.put_data' }, { subject: 'lti.get_data' }] });
    } else if (d.subject === 'lti.put_data') {
      if (typeof d.key !== 'string' || typeof d.value !== 'string') {
        reply({ subject: 'lti.put_data.response', message_id: d.message_id, error: { code: 'bad_request', message: 'key and value must be strings' } });
        return;
      }
      bucket[d.key] = d.value;
      reply({ subject: 'lti.put_data.response', message_id: d.message_id, key: d.key, value: d.value });
    } else if (d.subject === 'lti.get_data') {
      reply({ subject: 'lti.get_data.response', message_id: d.message_id, key: d.key, value: bucket[d.key] });
    }
  });
})();
