// Live sandbox gradebook: polls /sandbox/gradebook.json every second and redraws the table.
(function () {
  var root = document.getElementById('gradebook');
  if (!root) return;
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function render(gb) {
    var table = el('table');
    var head = el('tr');
    head.appendChild(el('th', 'Student', { scope: 'col' }));
    gb.columns.forEach(function (c) {
      var th = el('th', c.label + ' ', { scope: 'col', title: (c.tag || '') + ' ' + (c.resourceId || '') });
      th.appendChild(el('span', '/ ' + c.scoreMaximum, { class: 'muted' }));
      head.appendChild(th);
    });
    var thead = el('thead');
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el('tbody', null, { id: 'gradebook-rows' });
    gb.rows.forEach(function (row) {
      var tr = el('tr');
      tr.appendChild(el('th', row.name, { scope: 'row' }));
      gb.columns.forEach(function (c) {
        var td = el('td');
        var cell = row.cells[c.id];
        if (cell) {
          td.appendChild(el('strong', cell.recorded && cell.scoreGiven !== null ? cell.scoreGiven : '–'));
          td.appendChild(document.createTextNode(' '));
          td.appendChild(el('span', cell.activityProgress + ' · ' + cell.gradingProgress + ' · ' + cell.posts + ' post(s)', { class: 'muted' }));
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    root.replaceChildren(table);
    var f = document.getElementById('faults-now');
    if (f) f.textContent = JSON.stringify(gb.faults);
    var s = document.getElementById('stats-now');
    if (s) s.textContent = JSON.stringify(gb.stats);
  }
  function tick() {
    fetch('/sandbox/gradebook.json', { headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (gb) { if (gb) render(gb); })
      .catch(function () {})
      .finally(function () { setTimeout(tick, 1000); });
  }
  setTimeout(tick, 1000);
})();
