// JavaScript face of lantern-core: Module.openBundle(bytes, {publicKey}) -> {search, article, info, close}.
// Errors are thrown as Error objects with a stable `code` (see ErrorCode in result.h).
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
