// In Node, resolve the .wasm as a file path next to the module (3.1.6 would pass a file: URL to
// fs.readFileSync, which fails); browsers keep the URL relative to the module.
if (typeof process == "object" && process.versions && process.versions.node && !Module["locateFile"]) {
  Module["locateFile"] = function (path, dir) { return dir + path; };
}
