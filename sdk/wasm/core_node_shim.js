// Emscripten 3.1.6 emits CommonJS names (require, __dirname) in its Node path even for ES module
// output; provide them in Node only, so the same .mjs also loads in browsers and workers.
var require, __dirname;
if (typeof process == "object" && process.versions && process.versions.node) {
  require = (await import("module")).createRequire(import.meta.url);
  __dirname = decodeURIComponent(new URL(".", import.meta.url).pathname);
}
