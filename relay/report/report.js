// The agent report page: reads /v1/agent/reports/* with the agent's API key and draws them.
// The key lives in sessionStorage only (gone when the tab closes), is sent only to this relay
// (same origin; the page's Content-Security-Policy allows no other host), and every value from
// the reports is put into the page as text, never as HTML.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const KEY = 'lantern.agentKey';
  const charts = {};
  const palette = ['#2f6fde', '#e0612f', '#2a9d66', '#a35bd1', '#c9a227', '#d1496b', '#3aa6b9', '#6b7a8f'];

  function setStatus(text, isError) {
    $('status').textContent = text;
    $('status').className = isError ? 'error' : '';
  }

  async function report(name) {
    const q = new URLSearchParams();
    for (const id of ['from', 'to', 'lang']) {
      if ($(id).value && !(name === 'deflection' && id === 'lang')) q.set(id, $(id).value);
    }
    const res = await fetch('/v1/agent/reports/' + name + (q.toString() ? '?' + q : ''), {
      headers: { Authorization: 'Bearer ' + sessionStorage.getItem(KEY) }, cache: 'no-store', credentials: 'omit',
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const msg = body && body.error ? body.error.message : 'HTTP ' + res.status;
      const err = new Error(name + ': ' + msg);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  function fill(tableId, rows, cells) {
    const tbody = $(tableId).tBodies[0];
    tbody.replaceChildren();
    if (!rows.length) {
      const tr = tbody.insertRow();
      const td = tr.insertCell();
      td.colSpan = $(tableId).tHead.rows[0].cells.length;
      td.className = 'empty';
      td.textContent = 'nothing in this range';
      return;
    }
    for (const row of rows) {
      const tr = tbody.insertRow();
      for (const c of cells(row)) {
        const td = tr.insertCell();
        td.textContent = c === null || c === undefined ? '—' : String(c);
        if (typeof c === 'number') td.className = 'num';
      }
    }
  }

  const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10 + ' %');
  function dur(s) {
    if (s === null || s === undefined) return null;
    if (s < 90) return Math.round(s) + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    if (s < 172800) return Math.round(s / 360) / 10 + ' h';
    return Math.round(s / 8640) / 10 + ' d';
  }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[id] = new Chart($(id), config);
  }

  async function load() {
    setStatus('Loading…');
    const errors = [];
    const run = async (name, show) => {
      try {
        show(await report(name));
      } catch (e) {
        errors.push(e);
      }
    };
    await Promise.all([
      run('ticket-volume', (r) => {
        // Stacked bars, one per day: readable with one day or ninety.
        draw('chart-volume', {
          type: 'bar',
          data: {
            labels: r.days,
            datasets: r.categories.map((c, i) => ({ label: c.category || '(none)', data: c.counts,
                                                    backgroundColor: palette[i % palette.length] })),
          },
          options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
        });
      }),
      run('deflection', (r) => {
        draw('chart-deflection', {
          type: 'bar',
          data: { labels: r.categories.map((c) => c.category),
                  datasets: [{ label: 'Deflection rate (%)', data: r.categories.map((c) => Math.round(c.deflection_rate * 1000) / 10),
                               backgroundColor: palette[2] }] },
          options: { scales: { y: { beginAtZero: true, max: 100 } } },
        });
        fill('t-deflection', r.categories, (c) => [c.category, c.flows, c.article_opened, c.tickets_filed, c.deflected, pct(c.deflection_rate)]);
      }),
      run('queries', (r) => {
        fill('t-zero', r.zero_result, (q) => [q.query, q.lang, q.zero_results, q.searches]);
        fill('t-lowclick', r.low_click, (q) => [q.query, q.lang, q.with_results, q.opened, pct(q.click_rate)]);
      }),
      run('articles', (r) => {
        fill('t-articles', r.articles, (a) => [a.article_id, a.helpful, a.not_helpful, a.votes, pct(a.helpful_ratio)]);
      }),
      run('response-times', (r) => {
        const rows = [{ category: 'all', first_reply: r.first_reply, resolution: r.resolution }].concat(r.categories);
        fill('t-times', rows, (c) => [c.category || '(none)', dur(c.first_reply.median_s), dur(c.first_reply.p90_s),
                                      dur(c.resolution.median_s), dur(c.resolution.p90_s)]);
      }),
      run('sentiment', (r) => {
        draw('chart-sentiment', {
          type: 'bar',
          data: { labels: r.categories.map((c) => c.category),
                  datasets: [{ label: 'Negative tickets (%)', data: r.categories.map((c) => Math.round(c.negative_share * 1000) / 10),
                               backgroundColor: palette[5] }] },
          options: { scales: { y: { beginAtZero: true, max: 100 } } },
        });
        fill('t-negative', r.categories, (c) => [c.category, c.tickets, c.negative, pct(c.negative_share), c.mean_urgency]);
        fill('t-waiting', r.waiting, (t) => [t.id, t.category, t.label, t.urgency, dur(t.waiting_s)]);
      }),
    ]);
    if (errors.some((e) => e.status === 401)) {
      sessionStorage.removeItem(KEY);
      setStatus('The API key was refused: paste a valid agent key.', true);
    } else if (errors.length) {
      setStatus(errors.map((e) => e.message).join('; '), true);
    } else {
      setStatus('Loaded ' + new Date().toLocaleString() + '.');
    }
  }

  $('controls').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if ($('key').value) sessionStorage.setItem(KEY, $('key').value);
    $('key').value = '';
    $('key').required = false;
    if (!sessionStorage.getItem(KEY)) return setStatus('Paste an agent API key first.', true);
    load();
  });
  $('forget').addEventListener('click', () => {
    sessionStorage.removeItem(KEY);
    setStatus('The key is forgotten.');
  });
  if (sessionStorage.getItem(KEY)) {
    $('key').required = false;
    load();
  }
})();
