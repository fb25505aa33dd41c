// Gantry status page: polls /status/api/snapshot every 2 s and draws devices, models and the timeline.
// No framework and no build step: the DOM, fetch and sessionStorage. Styles are set through the CSSOM only,
// since the page's Content-Security-Policy forbids inline style attributes.
(function () {
  'use strict';

  var POLL_MS = 2000;
  var TOKEN_KEY = 'gantry.status.token';
  var SHOWN_EVENTS = 250;
  // Rows drawn until the user asks for all: a thousand rows every 2 s would keep the browser busy for nothing.
  var ROW_LIMIT = 250;
  var PALETTE = 12;
  var STATE_RANK = { LOADING: 0, READY: 1, UNLOADING: 2, FAILED: 3, UNAVAILABLE: 4 };

  var state = {
    snapshot: null,
    events: [],
    lastEvent: 0,
    askAfter: 0,
    clockOffset: 0,
    filter: 'all',
    search: '',
    sort: { key: 'state', asc: true },
    timer: null,
    rowLimit: ROW_LIMIT,
    lastTableHtml: '',
    lastDevices: '',
    timelineDrawn: -1
  };
  // Read by the browser test and the benchmark: how long fetching and drawing took.
  // firstReadyMs: from the navigation's start until the first snapshot was drawn; history: the last updates' times.
  var metrics = window.gantryStatus = { updates: 0, lastFetchMs: 0, lastRenderMs: 0, ready: false, failures: 0,
    firstReadyMs: 0, history: [] };

  function $(id) { return document.getElementById(id); }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function colour(name) {
    var hash = 0;
    for (var i = 0; i < name.length; i++) { hash = (hash * 31 + name.charCodeAt(i)) | 0; }
    return 'c' + (Math.abs(hash) % PALETTE);
  }

  function bytes(n) {
    if (n === undefined || n === null) { return ''; }
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var u = 0;
    while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; }
    return (u === 0 || n >= 100 ? Math.round(n) : n.toFixed(1)) + ' ' + units[u];
  }

  function ago(ms, now) {
    if (!ms) { return ''; }
    var s = Math.max(0, Math.round((now - ms) / 1000));
    if (s < 60) { return s + ' s ago'; }
    if (s < 3600) { return Math.round(s / 60) + ' min ago'; }
    if (s < 86400) { return Math.round(s / 3600) + ' h ago'; }
    return Math.round(s / 86400) + ' d ago';
  }

  function seconds(ms) {
    return ms < 1000 ? ms + ' ms' : (ms / 1000).toFixed(1) + ' s';
  }

  function clock(ms) {
    var d = new Date(ms);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map(function (v) { return v < 10 ? '0' + v : v; }).join(':');
  }

  // --- the token -------------------------------------------------------------------------------------------

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  function askForToken(message) {
    $('token').hidden = false;
    var error = $('token-error');
    error.hidden = !message;
    error.textContent = message || '';
    $('token-input').focus();
  }

  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    try { sessionStorage.setItem(TOKEN_KEY, $('token-input').value.trim()); } catch (e) { /* private mode */ }
    $('token-input').value = '';
    $('token').hidden = true;
    poll();
  });

  // --- polling ---------------------------------------------------------------------------------------------

  function poll() {
    clearTimeout(state.timer);
    var headers = { Accept: 'application/json' };
    var t = token();
    if (t) { headers.Authorization = 'Bearer ' + t; }
    var started = performance.now();
    fetch('/status/api/snapshot?after=' + state.askAfter, { headers: headers, cache: 'no-store' })
      .then(function (response) {
        if (response.status === 401) {
          var hadToken = !!t;
          try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* private mode */ }
          askForToken(hadToken ? 'That token was not accepted.' : '');
          live('down', 'token needed');
          return null;
        }
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            throw new Error(body.error || ('HTTP ' + response.status));
          });
        }
        return response.json();
      })
      .then(function (snapshot) {
        if (!snapshot) { return; }
        metrics.lastFetchMs = performance.now() - started;
        var drawing = performance.now();
        render(snapshot);
        metrics.lastRenderMs = performance.now() - drawing;
        metrics.updates++;
        metrics.history.push({ fetchMs: metrics.lastFetchMs, renderMs: metrics.lastRenderMs });
        if (metrics.history.length > 50) { metrics.history.shift(); }
        if (!metrics.ready) { metrics.firstReadyMs = performance.now(); }
        metrics.ready = true;
        $('timing').textContent = 'data in ' + Math.round(metrics.lastFetchMs) + ' ms · drawn in '
          + Math.round(metrics.lastRenderMs) + ' ms';
        live('ok', 'live · ' + clock(Date.now()));
        state.timer = setTimeout(poll, POLL_MS);
      })
      .catch(function (error) {
        metrics.failures++;
        live('down', 'unreachable: ' + error.message);
        state.timer = setTimeout(poll, POLL_MS * 2);
      });
  }

  function live(kind, text) {
    $('live').className = 'live ' + kind;
    $('live-text').textContent = text;
  }

  // --- drawing ---------------------------------------------------------------------------------------------

  function render(snapshot) {
    state.snapshot = snapshot;
    state.clockOffset = snapshot.now_ms - Date.now();
    var counts = snapshot.counts || {};
    $('count-models').textContent = snapshot.models.length;
    $('count-resident').textContent = counts.ready || 0;
    $('count-loading').textContent = counts.loading || 0;
    $('count-failed').textContent = counts.failed || 0;
    $('count-failed').parentNode.classList.toggle('has', (counts.failed || 0) > 0);
    $('count-evictions').textContent = snapshot.evictions_total;
    $('server').textContent = snapshot.server || '';
    renderDevices(snapshot);
    renderModels();
    addEvents(snapshot);
    renderTimeline();
  }

  function renderDevices(snapshot) {
    var drawn = JSON.stringify(snapshot.devices);
    if (drawn === state.lastDevices) { return; }
    state.lastDevices = drawn;
    var root = $('devices');
    var fragment = document.createDocumentFragment();
    snapshot.devices.forEach(function (device) {
      var box = document.createElement('div');
      box.className = 'device';
      box.dataset.device = device.name;
      var leased = device.leases.reduce(function (sum, l) { return sum + l.bytes; }, 0);
      var scale = Math.max(device.budget_bytes, leased, 1);
      var head = document.createElement('div');
      head.className = 'device-head';
      head.innerHTML = '<span class="device-name">' + escapeHtml(device.name) + '<small>' + escapeHtml(device.kind)
        + ' · ' + device.leases.length + ' lease' + (device.leases.length === 1 ? '' : 's') + '</small></span>'
        + '<span class="device-figures"><b>' + bytes(device.used_bytes) + '</b> used of <b>'
        + bytes(device.budget_bytes) + '</b> budget · capacity ' + bytes(device.capacity_bytes) + '</span>';
      box.appendChild(head);
      var map = document.createElement('div');
      // Many leases: no minimum width, or crumbs of a few bytes would fill the bar and belie the figures.
      map.className = 'map' + (device.leases.length > 60 ? ' dense' : '');
      map.setAttribute('role', 'img');
      map.setAttribute('aria-label', 'Memory map of ' + device.name);
      // Largest first reads best: the big tenants at the left, the crumbs at the right.
      device.leases.slice().sort(function (a, b) { return b.bytes - a.bytes; }).forEach(function (lease) {
        var block = document.createElement('div');
        block.className = 'lease ' + colour(lease.model) + (lease.pinned ? ' pinned' : '') + (lease.busy ? ' busy' : '')
          + (lease.state === 'LOADING' ? ' loading' : '');
        block.style.flex = '0 0 ' + (100 * lease.bytes / scale) + '%';
        block.dataset.model = lease.model;
        block.title = lease.model + ' v' + lease.version + ' · ' + bytes(lease.bytes) + ' · ' + lease.state.toLowerCase()
          + (lease.pinned ? ' · pinned' : '') + (lease.busy ? ' · busy' : '')
          + (lease.last_used_ms ? ' · last used ' + clock(lease.last_used_ms - state.clockOffset) : '');
        if (lease.bytes / scale > 0.07) {
          block.textContent = lease.model;
          block.classList.add('named');
        }
        map.appendChild(block);
      });
      if (leased > device.budget_bytes) {
        var over = document.createElement('div');
        over.className = 'over';
        over.title = 'over budget by ' + bytes(leased - device.budget_bytes);
        map.appendChild(over);
      }
      box.appendChild(map);
      var foot = document.createElement('div');
      foot.className = 'device-foot';
      var free = Math.max(0, device.budget_bytes - device.used_bytes);
      foot.innerHTML = '<span>' + Math.round(100 * device.used_bytes / Math.max(device.budget_bytes, 1))
        + ' % of the budget leased</span><span>' + bytes(free) + ' free</span>';
      box.appendChild(foot);
      fragment.appendChild(box);
    });
    root.replaceChildren(fragment);
  }

  function matches(model) {
    if (state.search && model.name.toLowerCase().indexOf(state.search) < 0) { return false; }
    switch (state.filter) {
      case 'resident': return model.state === 'READY';
      case 'loading': return model.state === 'LOADING';
      case 'failed': return model.state === 'FAILED';
      case 'idle': return model.state === 'UNAVAILABLE';
      default: return true;
    }
  }

  function compare(a, b) {
    var key = state.sort.key;
    var result;
    if (key === 'state') {
      result = (STATE_RANK[a.state] - STATE_RANK[b.state]) || ((b.last_used_ms || 0) - (a.last_used_ms || 0));
    } else if (key === 'name' || key === 'device') {
      result = String(key === 'device' ? (a.devices || [''])[0] : a.name)
        .localeCompare(String(key === 'device' ? (b.devices || [''])[0] : b.name));
    } else if (key === 'version') {
      result = (Number(a.version) || 0) - (Number(b.version) || 0);
    } else {
      result = (a[key] || 0) - (b[key] || 0);
    }
    return (state.sort.asc ? result : -result) || a.name.localeCompare(b.name);
  }

  function renderModels() {
    var snapshot = state.snapshot;
    if (!snapshot) { return; }
    var now = snapshot.now_ms;
    var shown = snapshot.models.filter(matches).sort(compare);
    var drawn = Math.min(shown.length, state.rowLimit);
    var rows = new Array(drawn);
    for (var i = 0; i < drawn; i++) {
      var m = shown[i];
      var stateCell = '<span class="state ' + m.state + '">' + m.state.toLowerCase() + '</span>';
      if (m.phase) { stateCell += '<span class="why">' + escapeHtml(m.phase) + ' · ' + seconds(m.phase_ms) + '</span>'; }
      if (m.in_flight) { stateCell += '<span class="tag">busy ' + m.in_flight + '</span>'; }
      if (m.pinned) { stateCell += '<span class="tag pin">pinned</span>'; }
      if (m.reason) { stateCell += '<span class="why" title="' + escapeHtml(m.reason) + '">' + escapeHtml(m.reason) + '</span>'; }
      var rate = m.requests_per_second;
      rows[i] = '<tr data-model="' + escapeHtml(m.name) + '" data-state="' + m.state + '">'
        + '<td class="name" title="' + escapeHtml(m.name) + '"><i class="' + colour(m.name) + '"></i>' + escapeHtml(m.name) + '</td>'
        + '<td class="num">' + escapeHtml(m.version) + '</td>'
        + '<td>' + stateCell + '</td>'
        + '<td>' + (m.devices ? escapeHtml(m.devices.join(', ')) : '<span class="dim">–</span>') + '</td>'
        + '<td class="num">' + (m.bytes !== undefined ? bytes(m.bytes) : '') + '</td>'
        + '<td class="num">' + ago(m.last_used_ms, now) + '</td>'
        + '<td class="num' + (rate ? '' : ' dim') + '">' + (rate ? rate.toFixed(rate < 10 ? 2 : 1) : '–') + '</td>'
        + '<td class="num' + (m.mean_latency_ms ? '' : ' dim') + '">'
        + (m.mean_latency_ms ? m.mean_latency_ms.toFixed(m.mean_latency_ms < 10 ? 2 : 0) + ' ms' : '–') + '</td>'
        + '</tr>';
    }
    var html = rows.join('');
    if (html !== state.lastTableHtml) {
      $('models').innerHTML = html;
      state.lastTableHtml = html;
    }
    var foot = shown.length === snapshot.models.length
      ? snapshot.models.length + ' model versions'
      : shown.length + ' of ' + snapshot.models.length + ' model versions';
    if (drawn < shown.length) { foot += ' · the first ' + drawn + ' shown'; }
    $('models-foot').textContent = foot;
    $('show-all').hidden = drawn >= shown.length;
    document.querySelectorAll('th[data-sort]').forEach(function (th) {
      th.classList.toggle('sorted', th.dataset.sort === state.sort.key);
      th.classList.toggle('asc', th.dataset.sort === state.sort.key && state.sort.asc);
    });
  }

  // The server learns why a model was evicted or unloaded a moment after the event: events still without a reason
  // are asked for again (for up to a minute), and come back with it.
  var EXPLAIN_WITHIN_MS = 60000;

  function addEvents(snapshot) {
    var known = {};
    state.events.forEach(function (e, i) { known[e.seq] = i; });
    snapshot.events.forEach(function (e) {
      if (known[e.seq] !== undefined) {
        state.events[known[e.seq]] = e;
      } else {
        e.fresh = metrics.updates > 0;
        state.events.push(e);
      }
    });
    state.lastEvent = Math.max(state.lastEvent, snapshot.last_event || 0);
    var cutoff = snapshot.now_ms - snapshot.timeline_ms;
    state.events = state.events.filter(function (e) { return e.time_ms >= cutoff; });
    state.askAfter = state.lastEvent;
    for (var i = 0; i < state.events.length; i++) {
      var e = state.events[i];
      if (!e.reason && (e.kind === 'evicted' || e.kind === 'unloaded') && snapshot.now_ms - e.time_ms < EXPLAIN_WITHIN_MS) {
        state.askAfter = e.seq - 1;
        break;
      }
    }
  }

  var KIND_LABEL = { loaded: 'loaded', evicted: 'evicted', load_failed: 'load failed', unloaded: 'unloaded' };

  function detail(e) {
    switch (e.kind) {
      case 'loaded': return 'in ' + seconds(e.duration_ms || 0) + (e.cold_start ? ' · cold start (a request waited)' : ' · explicit load');
      case 'load_failed': return (e.reason || 'no reason given') + (e.duration_ms ? ' · after ' + seconds(e.duration_ms) : '');
      case 'evicted': return e.reason || 'evicted to make room';
      default: return e.reason || '';
    }
  }

  function renderTimeline() {
    var snapshot = state.snapshot;
    // Event times are absolute: the list only changes when events come or leave.
    var explained = state.events.filter(function (e) { return e.reason; }).length;
    var key = state.events.length
      ? state.events[0].seq + ':' + state.events[state.events.length - 1].seq + ':' + explained : 'none';
    if (key === state.timelineDrawn) { renderStrip(snapshot); return; }
    state.timelineDrawn = key;
    var minutes = Math.round(snapshot.timeline_ms / 60000);
    $('timeline-window').textContent = '· last ' + minutes + ' min';
    $('strip-start').textContent = '−' + minutes + ' min';
    var list = $('events');
    var newestFirst = state.events.slice(-SHOWN_EVENTS).reverse();
    var html = newestFirst.map(function (e) {
      return '<li class="' + e.kind + (e.fresh ? ' fresh' : '') + '" data-kind="' + e.kind + '" data-model="' + escapeHtml(e.model) + '">'
        + '<time>' + clock(e.time_ms - state.clockOffset) + '</time>'
        + '<span class="what"><span class="kind ' + e.kind + '">' + KIND_LABEL[e.kind] + '</span>'
        + escapeHtml(e.model) + ' <small>v' + escapeHtml(e.version) + '</small></span>'
        + '<span class="detail">' + escapeHtml(detail(e)) + '</span></li>';
    }).join('');
    state.events.forEach(function (e) { e.fresh = false; });
    list.innerHTML = html;
    $('events-empty').hidden = state.events.length > 0;
    renderStrip(snapshot);
  }

  var LANES = { loaded: 3, unloaded: 13, evicted: 13, load_failed: 23 };
  var LANE_COLOUR = { loaded: '#2da44e', unloaded: '#8c959f', evicted: '#8250df', load_failed: '#cf222e' };

  function renderStrip(snapshot) {
    var svg = $('strip');
    var ns = 'http://www.w3.org/2000/svg';
    var start = snapshot.now_ms - snapshot.timeline_ms;
    var fragment = document.createDocumentFragment();
    state.events.forEach(function (e) {
      var tick = document.createElementNS(ns, 'rect');
      tick.setAttribute('x', (300 * (e.time_ms - start) / snapshot.timeline_ms).toFixed(2));
      tick.setAttribute('y', LANES[e.kind]);
      tick.setAttribute('width', '1.6');
      tick.setAttribute('height', '8');
      tick.setAttribute('fill', LANE_COLOUR[e.kind]);
      var title = document.createElementNS(ns, 'title');
      title.textContent = clock(e.time_ms - state.clockOffset) + ' ' + KIND_LABEL[e.kind] + ' ' + e.model;
      tick.appendChild(title);
      fragment.appendChild(tick);
    });
    svg.replaceChildren(fragment);
  }

  // --- controls --------------------------------------------------------------------------------------------

  document.querySelectorAll('.filters button').forEach(function (button) {
    button.addEventListener('click', function () {
      state.filter = button.dataset.filter;
      document.querySelectorAll('.filters button').forEach(function (b) { b.classList.toggle('on', b === button); });
      renderModels();
    });
  });

  $('show-all').addEventListener('click', function () {
    state.rowLimit = Infinity;
    renderModels();
  });

  $('search').addEventListener('input', function (event) {
    state.search = event.target.value.trim().toLowerCase();
    renderModels();
  });

  document.querySelectorAll('th[data-sort]').forEach(function (th) {
    th.addEventListener('click', function () {
      var key = th.dataset.sort;
      var numeric = th.classList.contains('num') && key !== 'version';
      state.sort = state.sort.key === key ? { key: key, asc: !state.sort.asc } : { key: key, asc: !numeric };
      renderModels();
    });
  });

  poll();
}());
