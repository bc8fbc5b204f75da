// JavaScript face of lantern-core: Module.openBundle(bytes, {publicKey}) -> {search, article, info, close}.
// Errors are thrown as Error objects with a stable `code` (see ErrorCode in result.h).
// Storage for the outbox and drafts: a synchronous key-value object. Default: localStorage in a
// browser (it survives a closed tab), a Map elsewhere. createLanternCore({lanternStorage}) or
// core.setStorage(obj) replaces it; obj: {get(k) -> string|null, put(k, v), remove(k), keys(prefix)}.
function lanternDefaultStorage() {
  if (typeof localStorage != "undefined") {
    var p = "lantern:";
    return {
      "get": function (k) { return localStorage.getItem(p + k); },
      "put": function (k, v) { localStorage.setItem(p + k, v); },
      "remove": function (k) { localStorage.removeItem(p + k); },
      "keys": function (prefix) {
        var out = [];
        for (var i = 0; i < localStorage.length; i++) {
          var k = localStorage.key(i);
          if (k.indexOf(p + prefix) === 0) out.push(k.substring(p.length));
        }
        return out;
      }
    };
  }
  var m = new Map();
  return {
    "get": function (k) { return m.has(k) ? m.get(k) : null; },
    "put": function (k, v) { m.set(k, v); },
    "remove": function (k) { m.delete(k); },
    "keys": function (prefix) { return Array.from(m.keys()).filter(function (k) { return k.indexOf(prefix) === 0; }); }
  };
}
if (!Module["lanternStorage"]) Module["lanternStorage"] = lanternDefaultStorage();
Module["setStorage"] = function (s) { Module["lanternStorage"] = s; };

function lanternCall(name, types, args) {
  var r = JSON.parse(Module["ccall"](name, "string", types, args));
  if (r["error"]) {
    var e = new Error(r["error"]["message"]);
    e["code"] = r["error"]["code"];
    throw e;
  }
  return r;
}

// The outbox: a ticket stays here until the relay answered 201; report() each attempt.
Module["outbox"] = {
  // Stores the ticket JSON (from buildTicket) under its own idempotency key; durable on return.
  "enqueue": function (ticketJson) {
    var key = JSON.parse(ticketJson)["idempotency_key"];
    lanternCall("lantern_outbox_enqueue", ["string", "string"], [key, ticketJson]);
    return key;
  },
  "entries": function () { return lanternCall("lantern_outbox_entries", [], [])["entries"]; },
  // Entries to send now; each is marked in flight until report() or its time-out.
  "takeDue": function () { return lanternCall("lantern_outbox_take_due", [], [])["entries"]; },
  // result: {status (HTTP, 0 if no answer), answer (body), error, retryAfterMs}
  "report": function (key, result) {
    lanternCall("lantern_outbox_report", ["string", "number", "string", "string", "number"],
                [key, result["status"] || 0, result["answer"] || "", result["error"] || "", result["retryAfterMs"] || 0]);
  },
  "discard": function (key) { lanternCall("lantern_outbox_discard", ["string"], [key]); },
  "nextDue": function () { return lanternCall("lantern_outbox_next_due", [], [])["next_due_ms"]; },
  "receipt": function (key) {
    var r = lanternCall("lantern_outbox_receipt", ["string"], [key])["receipt"];
    return r === null ? null : JSON.parse(r);
  }
};

// Drafts: the form as typed, saved on every change.
Module["drafts"] = {
  "save": function (formId, values) { lanternCall("lantern_draft_save", ["string", "string"], [formId, JSON.stringify(values)]); },
  "load": function (formId) {
    var r = lanternCall("lantern_draft_load", ["string"], [formId])["draft"];
    return r === null ? null : JSON.parse(r);
  },
  "clear": function (formId) { lanternCall("lantern_draft_clear", ["string"], [formId]); }
};

// Secrets in a text before it leaves the device: {findings:[{kind, blocking, begin, end, message}]}.
Module["scanSecrets"] = function (text, kind) {
  return JSON.parse(Module["ccall"]("lantern_core_scan_secrets", "string", ["string", "string"], [String(text), kind || "free_text"]));
};

Module["openBundle"] = function (bytes, options) {
  options = options || {};
  if (!(bytes instanceof Uint8Array)) bytes = new Uint8Array(bytes);
  var call = function (name, ret, types, args) { return Module["ccall"](name, ret, types, args); };
  var parse = function (text) {
    var r = JSON.parse(text);
    if (r["error"]) {
      var e = new Error(r["error"]["message"]);
      e["code"] = r["error"]["code"];
      throw e;
    }
    return r;
  };
  var ptr = Module["_malloc"](bytes.length || 1);
  HEAPU8.set(bytes, ptr);
  var opened;
  try {
    opened = parse(call("lantern_core_open", "string", ["number", "number", "string"],
                        [ptr, bytes.length, options["publicKey"] || ""]));
  } catch (e) {
    Module["_free"](ptr);
    throw e;
  }
  var handle = opened["handle"];
  var closed = false;
  var live = function () {
    if (closed) { var e = new Error("bundle is closed"); e["code"] = "invalid_argument"; throw e; }
  };
  return {
    "search": function (query, opts) {
      live();
      opts = opts || {};
      return parse(call("lantern_core_search", "string", ["number", "string", "string", "number", "number"],
                        [handle, String(query), opts["lang"] || "", opts["top"] === undefined ? 10 : opts["top"],
                         opts["snippets"] === false ? 0 : 1]));
    },
    "article": function (id) {
      live();
      return parse(call("lantern_core_article", "string", ["number", "string"], [handle, String(id)]));
    },
    "info": function () {
      live();
      return parse(call("lantern_core_info", "string", ["number"], [handle]));
    },
    // Form schemas: {version, forms:[{id, title, fields:[…]}]}.
    "forms": function () {
      live();
      return parse(call("lantern_core_forms", "string", ["number"], [handle]));
    },
    // values: {field: "text" | {text, approximate} | [attachment ids]};
    // context: {now (ms), utcOffsetMinutes, openTickets:[{id, txid}]}.
    "check": function (formId, values, context) {
      live();
      return parse(call("lantern_core_check", "string", ["number", "string", "string", "string"],
                        [handle, String(formId), JSON.stringify(values || {}), JSON.stringify(context || {})]));
    },
    "triage": function (text, opts) {
      live();
      opts = opts || {};
      return parse(call("lantern_core_triage", "string", ["number", "string", "string", "number"],
                        [handle, String(text), opts["lang"] || "", opts["articles"] || 3]));
    },
    // input: {category, language, values, attachments, client, user, context, idempotency_key?,
    // created_ms?} -> {ticket: JSON text, warnings} or {errors}. A missing idempotency key is
    // made here from crypto.getRandomValues.
    "buildTicket": function (input) {
      live();
      input = Object.assign({}, input);
      if (!input["idempotency_key"]) {
        var b = new Uint8Array(16);
        crypto.getRandomValues(b);
        input["idempotency_key"] = Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
      }
      if (!input["created_ms"]) input["created_ms"] = Date.now();
      return parse(call("lantern_core_ticket", "string", ["number", "string"], [handle, JSON.stringify(input)]));
    },
    "close": function () {
      if (closed) return;
      closed = true;
      Module["_free"](call("lantern_core_close", "number", ["number"], [handle]));
    }
  };
};
