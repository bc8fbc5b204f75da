// JavaScript face of lantern-core: Module.openBundle(bytes, {publicKey}) -> {search, article, info, close}.
// Errors are thrown as Error objects with a stable `code` (see ErrorCode in result.h).
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
      return parse(call("lantern_core_search", "string", ["number", "string", "string", "number"],
                        [handle, String(query), opts["lang"] || "", opts["top"] === undefined ? 10 : opts["top"]]));
    },
    "article": function (id) {
      live();
      return parse(call("lantern_core_article", "string", ["number", "string"], [handle, String(id)]));
    },
    "info": function () {
      live();
      return parse(call("lantern_core_info", "string", ["number"], [handle]));
    },
    "close": function () {
      if (closed) return;
      closed = true;
      Module["_free"](call("lantern_core_close", "number", ["number"], [handle]));
    }
  };
};
