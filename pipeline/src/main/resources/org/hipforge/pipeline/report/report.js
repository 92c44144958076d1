/* hipforge report: draws report-data with ECharts. Every text from the data goes into the page
   through textContent (never innerHTML): sources, instructions and answers are untrusted text. */
(function () {
  'use strict';
  var body = document.body;
  var errors = 0;
  function noteError() { errors++; body.setAttribute('data-errors', String(errors)); }
  window.addEventListener('error', noteError);
  var consoleError = console.error;
  console.error = function () { noteError(); return consoleError.apply(console, arguments); };

  var data = JSON.parse(document.getElementById('report-data').textContent);
  var main = document.getElementById('report');
  var planned = 0, rendered = 0;
  var COLORS = { 'passed': '#2da44e', 'compiled': '#2da44e', 'passed (not compiled)': '#54aeff',
    'failed': '#cf222e', 'never tried': '#8c959f', 'stale': '#d4a72c', 'not ready': '#d0d7de' };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function section(title, note, wide) {
    var s = el('section', wide ? 'wide' : null);
    s.appendChild(el('h2', null, title));
    if (note) { s.appendChild(el('p', 'note', note)); }
    main.appendChild(s);
    return s;
  }
  function empty(parent, text) { parent.appendChild(el('div', 'empty', text)); }
  function num(n) { return (n === null || n === undefined) ? '' : Number(n).toLocaleString('en-US'); }
  function chart(parent, option, height) {
    var div = el('div', 'chart');
    if (height) { div.style.height = height + 'px'; }
    parent.appendChild(div);
    planned++;
    body.setAttribute('data-charts', String(planned));
    var c = echarts.init(div, null, { renderer: 'canvas' });
    option.animation = false;
    // Tooltips drawn on the canvas, not as HTML: category and series names come from state files.
    if (option.tooltip) { option.tooltip.renderMode = 'richText'; }
    option.textStyle = { fontFamily: 'system-ui, sans-serif' };
    c.on('finished', function once() {
      c.off('finished', once);
      rendered++;
      body.setAttribute('data-rendered', String(rendered));
    });
    c.setOption(option);
    window.addEventListener('resize', function () { c.resize(); });
  }
  function keys(o) { return Object.keys(o || {}); }

  document.getElementById('subtitle').textContent = 'work directory ' + data.work_dir +
    ' \u00b7 made ' + data.generated_at;
  (data.problems || []).forEach(function (p) { main.appendChild(el('section', 'wide note', 'not shown: ' + p)); });

  // Tasks per state, per step (the status rule).
  (function () {
    var s = section('Tasks per state', 'Per step, decided by the rule the step\u2019s next run uses (as hipforge status).');
    var steps = data.steps.map(function (x) { return x.step; });
    var states = [];
    data.steps.forEach(function (x) { keys(x.states).forEach(function (k) { if (states.indexOf(k) < 0) { states.push(k); } }); });
    chart(s, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 80, right: 20, top: 50, bottom: 30 },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: steps },
      series: states.map(function (k) {
        return { name: k, type: 'bar', stack: 'tasks', itemStyle: { color: COLORS[k] },
          label: { show: true, formatter: function (p) { return p.value > 0 ? p.value : ''; } },
          data: data.steps.map(function (x) { return (x.states && x.states[k]) || 0; }) };
      })
    }, 240);
  })();

  // Failed tasks per error category, per step.
  (function () {
    var s = section('Failed tasks by error category', 'The latest record of each failed task, by the category its error starts with.');
    var cats = [];
    data.steps.forEach(function (x) { keys(x.failed_by_category).forEach(function (k) { if (cats.indexOf(k) < 0) { cats.push(k); } }); });
    if (cats.length === 0) { empty(s, 'no failed tasks'); return; }
    chart(s, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 70 },
      xAxis: { type: 'category', data: cats, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: data.steps.map(function (x) {
        return { name: x.step, type: 'bar', data: cats.map(function (c) { return (x.failed_by_category || {})[c] || 0; }) };
      })
    }, 240);
  })();

  // Compile yield per repair round.
  (function () {
    var s = section('Compile yield per repair round', 'Round 0 is the first generation, round k the k-th repair; the share of current generations compiled by then.');
    var r = data.rounds;
    if (!r) { empty(s, 'no repair rounds recorded'); return; }
    var rounds = r.per_round.map(function (x) { return x.round === 0 ? 'first answer' : 'repair ' + x.round; });
    chart(s, {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: rounds },
      yAxis: [{ type: 'value', name: 'tasks', minInterval: 1 }, { type: 'value', name: 'yield', min: 0, max: 100, axisLabel: { formatter: '{value} %' } }],
      series: [
        { name: 'compiled in this round', type: 'bar', data: r.per_round.map(function (x) { return x.newly_compiled; }), itemStyle: { color: '#2da44e' } },
        { name: 'yield so far', type: 'line', yAxisIndex: 1, label: { show: true, position: 'top', formatter: '{c} %' },
          data: r.per_round.map(function (x) { return Math.round(x.yield * 1000) / 10; }) }
      ]
    }, 240);
  })();

  // Tokens and cost per run (journal lines: every billed answer).
  (function () {
    var s = section('Tokens and cost per run', 'Tokens from each run\u2019s journal: every answer the provider billed, also those later rejected; cost, status and times from its run manifest (W/runs) when there is one.', true);
    var runs = data.runs || [];
    if (runs.length === 0) { empty(s, 'no runs recorded'); return; }
    var names = runs.map(function (r) { return r.step + ' ' + r.run_id; });
    var priced = runs.some(function (r) { return r.cost_usd !== null && r.cost_usd !== undefined; });
    var series = [
      { name: 'input tokens', type: 'bar', stack: 't', data: runs.map(function (r) { return r.input_tokens; }) },
      { name: 'output tokens', type: 'bar', stack: 't', data: runs.map(function (r) { return r.output_tokens; }) }
    ];
    var yAxis = [{ type: 'value', name: 'tokens' }];
    if (priced) {
      yAxis.push({ type: 'value', name: 'USD' });
      series.push({ name: 'cost (USD)', type: 'line', yAxisIndex: 1, data: runs.map(function (r) { return r.cost_usd; }) });
    }
    chart(s, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 70, right: 60, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: names },
      yAxis: yAxis,
      series: series
    }, 260);
    var t = el('table');
    var head = el('tr');
    ['run', 'command', 'status', 'provider / model', 'answers', 'tokens in', 'tokens out', 'cost', 'started', 'ended'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    t.appendChild(head);
    runs.forEach(function (r) {
      var tr = el('tr');
      tr.appendChild(el('td', null, r.run_id));
      tr.appendChild(el('td', null, r.command));
      tr.appendChild(el('td', null, r.status));
      tr.appendChild(el('td', null, (r.provider || '?') + ' / ' + (r.model || '?')));
      tr.appendChild(el('td', 'num', num(r.answers)));
      tr.appendChild(el('td', 'num', num(r.input_tokens)));
      tr.appendChild(el('td', 'num', num(r.output_tokens)));
      tr.appendChild(el('td', 'num', r.cost_usd === null || r.cost_usd === undefined ? 'not recorded' : '$' + Number(r.cost_usd).toFixed(4)));
      tr.appendChild(el('td', null, r.started));
      tr.appendChild(el('td', null, r.ended));
      t.appendChild(tr);
    });
    s.appendChild(t);
  })();

  function histogramChart(s, series, color, height) {
    chart(s, {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 50 },
      xAxis: { type: 'category', data: series[0].h.labels, axisLabel: { interval: 0, rotate: series[0].h.labels.length > 8 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: series.map(function (x) { return { name: x.name, type: 'bar', data: x.h.counts, itemStyle: color ? { color: color } : undefined }; })
    }, height || 240);
  }
  function stats(h) { return 'n ' + num(h.n) + ', mean ' + h.mean + ', p50 ' + h.p50 + ', p90 ' + h.p90 + ', p99 ' + h.p99; }

  // Latency of each paid call, per step (journal lines; cache hits are not calls).
  (function () {
    var s = section('Latency per call', 'Each billed answer\u2019s latency_ms from the journals (retries included, cache hits left out).');
    var steps = keys(data.latency);
    if (steps.length === 0) { empty(s, 'no calls recorded'); return; }
    // One label set for both steps: the union of their bins, in bin order (labels are the same scale).
    var all = ['<100 ms', '100-250 ms', '250-500 ms', '0.5-1 s', '1-2 s', '2-5 s', '5-10 s', '10-30 s', '30-60 s', '>=60 s'];
    var used = all.filter(function (l) { return steps.some(function (k) { return data.latency[k].labels.indexOf(l) >= 0; }); });
    var series = steps.map(function (k) {
      var h = data.latency[k];
      return { name: k, h: { labels: used, counts: used.map(function (l) { var i = h.labels.indexOf(l); return i < 0 ? 0 : h.counts[i]; }) } };
    });
    histogramChart(s, series);
    steps.forEach(function (k) { s.appendChild(el('p', 'note', k + ' (ms): ' + stats(data.latency[k]))); });
  })();

  // Fidelity of generated kernels to their sources.
  (function () {
    var s = section('Round-trip fidelity', 'fidelity_score of each current generation (kernel names, parameter types, __shared__, launch bounds).');
    if (!data.fidelity) { empty(s, 'no fidelity recorded (generate --sourceDir records it)'); return; }
    histogramChart(s, [{ name: 'generations', h: data.fidelity }], '#8250df');
    s.appendChild(el('p', 'note', stats(data.fidelity)));
  })();

  // Kernel resources of compiled code.
  (function () {
    var names = keys(data.resources);
    var s = section('Kernel resources', 'Per compiled file, from the compiler\u2019s resource-usage remarks.', names.length > 1);
    if (names.length === 0) { empty(s, 'no kernel resources recorded'); return; }
    var grid = el('div', 'small-multiples');
    s.appendChild(grid);
    names.forEach(function (k) {
      var cell = el('div');
      grid.appendChild(cell);
      histogramChart(cell, [{ name: k, h: data.resources[k] }], '#bf8700', 200);
      cell.appendChild(el('p', 'note', stats(data.resources[k])));
    });
  })();

  // The pairs: instruction | source | generated, with the verdict; filter and pages in plain JS.
  (function () {
    var s = section('Pairs', 'Described tasks: ' + num(data.pairs_total) + (data.pairs_shown < data.pairs_total
      ? ', the first ' + num(data.pairs_shown) + ' shown (--maxPairs)' : '') +
      (data.sources_shown ? '' : '; sources not shown (pass --sourceDir)'), true);
    var pairs = data.pairs || [];
    var controls = el('div', 'controls');
    var search = el('input'); search.type = 'search'; search.placeholder = 'filter: file, instruction or code';
    var verdict = el('select');
    var verdicts = ['all verdicts'];
    pairs.forEach(function (p) { if (verdicts.indexOf(p.verdict) < 0) { verdicts.push(p.verdict); } });
    verdicts.forEach(function (v) { var o = el('option', null, v); o.value = v; verdict.appendChild(o); });
    var prev = el('button', null, '\u2190 previous'), next = el('button', null, 'next \u2192');
    var info = el('span', 'note');
    [search, verdict, prev, next, info].forEach(function (c) { controls.appendChild(c); });
    s.appendChild(controls);
    var table = el('table', 'pairs');
    ['c-file', 'c-ins', 'c-src', 'c-gen'].forEach(function (c) { var col = el('col', c); table.appendChild(col); });
    var head = el('tr');
    ['file', 'instruction', 'source', 'generated'].forEach(function (h) { head.appendChild(el('th', null, h)); });
    table.appendChild(head);
    var tbody = el('tbody');
    table.appendChild(tbody);
    s.appendChild(table);
    var PAGE = 20, page = 0, shown = pairs;
    function matches(p, q, v) {
      if (v !== 'all verdicts' && p.verdict !== v) { return false; }
      if (!q) { return true; }
      return [p.file, p.instruction, p.source, p.generated].some(function (t) { return t && t.toLowerCase().indexOf(q) >= 0; });
    }
    function draw() {
      while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
      var pages = Math.max(1, Math.ceil(shown.length / PAGE));
      page = Math.min(page, pages - 1);
      shown.slice(page * PAGE, page * PAGE + PAGE).forEach(function (p) {
        var tr = el('tr');
        var f = el('td');
        f.appendChild(el('div', null, p.file));
        f.appendChild(el('div', 'note', 'id ' + p.id + (p.fidelity !== undefined ? ' \u00b7 fidelity ' + p.fidelity : '')));
        tr.appendChild(f);
        tr.appendChild(el('td', null)).appendChild(el('div', 'ins', p.instruction));
        tr.appendChild(el('td', null)).appendChild(el('pre', null, p.source === null || p.source === undefined ? '' : p.source));
        var g = el('td');
        var ok = p.verdict === 'compiled';
        g.appendChild(el('span', 'verdict ' + (ok ? 'ok' : (p.verdict === 'not generated' ? '' : 'bad')), p.verdict));
        if (p.detail) { g.appendChild(el('div', 'detail', p.detail)); }
        if (p.generated !== null && p.generated !== undefined) { g.appendChild(el('pre', null, p.generated)); }
        tr.appendChild(g);
        tbody.appendChild(tr);
      });
      info.textContent = shown.length === 0 ? 'no pairs match' :
        'pairs ' + (page * PAGE + 1) + '\u2013' + Math.min(shown.length, page * PAGE + PAGE) + ' of ' + shown.length +
        ' (page ' + (page + 1) + ' of ' + pages + ')';
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    function filter() {
      var q = search.value.trim().toLowerCase();
      shown = pairs.filter(function (p) { return matches(p, q, verdict.value); });
      page = 0;
      draw();
    }
    search.addEventListener('input', filter);
    verdict.addEventListener('change', filter);
    prev.addEventListener('click', function () { page--; draw(); });
    next.addEventListener('click', function () { page++; draw(); });
    draw();
    body.setAttribute('data-pairs', String(pairs.length));
  })();

  document.getElementById('footer').textContent = 'Made by hipforge report. Charts: ' + data.chart_library +
    ', inlined in this page (no network needed to view it).';
  body.setAttribute('data-charts', String(planned));
  body.setAttribute('data-rendered', String(rendered));
  body.setAttribute('data-ready', 'true');
})();
