/*! Lantern embed launcher. <script src=".../lantern.js" data-relay data-bundle data-key async></script>
 * Adds one launcher button in its own shadow root; the widget iframe (WebAssembly, bundle, font) is
 * created only on the first open, so a page that never opens support pays for this file alone. */
(function (w, d) {
  'use strict';
  if (w.Lantern && w.Lantern.version) return; // loaded twice: the first copy stays in charge

  var VERSION = '0.1.0';
  var me = d.currentScript || d.querySelector('script[data-relay],script[src*="lantern.js"]');
  var src = (me && me.src) || location.href;
  var data = (me && me.dataset) || {};
  var abs = function (u) { return new URL(u, src).href; };

  var cfg = {
    relay: abs(data.relay || '/'),
    bundle: abs(data.bundle || 'kb.bundle'),
    key: data.key || '',
    widget: abs(data.widget || 'widget/index.html'),
    lang: data.lang || '',
    accent: data.accent || '',
    theme: data.theme || '',
    position: data.position || 'bottom-right',
    analytics: data.analytics !== 'false'
  };
  var widgetOrigin = new URL(cfg.widget).origin;
  // An inline key (base64, no ':' or '/') goes as is; a key URL is made absolute like the others.
  if (cfg.key && /[:/.]/.test(cfg.key) && !/^[A-Za-z0-9+/=\s-]{80,}$/.test(cfg.key)) cfg.key = abs(cfg.key);

  var listeners = {};
  var queue = [];        // messages for the widget, sent in order once it says 'ready'
  var identity = null;   // re-sent after every load of the iframe
  var ready = false, isOpen = false;
  var host, root, wrap, button, panel, frame, lastFocus;

  function emit(type, detail) {
    (listeners[type] || []).slice().forEach(function (cb) {
      try { cb(detail); } catch (e) { setTimeout(function () { throw e; }); }
    });
  }

  function post(msg) {
    msg.lantern = 1;
    if (ready && frame && frame.contentWindow) frame.contentWindow.postMessage(msg, widgetOrigin);
    else queue.push(msg);
  }

  function analyticsOff() {
    return !cfg.analytics || navigator.doNotTrack === '1' || w.doNotTrack === '1';
  }

  var CSS =
    ':host{all:initial}' +
    '.b{position:fixed;bottom:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;height:48px;' +
    'padding:0 18px 0 14px;border:0;border-radius:24px;cursor:pointer;color:#fff;background:var(--a,#1f6feb);' +
    'font:600 15px/1 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;' +
    'box-shadow:0 4px 16px rgba(0,0,0,.25)}' +
    '.b:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}' +
    '.b svg{width:20px;height:20px;fill:currentColor}' +
    '.p{position:fixed;bottom:80px;z-index:2147483001;width:400px;height:min(640px,calc(100vh - 100px));' +
    'border-radius:12px;overflow:hidden;background:#fff;box-shadow:0 8px 32px rgba(0,0,0,.3);display:none}' +
    '.p.o{display:block}.d .p{background:#1c1f24}' +
    '.r{right:20px}.l{left:20px}' +
    '.p iframe{border:0;width:100%;height:100%;display:block}' +
    '@media (max-width:480px){.p{inset:0;width:auto;height:auto;border-radius:0}.p.o~.b{display:none}}' +
    '@media (prefers-reduced-motion:no-preference){.b{transition:transform .15s}.b:hover{transform:scale(1.04)}}';

  var ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2a7 7 0 0 0-4 12.74V17a1 1 0 0 0 1 1h6a1 1 0 0 0 ' +
    '1-1v-2.26A7 7 0 0 0 12 2zm-3 18h6v1a1 1 0 0 1-1 1h-4a1 1 0 0 1-1-1z"/></svg>';

  function zh() { return /^zh/i.test(cfg.lang || navigator.language || ''); }
  function labels() {
    return isOpen ? (zh() ? '关闭帮助' : 'Close support') : (zh() ? '帮助与支持' : 'Help & support');
  }

  function applyLook() {
    if (!host) return;
    var side = cfg.position === 'bottom-left' ? 'l' : 'r';
    button.className = 'b ' + side;
    panel.className = 'p ' + side + (isOpen ? ' o' : '');
    host.style.setProperty('--a', /^#[0-9a-f]{6}$/i.test(cfg.accent) ? cfg.accent : '#1f6feb');
    wrap.className = cfg.theme === 'dark' ? 'd' : '';
    button.lastChild.textContent = zh() ? '帮助' : 'Help';
    button.setAttribute('aria-label', labels());
    button.setAttribute('aria-expanded', String(isOpen));
  }

  function mount() {
    if (host || !d.body) return;
    host = d.createElement('lantern-launcher');
    host.style.cssText = 'all:initial;position:static';
    root = host.attachShadow({ mode: 'open' });
    root.innerHTML = '<style>' + CSS + '</style><div><div class="p" role="dialog"></div>' +
      '<button class="b" type="button" aria-haspopup="dialog">' + ICON + '<span></span></button></div>';
    wrap = root.lastChild;
    panel = root.querySelector('.p');
    button = root.querySelector('.b');
    panel.setAttribute('aria-label', zh() ? 'Lantern 帮助' : 'Lantern support');
    button.addEventListener('click', function () { isOpen ? close() : open(); });
    root.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && isOpen) { close(); }
    });
    d.body.appendChild(host);
    applyLook();
  }

  function widgetUrl() {
    var q = new URLSearchParams();
    q.set('relay', cfg.relay);
    q.set('bundle', cfg.bundle);
    if (cfg.key) q.set('key', cfg.key);
    q.set('lang', cfg.lang || (zh() ? 'zh-CN' : 'en'));
    if (/^#[0-9a-f]{6}$/i.test(cfg.accent)) q.set('accent', cfg.accent);
    if (cfg.theme === 'dark' || cfg.theme === 'light') q.set('theme', cfg.theme);
    q.set('origin', location.origin); // the only origin the widget should accept messages from
    return cfg.widget + '?' + q.toString();
  }

  function open(opts) {
    mount();
    if (!frame) {
      if (w.performance && performance.mark) performance.mark('lantern:open');
      frame = d.createElement('iframe');
      frame.title = 'Lantern support';
      frame.allow = 'clipboard-read; clipboard-write';
      frame.src = widgetUrl();
      panel.appendChild(frame);
      if (w.performance && performance.mark) performance.mark('lantern:iframe');
      if (analyticsOff()) post({ type: 'analytics', enabled: false });
      if (identity) post({ type: 'identify', userId: identity.userId, userHash: identity.userHash });
    }
    if (opts && opts.category) post({ type: 'open', category: String(opts.category), fields: opts.fields || {} });
    if (!isOpen) {
      lastFocus = d.activeElement;
      isOpen = true;
      applyLook();
      emit('open', {});
    }
    frame.focus();
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    applyLook();
    var back = lastFocus && lastFocus !== host && lastFocus.focus ? lastFocus : button;
    back.focus();
    emit('close', {});
  }

  w.addEventListener('message', function (e) {
    // Only our iframe, from the widget's own origin, may speak to us.
    if (!frame || e.source !== frame.contentWindow || e.origin !== widgetOrigin) return;
    var m = e.data;
    if (!m || m.lantern !== 1 || typeof m.type !== 'string') return;
    if (m.type === 'ready') {
      if (!ready && w.performance && performance.mark) performance.mark('lantern:ready');
      ready = true;
      var q = queue;
      queue = [];
      q.forEach(post);
      if (isOpen) frame.focus(); // keyboard users land in the widget once it can take keys
      emit('ready', {});
    } else if (m.type === 'ticket') {
      emit('ticket', { id: m.id, status: m.status, category: m.category });
    } else if (m.type === 'close') {
      close();
    }
  });

  var api = {
    version: VERSION,
    open: function (opts) { open(opts || {}); },
    close: close,
    identify: function (u) {
      if (!u || !u.userId) throw new TypeError('Lantern.identify needs {userId, userHash}');
      identity = { userId: String(u.userId), userHash: String(u.userHash || '') };
      if (frame) post({ type: 'identify', userId: identity.userId, userHash: identity.userHash });
    },
    init: function (o) {
      o = o || {};
      ['accent', 'theme', 'position', 'lang'].forEach(function (k) { if (o[k] != null) cfg[k] = String(o[k]); });
      if (o.analytics != null) cfg.analytics = !!o.analytics;
      applyLook();
      if (frame && (o.accent != null || o.theme != null)) post({ type: 'theme', accent: cfg.accent, mode: cfg.theme });
      if (frame && o.analytics != null) post({ type: 'analytics', enabled: !analyticsOff() });
    },
    on: function (type, cb) {
      (listeners[type] = listeners[type] || []).push(cb);
      return function () { listeners[type] = (listeners[type] || []).filter(function (f) { return f !== cb; }); };
    },
    isOpen: function () { return isOpen; }
  };

  // Calls made before this file arrived: window.Lantern = {q: [['open', {...}], ...]} (see docs/WIDGET.md).
  var early = (w.Lantern && w.Lantern.q) || [];
  w.Lantern = api;
  // After parsing, so the launcher is the body's last child (last in tab order), not before the page.
  if (d.readyState === 'loading') d.addEventListener('DOMContentLoaded', mount); else mount();
  early.forEach(function (c) { if (api[c[0]]) api[c[0]].apply(null, [].slice.call(c, 1)); });
})(window, document);
