// The widget page's JavaScript: boots the WebAssembly, gives it storage (IndexedDB), HTTP (fetch),
// images (createImageBitmap + canvas), and mirrors its accessibility tree as real DOM elements over
// the canvas. The mirror is also the text bridge: a mirrored <input>/<textarea> is a real text
// field, so IME composition, paste, autofill and mobile keyboards work, and its value and caret are
// sent to the ImGui item. Embedding contract (query parameters, postMessage): docs/WIDGET.md.
(function () {
  "use strict";
  // Start-up timing marks (performance.mark "lw:*"), read by tests/bench/widget/run.mjs.
  function mark(name) { try { performance.mark(name); } catch (e) { /* no User Timing */ } }
  mark("lw:bridge");
  var params = new URLSearchParams(location.search);
  var M = null;              // the Emscripten module
  var started = false, readySent = false;
  var pending = 0, raf = 0, timer = 0;
  var nodes = new Map();     // id -> {el, node}
  var layer, fixedLayer, descBox, fileInput;
  var A11Y = { activate: 0, focus: 1, blur: 2, setValue: 3 };
  var stats = { frames: 0, frameMs: 0 };  // frames drawn and time spent in them (benchmarks)

  // [SECTION] Storage: an in-memory map loaded from IndexedDB before start, written through.
  // put() returns before IndexedDB has committed (IndexedDB has no synchronous API): each write is
  // committed explicitly at once, outbox writes with strict durability, and while any is still
  // open, leaving the page asks first (beforeunload). See docs/WIDGET.md.
  var store = new Map(), db = null, unsaved = 0;
  function openDb() {
    return new Promise(function (resolve) {
      if (!self.indexedDB) return resolve(null);
      var req;
      try { req = indexedDB.open("lantern-widget", 1); } catch (e) { return resolve(null); }
      req.onupgradeneeded = function () { req.result.createObjectStore("kv"); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { resolve(null); };
    });
  }
  function loadStore() {
    return openDb().then(function (d) {
      db = d;
      if (!db) return;
      return new Promise(function (resolve) {
        var tx = db.transaction("kv", "readonly"), os = tx.objectStore("kv");
        var cur = os.openCursor();
        cur.onsuccess = function () {
          var c = cur.result;
          if (c) { store.set(String(c.key), String(c.value)); c.continue(); } else resolve();
        };
        cur.onerror = function () { resolve(); };
      });
    });
  }
  function dbWrite(key, fn) {
    if (!db) return;
    var tx;
    try {
      // A submitted ticket (staged with its screenshots, then in the outbox) must survive a power
      // cut once stored; drafts and receipts need not wait for a flush.
      tx = db.transaction("kv", "readwrite", { durability: /^(staged|blob|outbox)\//.test(key) ? "strict" : "relaxed" });
    } catch (e) {
      try { tx = db.transaction("kv", "readwrite"); } catch (e2) { return; /* storage disabled: memory only */ }
    }
    unsaved++;
    var settled = false;
    var done = function () { if (!settled) { settled = true; unsaved--; } };
    tx.oncomplete = done;
    tx.onabort = function () { done(); console.error("lantern: could not save to this device's storage", tx.error); };
    try {
      fn(tx.objectStore("kv"));
      if (tx.commit) tx.commit();  // sent now, not when this task ends
    } catch (e) { done(); }
  }
  window.addEventListener("beforeunload", function (e) {
    if (unsaved > 0) { e.preventDefault(); e.returnValue = ""; }
  });

  // [SECTION] Frames on demand (idle is idle)
  function request(n) {
    pending = Math.max(pending, n || 1);
    if (!raf && started) raf = requestAnimationFrame(tick);
  }
  function sizeCanvas() {
    var canvas = document.getElementById("canvas");
    var dpr = window.devicePixelRatio || 1;
    var w = window.innerWidth, h = window.innerHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
  }
  function tick() {
    raf = 0;
    sizeCanvas();
    var dpr = window.devicePixelRatio || 1;
    var w = window.innerWidth, h = window.innerHeight;
    var t0 = performance.now();
    if (!readySent) mark("lw:frame-start");
    var more = M._lw_frame(w, h, dpr, window.scrollY);
    if (!readySent) mark("lw:frame-end");
    stats.frames++;
    stats.frameMs += performance.now() - t0;
    pending = Math.max(pending - 1, more);
    if (!readySent && M._lw_screen() >= 1) {  // Home, or the error screen (bundle refused)
      readySent = true;
      mark("lw:ready");
      postToHost({ lantern: 1, type: "ready" });
      afterReady(fontBytes);
    }
    if (pending > 0) raf = requestAnimationFrame(tick);
    else armTimer();
  }
  function armTimer() {
    clearTimeout(timer);
    var ms = M._lw_next_timer();
    if (ms >= 0) timer = setTimeout(function () { M._lw_pump(); request(2); }, Math.min(ms + 5, 2147483000));
  }

  // [SECTION] Strings in and out of the heap
  function withString(s, fn) {
    var n = M.lengthBytesUTF8(s) + 1, p = M._malloc(n);
    M.stringToUTF8(s, p, n);
    try { return fn(p); } finally { M._free(p); }
  }
  function withBytes(bytes, fn) {
    var p = M._malloc(Math.max(1, bytes.length));
    M.HEAPU8.set(bytes, p);
    try { return fn(p); } finally { M._free(p); }
  }
  function utf8Offset(s, i) { return new TextEncoder().encode(s.slice(0, i)).length; }
  function sendA11y(id, kind, value, s0, s1) {
    withString(value || "", function (p) { M._lw_a11y(id >>> 0, kind, p, s0 === undefined ? -1 : s0, s1 === undefined ? -1 : s1); });
    request(3);
  }

  // [SECTION] The host page
  // lantern.js passes its page's origin; only that origin hears from us or may speak to us. Without
  // it (a page that frames the widget by hand) the widget works but exchanges no messages.
  var hostOrigin = (function () {
    try {
      var o = new URLSearchParams(location.search).get("origin");
      return o && new URL(o).origin === o ? o : null;
    } catch (e) { return null; }
  })();
  function postToHost(msg) {
    if (hostOrigin && window.parent && window.parent !== window) window.parent.postMessage(msg, hostOrigin);
    window.dispatchEvent(new CustomEvent("lantern", { detail: msg }));  // for same-page use and tests
  }
  window.addEventListener("message", function (e) {
    var d = e.data;
    // Only the embedding page speaks to the widget; other frames and windows are ignored.
    if (!d || typeof d !== "object" || d.lantern !== 1 || e.source === window || e.source !== window.parent) return;
    if (!hostOrigin || e.origin !== hostOrigin) return;
    if (d.type === "theme") applyTheme(d.accent, d.mode);
    if (!M || !started) { queued.push(d); return; }
    withString(JSON.stringify(d), function (p) { M._lw_host_message(p); });
    request(3);
  });
  var queued = [];
  // Do Not Track / Global Privacy Control in the widget page itself (framed by hand, without
  // lantern.js): analytics off for this page, not stored. Applied with the host's queued messages.
  if (navigator.doNotTrack === "1" || window.doNotTrack === "1" || navigator.globalPrivacyControl === true) {
    queued.push({ lantern: 1, type: "analytics", enabled: false, source: "dnt" });
  }
  // The page hides or goes away: analytics waiting in memory are sent now (fetch keepalive).
  function hidden(unloading) {
    if (!M || !started) return;
    withString(JSON.stringify({ lantern: 1, type: "hidden", unloading: !!unloading }), function (p) { M._lw_host_message(p); });
  }
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") hidden(false); });
  window.addEventListener("pagehide", function () { hidden(true); });
  function applyTheme(accent, mode) {
    if (accent && /^#[0-9a-fA-F]{6}$/.test(accent)) document.documentElement.style.setProperty("--lw-accent", accent);
    if (mode) document.body.classList.toggle("lw-dark", mode === "dark");
  }

  // [SECTION] HTTP through fetch
  function http(id, method, url, headers, body) {
    var init = { method: method, headers: headers, cache: "no-store" };
    if (method !== "GET" && method !== "HEAD") init.body = body;
    // Analytics batches (< 32 KiB) may be sent while the page goes away: keepalive lets them finish.
    if (/\/v1\/analytics\/events$/.test(url)) init.keepalive = true;
    fetch(url, init).then(function (r) {
      var ra = r.headers.get("Retry-After");
      var retry = ra ? (isNaN(+ra) ? Math.max(0, Date.parse(ra) - Date.now()) : +ra * 1000) : 0;
      return r.arrayBuffer().then(function (b) { done(id, r.status, new Uint8Array(b), "", retry); });
    }).catch(function (e) { done(id, 0, new Uint8Array(0), String(e && e.message || e), 0); });
  }
  function done(id, status, bytes, error, retry) {
    withBytes(bytes, function (p) {
      withString(error, function (e) { M._lw_http_done(id, status, p, bytes.length, e, retry); });
    });
    request(3);
  }

  // [SECTION] Images: decoded, turned upright (EXIF), shrunk to 2000 px and re-encoded in the browser
  var MAX_BYTES = 20 << 20, MAX_PIXELS = 40e6, MAX_SIDE = 2000;
  function imageError(msg) {
    withString(msg, function (p) { M._lw_image(0, 0, 0, p); });
    request(3);
  }
  function takeImage(blob) {
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    if (!/^image\/(png|jpeg|webp)$/.test(blob.type || "")) {
      return imageError(zh ? "请选择 PNG、JPEG 或 WebP 格式的图片。" : "Please choose a PNG, JPEG or WebP image.");
    }
    if (blob.size > MAX_BYTES) return imageError(zh ? "图片太大（最大 20 MB）。" : "This image is too large (20 MB at most).");
    var tooMany = zh ? "图片像素太多（最多 4000 万像素）。" : "This image has too many pixels (40 megapixels at most).";
    // The size comes from the file's header first: a small file claiming a huge image (a
    // decompression bomb) is refused before the browser decodes and allocates it.
    blob.arrayBuffer().then(function (buf) {
      var size = headerSize(new Uint8Array(buf));
      if (!size) throw new Error("no image header");
      if (size[0] * size[1] > MAX_PIXELS) return "refused";
      return createImageBitmap(blob, { imageOrientation: "from-image" });
    }).then(function (bmp) {
      if (bmp === "refused" || bmp.width * bmp.height > MAX_PIXELS) return imageError(tooMany);
      var s = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
      var w = Math.max(1, Math.round(bmp.width * s)), h = Math.max(1, Math.round(bmp.height * s));
      var c = document.createElement("canvas");
      c.width = w; c.height = h;
      var g = c.getContext("2d");
      g.drawImage(bmp, 0, 0, w, h);
      var px = g.getImageData(0, 0, w, h).data;
      withBytes(px, function (p) { withString("", function (e) { M._lw_image(w, h, p, e); }); });
      request(3);
    }).catch(function () {
      imageError(zh ? "无法读取这张图片，它可能已损坏。请换一张截图。" : "This image could not be read; it may be damaged. Please try another screenshot.");
    });
  }
  // [width, height] from a PNG (IHDR), JPEG (SOFn) or WebP (VP8 / VP8L / VP8X) header, else null.
  function headerSize(u) {
    var be16 = function (i) { return (u[i] << 8) | u[i + 1]; };
    var le24 = function (i) { return u[i] | (u[i + 1] << 8) | (u[i + 2] << 16); };
    var str = function (i) { return String.fromCharCode(u[i], u[i + 1], u[i + 2], u[i + 3]); };
    if (u.length >= 24 && u[0] === 0x89 && str(1) === "PNG\r" && str(12) === "IHDR") return [be16(16) * 65536 + be16(18), be16(20) * 65536 + be16(22)];
    if (u.length >= 30 && str(0) === "RIFF" && str(8) === "WEBP") {
      var t = str(12);
      if (t === "VP8X") return [le24(24) + 1, le24(27) + 1];
      if (t === "VP8 ") return [(u[26] | u[27] << 8) & 0x3fff, (u[28] | u[29] << 8) & 0x3fff];
      if (t === "VP8L") { var b = u[21] | u[22] << 8 | u[23] << 16 | u[24] << 24; return [(b & 0x3fff) + 1, ((b >>> 14) & 0x3fff) + 1]; }
      return null;
    }
    for (var i = u[0] === 0xff && u[1] === 0xd8 ? 2 : u.length; i + 9 < u.length;) {  // JPEG markers
      var m = u[i + 1];
      if (u[i] !== 0xff) return null;
      if (m === 0xff) { i++; continue; }
      if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) { i += 2; continue; }
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return [be16(i + 7), be16(i + 5)];
      if (m === 0xda || m === 0xd9) return null;
      i += 2 + be16(i + 2);
    }
    return null;
  }
  function encodeImage(id, w, h, rgba) {
    var c = document.createElement("canvas");
    c.width = w; c.height = h;
    c.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer), w, h), 0, 0);
    // toBlob writes no EXIF or GPS (the canvas has only pixels), but Chromium tags its WebP with
    // its sRGB ICC profile; webpPixelsOnly drops that, so nothing but pixels leaves the device.
    c.toBlob(function (b) {
      if (!b) return encoded(id, new Uint8Array(0), "", "the browser could not encode the image");
      b.arrayBuffer().then(function (buf) { encoded(id, webpPixelsOnly(new Uint8Array(buf)), b.type, ""); });
    }, "image/webp", 0.85);
  }
  // An extended WebP (RIFF "VP8X") without its ICCP, EXIF and XMP chunks and their flags; the
  // pixels are sRGB, WebP's default. Anything else is returned as it is.
  function webpPixelsOnly(u) {
    var tag = function (at) { return String.fromCharCode(u[at], u[at + 1], u[at + 2], u[at + 3]); };
    if (u.length < 30 || tag(0) !== "RIFF" || tag(8) !== "WEBP" || tag(12) !== "VP8X") return u;
    var dv = new DataView(u.buffer, u.byteOffset, u.byteLength), parts = [], size = 4;
    for (var at = 12; at + 8 <= u.length;) {
      var t = tag(at), n = dv.getUint32(at + 4, true), end = Math.min(u.length, at + 8 + n + (n & 1));
      if (t !== "ICCP" && t !== "EXIF" && t !== "XMP ") { parts.push(u.subarray(at, end)); size += end - at; }
      at = end;
    }
    var out = new Uint8Array(8 + size), o = 12;
    out.set(u.subarray(0, 4), 0);
    new DataView(out.buffer).setUint32(4, size, true);
    out.set(u.subarray(8, 12), 8);
    parts.forEach(function (p) { out.set(p, o); o += p.length; });
    out[20] &= ~0x2c;  // VP8X flags: ICC profile 0x20, EXIF 0x08, XMP 0x04
    return out;
  }
  function encoded(id, bytes, type, error) {
    withBytes(bytes, function (p) {
      withString(type, function (t) { withString(error, function (e) { M._lw_encoded(id, p, bytes.length, t, e); }); });
    });
    request(3);
  }

  // [SECTION] The accessibility mirror
  var TAGS = { button: "button", link: "a", checkbox: "input", combobox: "select", heading: "h2", text: "p", status: "div", alert: "div", img: "div" };
  function create(n) {
    var el;
    if (n.role === "textbox") el = document.createElement(n.multiline ? "textarea" : "input");
    else if (n.role === "heading") el = document.createElement("h" + Math.min(6, Math.max(1, n.level || 2)));
    else el = document.createElement(TAGS[n.role] || "div");
    el.dataset.lwId = n.id;
    if (n.role === "button") el.type = "button";
    if (n.role === "link") el.href = "#";
    if (n.role === "checkbox") el.type = "checkbox";
    if (n.role === "textbox" && !n.multiline) { el.type = "text"; el.autocomplete = "off"; el.spellcheck = false; }
    if (n.role === "status" || n.role === "alert" || n.role === "img") el.setAttribute("role", n.role);
    if (n.role === "heading") el.tabIndex = -1;
    wire(el);
    return el;
  }
  function idOf(el) { return +el.dataset.lwId; }
  function wire(el) {
    var tag = el.tagName;
    if (tag === "BUTTON" || tag === "A") {
      el.addEventListener("click", function (e) {
        e.preventDefault();
        var rec = nodes.get(idOf(el));
        if (rec && rec.node.action === "pick-image") fileInput.click();  // within the user's click
        sendA11y(idOf(el), A11Y.activate);
      });
    } else if (tag === "INPUT" && el.type === "checkbox") {
      el.addEventListener("change", function () { sendA11y(idOf(el), A11Y.activate); });
    } else if (tag === "SELECT") {
      el.addEventListener("change", function () { sendA11y(idOf(el), A11Y.setValue, el.value); });
    } else if (tag === "INPUT" || tag === "TEXTAREA") {
      var composing = false;
      var sync = function () {
        if (composing) return;
        var v = el.value;
        sendA11y(idOf(el), A11Y.setValue, v, utf8Offset(v, el.selectionStart), utf8Offset(v, el.selectionEnd));
      };
      // The composition itself is drawn by the widget (the field here is invisible).
      var preedit = function (s) { withString(s, function (p) { M._lw_preedit(p); }); request(2); };
      el.addEventListener("focus", function () { sendA11y(idOf(el), A11Y.focus); setTimeout(sync, 0); });
      el.addEventListener("blur", function () {
        if (composing) { composing = false; preedit(""); }
        sendA11y(idOf(el), A11Y.blur);
      });
      el.addEventListener("compositionstart", function () { composing = true; });
      el.addEventListener("compositionupdate", function (e) { preedit(e.data || ""); });
      el.addEventListener("compositionend", function () { composing = false; preedit(""); sync(); });
      el.addEventListener("input", function (e) { if (!e.isComposing) sync(); });
      el.addEventListener("select", sync);
      el.addEventListener("keyup", function (e) { if (!e.isComposing && e.keyCode !== 229) sync(); });
      el.addEventListener("mouseup", sync);
    }
    el.addEventListener("mousemove", forwardMouse);
    el.addEventListener("wheel", function () { request(2); }, { passive: true });
  }
  function place(el, n) {
    var r = n.rect;
    el.style.left = r[0] + "px";
    el.style.top = r[1] + "px";
    el.style.width = Math.max(1, r[2]) + "px";
    el.style.height = Math.max(1, r[3]) + "px";
  }
  function update(el, n, old) {
    var name = n.name || "";
    if (n.role === "textbox" || n.role === "combobox" || n.role === "checkbox" || n.role === "img") {
      el.setAttribute("aria-label", name);
    } else if (el.textContent !== name) {
      el.textContent = name;
    }
    if (n.role === "textbox") {
      if (document.activeElement !== el && el.value !== n.value) el.value = n.value || "";
      if (n.placeholder) el.placeholder = n.placeholder; else el.removeAttribute("placeholder");
      el.required = !!n.required;
    }
    if (n.role === "combobox") {
      var key = JSON.stringify(n.options || []);
      if (el.dataset.opts !== key) {
        el.dataset.opts = key;
        el.textContent = "";
        var none = document.createElement("option");
        none.value = ""; none.textContent = "—";
        el.appendChild(none);
        (n.options || []).forEach(function (o) {
          var opt = document.createElement("option");
          opt.value = o[0]; opt.textContent = o[1];
          el.appendChild(opt);
        });
      }
      if (el.value !== (n.value || "")) el.value = n.value || "";
    }
    if (n.role === "checkbox") el.checked = !!n.checked;
    if (n.invalid) el.setAttribute("aria-invalid", "true"); else el.removeAttribute("aria-invalid");
    if (n.disabled) { el.setAttribute("aria-disabled", "true"); if (el.tagName === "BUTTON") el.disabled = true; }
    else { el.removeAttribute("aria-disabled"); if (el.tagName === "BUTTON") el.disabled = false; }
    var descId = "lw-desc-" + n.id;
    var d = document.getElementById(descId);
    if (n.description) {
      if (!d) { d = document.createElement("span"); d.id = descId; descBox.appendChild(d); }
      if (d.textContent !== n.description) d.textContent = n.description;
      el.setAttribute("aria-describedby", descId);
    } else {
      if (d) d.remove();
      el.removeAttribute("aria-describedby");
    }
    place(el, n);
  }
  function publish(json) {
    var tree = JSON.parse(json);
    layer.style.height = tree.height + "px";
    if (tree.lang && document.documentElement.lang !== tree.lang) document.documentElement.lang = tree.lang;  // screen readers' voice
    var seen = new Set(), order = { body: [], fixed: [] }, autofocus = null;
    var hadFocus = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.lwId;
    tree.nodes.forEach(function (n) {
      seen.add(n.id);
      var rec = nodes.get(n.id);
      var tagOk = rec && rec.node.role === n.role && !!rec.node.multiline === !!n.multiline && (n.role !== "heading" || rec.node.level === n.level);
      if (!tagOk) {
        if (rec) rec.el.remove();
        rec = { el: create(n), node: n };
        nodes.set(n.id, rec);
        if (n.autofocus) autofocus = rec.el;
      }
      update(rec.el, n, rec.node);
      rec.node = n;
      (n.fixed ? order.fixed : order.body).push(rec.el);
    });
    nodes.forEach(function (rec, id) {
      if (!seen.has(id)) {
        rec.el.remove();
        var d = document.getElementById("lw-desc-" + id);
        if (d) d.remove();
        nodes.delete(id);
      }
    });
    // Keep DOM order = visual order (Tab order), moving only what is out of place (moving a
    // focused element would blur it).
    [[fixedLayer, order.fixed], [layer, order.body]].forEach(function (pair) {
      var parent = pair[0], list = pair[1];
      for (var i = 0; i < list.length; i++) {
        if (parent.children[i] !== list[i]) parent.insertBefore(list[i], parent.children[i] || null);
      }
    });
    // A new screen's main field takes the focus, unless the user is in another field.
    var active = document.activeElement;
    if (autofocus && (!active || active === document.body || active.tagName === "H1" || active.tagName === "H2" || !active.dataset.lwId)) {
      autofocus.focus({ preventScroll: true });
    } else if (hadFocus && (!document.activeElement || document.activeElement === document.body)) {
      // The screen changed under the keyboard user: focus its first heading.
      var h = layer.querySelector("h1, h2");
      if (h) h.focus({ preventScroll: true });
    }
    // Status and alert nodes are mirrored as role=status / role=alert elements: live regions that
    // screen readers announce when their text appears or changes.
    window.lanternA11y = tree;  // for tests and debugging
  }

  // [SECTION] Input: the mouse goes to ImGui for hover and drawing; keys and text go to the mirror.
  var buttons = 0;
  function forwardMouse(e) {
    if (!started) return;
    if (e.type !== "mousemove") buttons = e.buttons & 1;
    M._lw_mouse(e.clientX, e.clientY, e.type === "mousemove" ? (e.buttons & 1) : buttons);
    request(2);
  }
  function installInput() {
    var canvas = document.getElementById("canvas");
    ["mousemove", "mousedown", "mouseup"].forEach(function (t) { canvas.addEventListener(t, forwardMouse); });
    canvas.addEventListener("mouseleave", function () { M._lw_mouse(-1e4, -1e4, 0); request(2); });
    window.addEventListener("scroll", function () { request(2); }, { passive: true });
    window.addEventListener("resize", function () { request(3); });
    window.addEventListener("online", function () { M._lw_online(); request(3); });
    window.addEventListener("keydown", function (e) {
      // Enter that confirms an IME candidate (isComposing / keyCode 229) never reaches the widget.
      if (e.isComposing || e.keyCode === 229) return;
      if (e.key === "Escape") {
        e.preventDefault();
        M._lw_escape();
        request(3);
      }
    }, true);
    window.addEventListener("paste", function (e) {
      var items = (e.clipboardData && e.clipboardData.files) || [];
      for (var i = 0; i < items.length; i++) {
        if (/^image\//.test(items[i].type)) { e.preventDefault(); takeImage(items[i]); return; }
      }
    });
    fileInput.addEventListener("change", function () {
      if (fileInput.files && fileInput.files[0]) takeImage(fileInput.files[0]);
      fileInput.value = "";
    });
  }

  // [SECTION] Boot
  function fetchBytes(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.arrayBuffer();
    }).then(function (b) { return new Uint8Array(b); });
  }
  // key=: a URL of a PEM file, or inline base64 (of the PEM text or of the DER public key).
  function loadKey(k) {
    if (!k) return Promise.resolve("");
    if (/^(https?:|\/|\.)/.test(k) || /\.pem$/.test(k)) {
      return fetch(k).then(function (r) { if (!r.ok) throw new Error("key: HTTP " + r.status); return r.text(); });
    }
    var raw = atob(k.replace(/[\s-]/g, function (c) { return c === "-" ? "+" : ""; }).replace(/_/g, "/"));
    if (raw.indexOf("-----BEGIN") >= 0) return Promise.resolve(raw);
    var b64 = btoa(raw).replace(/(.{64})/g, "$1\n");
    return Promise.resolve("-----BEGIN PUBLIC KEY-----\n" + b64.replace(/\n$/, "") + "\n-----END PUBLIC KEY-----\n");
  }
  // The bundle's signature checked by the browser's WebCrypto (native code, off the main thread)
  // while the WebAssembly compiles; the core then only opens it. Only a pass is trusted: for
  // anything else (no WebCrypto, unsigned, another key, altered) the core's verifier decides and
  // says exactly what is wrong. Trailer layout: docs/BUNDLE.md.
  function derToRaw(der) {  // ECDSA-Sig-Value (DER) -> r || s, as WebCrypto takes it
    var i = 2, out = new Uint8Array(64);
    if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
    for (var n = 0; n < 2; n++) {
      if (der[i] !== 0x02) return null;
      var len = der[i + 1], v = der.subarray(i + 2, i + 2 + len);
      i += 2 + len;
      if (len < 1 || i > der.length) return null;
      while (v.length > 32 && v[0] === 0) v = v.subarray(1);
      if (v.length > 32) return null;
      out.set(v, n * 32 + 32 - v.length);
    }
    return i === der.length ? out : null;
  }
  function checkSignature(bytes, pem) {
    var subtle = self.crypto && crypto.subtle, n = bytes.length;
    if (!subtle || !pem || n < 64 + 144) return Promise.resolve(false);
    var dv = new DataView(bytes.buffer, bytes.byteOffset, n), t = dv.getUint32(16, true);
    if (dv.getUint32(20, true) !== 0 || t !== n - 144 || !(dv.getUint32(t + 12, true) & 1)) return Promise.resolve(false);
    var sig = derToRaw(bytes.subarray(t + 60, t + 60 + Math.min(dv.getUint32(t + 56, true), 80)));
    var b64 = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), spki;
    try { spki = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); }); } catch (e) { return Promise.resolve(false); }
    if (!sig) return Promise.resolve(false);
    return subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]).then(function (key) {
      return subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, sig, bytes.subarray(0, t));
    }).catch(function () { return false; });
  }
  function browserLang() {
    var l = params.get("lang") || (navigator.languages && navigator.languages[0]) || navigator.language || "en";
    return /^zh/i.test(l) ? "zh-CN" : "en";
  }

  // Everything the start needs is asked for now, while this script runs (index.html preloads the
  // WebAssembly and the font even earlier), not once lantern-widget.js has loaded: the
  // WebAssembly compiles (streaming) while the font, the bundle, the key and IndexedDB arrive.
  function compileWasm() {
    var url = "lantern-widget.wasm";
    var fromBytes = function () {
      return fetchBytes(url).then(function (b) { return WebAssembly.compile(b); });
    };
    if (!WebAssembly.compileStreaming) return fromBytes();
    // Streaming needs the server to say application/wasm; otherwise compile from the bytes.
    return WebAssembly.compileStreaming(fetch(url)).catch(fromBytes);
  }
  var early = {
    wasm: compileWasm(),
    store: loadStore(),
    font: fetchBytes("ui.ttf").catch(function () { return null; }),
    bundle: fetchBytes(params.get("bundle") || "../kb.bundle"),
    key: Promise.resolve().then(function () { return loadKey(params.get("key")); })
  };
  early.checked = Promise.all([early.bundle, early.key]).then(function (bk) { return checkSignature(bk[0], bk[1]); });
  // Promises that fail before anyone waits on them must not be reported as unhandled.
  early.wasm.catch(function () {});
  early.bundle.catch(function () {});
  early.key.catch(function () {});
  early.checked.catch(function () {});

  // After the first frame: what the first frame does not need.
  function afterReady(font) {
    setTimeout(function () { M._lw_pump(); request(2); }, 0);  // tickets left from an earlier visit
    setTimeout(function () {
      // The same font for the mirror, so a caret placed by a click lands where ImGui draws it.
      if (font) {
        try { document.fonts.add(new FontFace("Lantern UI", font.buffer.slice(0))); } catch (e) { /* optional */ }
      }
      // The offline cache: its install downloads every file of the widget again, so not while
      // the widget starts.
      if ("serviceWorker" in navigator && location.protocol !== "file:") {
        navigator.serviceWorker.register("sw.js").catch(function () { /* no worker: online only */ });
      }
    }, 0);
  }
  var fontBytes = null;

  var LanternBridge = {
    boot: function () {
      mark("lw:boot");
      layer = document.getElementById("lw-layer");
      fixedLayer = document.getElementById("lw-fixed");
      fileInput = document.getElementById("lw-file");
      descBox = document.createElement("div");
      descBox.className = "lw-sr";
      descBox.setAttribute("aria-hidden", "true");
      document.body.appendChild(descBox);
      var lang = browserLang();
      document.documentElement.lang = lang;
      applyTheme(params.get("accent"), params.get("theme"));
      var moduleP = createLanternWidget({
        canvas: document.getElementById("canvas"),
        // The module compiled above (early.wasm), instantiated with the runtime's imports.
        instantiateWasm: function (imports, receive) {
          early.wasm.then(function (module) {
            return WebAssembly.instantiate(module, imports).then(function (instance) { receive(instance, module); });
          }).catch(function (e) { console.error("lantern: the WebAssembly could not start", e); });
          return {};
        },
        lw: {
          storageGet: function (k) { return store.has(k) ? store.get(k) : null; },
          storagePut: function (k, v) { store.set(k, v); dbWrite(k, function (os) { os.put(v, k); }); return true; },
          storageRemove: function (k) { store.delete(k); dbWrite(k, function (os) { os.delete(k); }); },
          storageKeys: function (p) { var out = []; store.forEach(function (_, k) { if (k.indexOf(p) === 0) out.push(k); }); return out.sort(); },
          http: http,
          encodeImage: encodeImage,
          openUrl: function (u) { if (/^https?:\/\//.test(u)) window.open(u, "_blank", "noopener"); },
          postToHost: function (s) { postToHost(JSON.parse(s)); },
          wake: function () { request(3); },
          publishA11y: publish
        }
      });
      moduleP.then(function () { mark("lw:wasm-ready"); });
      Promise.all([moduleP, early.store, early.font]).then(function (r) {
        mark("lw:start");
        M = r[0];
        var font = fontBytes = r[2];
        var cfg = { relay: params.get("relay") || "", lang: lang, accent: params.get("accent") || "", theme: params.get("theme") || "" };
        var ok = withString(JSON.stringify(cfg), function (p) { return M._lw_start(p); });
        if (ok < 0) { document.body.textContent = "This browser cannot show the help widget (WebGL 2 is unavailable)."; return; }
        if (font) withBytes(font, function (p) { M._lw_load_font(p, font.length); });
        // The GPU compiles its pipeline while the bundle is checked below (an invisible frame).
        sizeCanvas();
        M._lw_warm_up(window.innerWidth, window.innerHeight, window.devicePixelRatio || 1);
        mark("lw:started");
        started = true;
        installInput();
        request(2);
        return Promise.all([early.bundle, early.key, early.checked]).then(function (bk) {
          mark("lw:bundle-fetched");
          var bytes = bk[0], pem = bk[1], checked = bk[2] === true;
          mark(checked ? "lw:bundle-checked-webcrypto" : "lw:bundle-checked-core");
          withBytes(bytes, function (p) {
            withString(pem, function (k) { M._lw_open_bundle(p, bytes.length, k, checked ? 1 : 0); });
          });
          queued.splice(0).forEach(function (d) { withString(JSON.stringify(d), function (p) { M._lw_host_message(p); }); });
          request(3);
        }).catch(function (e) {
          withString(String(e && e.message || e), function (p) { M._lw_show_error(p); });
          request(3);
        });
      }).catch(function (e) {
        console.error("lantern: start failed", e);
      });
    },
    // For tests: the current accessibility tree and a way to draw a frame now.
    tree: function () { return window.lanternA11y; },
    stats: function () { return { frames: stats.frames, frameMs: stats.frameMs, unsaved: unsaved }; },
    frame: function () { request(1); }
  };
  window.LanternBridge = LanternBridge;
})();
