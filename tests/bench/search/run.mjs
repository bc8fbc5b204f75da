// Search benchmark: lantern-core (WebAssembly) against MiniSearch, FlexSearch and Pagefind, on the
// same corpus and labelled queries. Run: node --no-experimental-fetch run.mjs [--repo DIR] [--rounds N]
//   [--corpus FILE] [--queries FILE] [--out FILE] [--native-fallback]
// Prints a Markdown table and writes results.json. See README.md for what each column means.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import MiniSearch from 'minisearch';
import { Document } from 'flexsearch';
import * as pagefind from 'pagefind';

const here = path.dirname(fileURLToPath(import.meta.url));
const TOP = 5;

function parseArgs(argv) {
  const o = { repo: path.resolve(here, '../../..'), rounds: 20, nativeFallback: false,
              queries: path.join(here, 'queries.jsonl'), out: path.join(here, 'results.json') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], val = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--repo') o.repo = path.resolve(val());
    else if (a === '--rounds') o.rounds = Number(val());
    else if (a === '--corpus') o.corpus = path.resolve(val());
    else if (a === '--queries') o.queries = path.resolve(val());
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--native-fallback') o.nativeFallback = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('--rounds must be a positive integer');
  o.corpus ??= path.resolve(o.repo, '../shared/corpus/crypto-faq.jsonl');
  return o;
}

const readJsonl = (f) => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const pkgVersion = (name) => JSON.parse(fs.readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version;
const now = () => performance.now();
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

// ---- engines: each returns {name, version, mode, buildMs, indexBytes, loadMs, notes[], search(q, lang) -> ids, async}

async function lantern(opt, docs) {
  const tool = path.join(opt.repo, 'build/native/kb-bundle/lantern-kb');
  const mjs = path.join(opt.repo, 'dist/web/lantern-core.mjs');
  if (!fs.existsSync(mjs) && !opt.nativeFallback)
    throw new Error(`lantern: ${mjs} is missing; build the WebAssembly module (make test), or pass --native-fallback ` +
                    'to measure relevance only with the native CLI (such figures are not the ones to report)');
  if (!fs.existsSync(tool)) throw new Error(`lantern: ${tool} is missing; build the native tools first`);
  const bundle = path.join(opt.tmp, 'corpus.bundle');
  let t = now();
  execFileSync(tool, ['build', '--input', opt.corpus, '--synonyms', path.join(opt.repo, 'kb-bundle/synonyms.txt'), '--out', bundle],
               { stdio: ['ignore', 'ignore', 'pipe'] });
  const e = { name: 'lantern-core', version: projectVersion(opt.repo), buildMs: now() - t, indexBytes: fs.statSync(bundle).size,
              notes: ['build = `lantern-kb build` run as a child process (process start included); size = the bundle file, ' +
                      'which also holds the article text for snippets and rendering'] };
  if (fs.existsSync(mjs)) {
    const { default: createLanternCore } = await import(pathToFileURL(mjs).href);
    t = now();
    const core = await createLanternCore();
    const moduleMs = now() - t;
    const bytes = new Uint8Array(fs.readFileSync(bundle));
    t = now();
    const kb = core.openBundle(bytes);
    e.loadMs = now() - t;
    e.mode = 'wasm';
    e.notes.push(`load = openBundle(bytes); instantiating the WebAssembly module took another ${moduleMs.toFixed(1)} ms`);
    e.search = (q, lang) => kb.search(q, { lang, top: TOP }).hits.map((h) => h.id);
    // The same engine doing the peers' work (ids only, no snippets), for a like-for-like latency.
    e.idsOnly = (q, lang) => kb.search(q, { lang, top: TOP, snippets: false }).hits.map((h) => h.id);
  } else {
    e.mode = 'native-cli (relevance only)';
    e.notes.push(`${mjs} not found: relevance from \`lantern-kb search\` (native); load time and latency not measured`);
    e.search = (q, lang) => JSON.parse(execFileSync(tool, ['search', '--bundle', bundle, '--lang', lang, '--top', String(TOP), '--json', q],
                                                    { encoding: 'utf8' })).hits.map((h) => h.id);
    e.relevanceOnly = true;
  }
  return e;
}

function projectVersion(repo) {
  const m = /project\(\s*lantern\s+VERSION\s+([\d.]+)/.exec(fs.readFileSync(path.join(repo, 'CMakeLists.txt'), 'utf8'));
  return m ? m[1] : 'unknown';
}

async function minisearch(opt, docs) {
  const options = { fields: ['title', 'body'], storeFields: ['title', 'lang'],
                    searchOptions: { prefix: true, fuzzy: 0.2, boost: { title: 2 } } };
  let t = now();
  const built = new MiniSearch(options);
  built.addAll(docs);
  const buildMs = now() - t;
  const json = JSON.stringify(built);
  t = now();
  const ms = MiniSearch.loadJSON(json, options);
  const loadMs = now() - t;
  return { name: 'MiniSearch', version: pkgVersion('minisearch'), mode: 'js', buildMs, indexBytes: Buffer.byteLength(json), loadMs,
           notes: ['one index for both languages, results filtered by lang (search option `filter`); default tokenizer'],
           search: (q, lang) => ms.search(q, { filter: (r) => r.lang === lang }).slice(0, TOP).map((r) => r.id) };
}

async function flexsearch(opt, docs) {
  const config = () => ({ preset: 'match', document: { id: 'id', index: ['title', 'body'], tag: ['lang'], store: ['title'] } });
  let t = now();
  const built = new Document(config());
  for (const d of docs) built.add(d);
  const buildMs = now() - t;
  const parts = new Map();
  await built.export((key, data) => { parts.set(key, data); });
  let indexBytes = 0;
  for (const [k, v] of parts) indexBytes += Buffer.byteLength(k) + Buffer.byteLength(v ?? '');
  t = now();
  const ix = new Document(config());
  for (const [k, v] of parts) ix.import(k, v);
  const loadMs = now() - t;
  return { name: 'FlexSearch', version: pkgVersion('flexsearch'), mode: 'js', buildMs, indexBytes, loadMs,
           notes: [`Document, preset "match" (tokenize "forward"), default encoder; lang as a tag; export = ${parts.size} keys; ` +
                   'search options left at their defaults (no `suggest`, so every query term must match)'],
           search: (q, lang) => [...new Set(ix.search(q, { tag: { lang }, limit: TOP, merge: true }).map((r) => r.id))].slice(0, TOP) };
}

async function pagefindEngine(opt, docs) {
  let t = now();
  const { index, errors } = await pagefind.createIndex({});
  if (errors.length) throw new Error(`pagefind: ${errors.join('; ')}`);
  for (const d of docs) {
    const r = await index.addCustomRecord({ url: '/' + d.id, content: `${d.title}\n${d.body}`, language: d.lang, meta: { title: d.title } });
    if (r.errors.length) throw new Error(`pagefind: ${r.errors.join('; ')}`);
  }
  const { files } = await index.getFiles();
  const buildMs = now() - t;
  const mem = new Map(files.map((f) => [f.path, new Uint8Array(f.content)]));
  let indexBytes = 0, dataBytes = 0;
  for (const [p, b] of mem) { indexBytes += b.length; if (!/\.(js|css)$/.test(p)) dataBytes += b.length; }
  const e = { name: 'Pagefind', version: pkgVersion('pagefind'), mode: 'wasm (browser runtime in Node)', buildMs, indexBytes, async: true,
              notes: [`build = createIndex + addCustomRecord + getFiles (native binary as a child service); size = all ${files.length} ` +
                      `files it writes; ${dataBytes} bytes without the UI/JS/CSS files`] };
  try {
    // pagefind.js is the browser runtime: it fetches its entry, wasm, metadata, index chunks and fragments from basePath.
    // A fetch shim serves them from the in-memory files; a stub `document` tells it the page language.
    const dir = opt.tmp;
    fs.mkdirSync(path.join(dir, 'pagefind'));
    fs.writeFileSync(path.join(dir, 'pagefind', 'pagefind.js'), mem.get('pagefind.js'));
    globalThis.fetch = async (input) => {
      const p = String(input).replace(/^.*?\/pagefind\//, '').replace(/[?#].*$/, '');
      const b = mem.get(p);
      if (!b) return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0), json: async () => null, text: async () => '' };
      return { ok: true, status: 200, arrayBuffer: async () => b.slice().buffer, json: async () => JSON.parse(Buffer.from(b).toString()),
               text: async () => Buffer.from(b).toString() };
    };
    // One module instance per language: the runtime keeps its wasm in a module-level variable, and a second
    // language's instance in the same module instance overwrites it (wasm traps on the first one's searches).
    const inst = {};
    t = now();
    for (const lang of new Set(docs.map((d) => d.lang))) {
      const rt = await import(`${pathToFileURL(path.join(dir, 'pagefind', 'pagefind.js')).href}?lang=${lang}`);
      globalThis.document = { querySelector: () => ({ getAttribute: () => lang }) };
      inst[lang] = rt.createInstance({ basePath: '/pagefind/' });
      delete globalThis.document;
      await inst[lang].init();
    }
    e.loadMs = now() - t;
    e.notes.push('load = import pagefind.js + createInstance + init per language (entry, its wasm, metadata); index chunks and fragments load lazily on ' +
                 'first search; latency = search() + data() of the top 5 (the result ids live in the fragments)');
    e.search = async (q, lang) => {
      const r = await inst[lang].search(q);
      return (await Promise.all(r.results.slice(0, TOP).map((x) => x.data()))).map((d) => d.url.replace(/^\//, ''));
    };
    await e.search('bitcoin', 'en'); // fail here, not inside the measurement, if the runtime cannot search
  } catch (err) {
    e.mode = 'build only';
    e.search = null;
    e.notes.push(`searching with Pagefind's browser runtime in Node failed: ${err?.message ?? err}`);
  }
  return e;
}

// ---- measurement

function relevanceOf(ranked, queries) {
  const agg = {};
  queries.forEach((q, i) => {
    const top = ranked[i];
    const first = top.findIndex((id) => q.relevant.includes(id));
    const rr = first < 0 ? 0 : 1 / (first + 1);
    const rec = q.relevant.filter((id) => top.includes(id)).length / q.relevant.length;
    for (const key of [q.lang, `${q.lang}/${q.kind}`]) {
      const a = (agg[key] ??= { n: 0, mrr5: 0, recall5: 0 });
      a.n++; a.mrr5 += rr; a.recall5 += rec;
    }
  });
  for (const a of Object.values(agg)) { a.mrr5 /= a.n; a.recall5 /= a.n; }
  return agg;
}

async function measure(e, queries, docLang, rounds) {
  const run = async (q) => (e.async ? await e.search(q.q, q.lang) : e.search(q.q, q.lang));
  // warm-up pass; its answers are the ones judged (top 5 after dropping other-language hits)
  const ranked = [];
  let dropped = 0;
  for (const q of queries) {
    const ids = await run(q), same = ids.filter((id) => docLang.get(id) === q.lang);
    dropped += ids.length - same.length;
    ranked.push(same.slice(0, TOP));
  }
  let lat = null;
  if (!e.relevanceOnly) {
    lat = [];
    for (let r = 0; r < rounds; r++) {
      for (const q of queries) {
        const t = now();
        if (e.async) await e.search(q.q, q.lang); else e.search(q.q, q.lang);
        lat.push((now() - t) * 1000);
      }
    }
    lat.sort((a, b) => a - b);
  }
  return { ranked, dropped, p50: lat && percentile(lat, 50), p95: lat && percentile(lat, 95) };
}

// ---- output

const fmt = (v, d = 0) => (v == null ? 'n/a' : v.toFixed(d));
function table(results, kinds) {
  const lines = [
    '| engine | version | mode | build ms | index bytes | load ms | p50 µs | p95 µs | MRR@5 en | R@5 en | MRR@5 zh | R@5 zh |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|'];
  for (const r of results) {
    const rel = r.relevance, en = rel?.en, zh = rel?.zh;
    lines.push(`| ${r.name} | ${r.version} | ${r.mode} | ${fmt(r.build_ms)} | ${r.index_bytes} | ${fmt(r.load_ms, 1)} | ` +
               `${fmt(r.p50_us, 1)} | ${fmt(r.p95_us, 1)} | ${fmt(en?.mrr5, 3)} | ${fmt(en?.recall5, 3)} | ${fmt(zh?.mrr5, 3)} | ${fmt(zh?.recall5, 3)} |`);
  }
  lines.push('', 'MRR@5 by query kind (number of queries in brackets):', '',
             `| engine | ${kinds.map(([k, n]) => `${k} (${n})`).join(' | ')} |`, `|---|${kinds.map(() => '--:').join('|')}|`);
  for (const r of results) lines.push(`| ${r.name} | ${kinds.map(([k]) => fmt(r.relevance?.[k]?.mrr5, 3)).join(' | ')} |`);
  lines.push('');
  for (const r of results) for (const n of r.notes) lines.push(`- ${r.name}: ${n}`);
  return lines.join('\n');
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const docs = readJsonl(opt.corpus);
  const docLang = new Map(docs.map((d) => [d.id, d.lang]));
  const queries = readJsonl(opt.queries);
  for (const q of queries) {
    const bad = q.relevant.filter((id) => docLang.get(id) !== q.lang);
    if (!q.relevant.length || bad.length) throw new Error(`${opt.queries}: query "${q.q}": relevant ids missing or not in ${q.lang}: ${bad}`);
  }
  const kinds = Object.entries(queries.reduce((m, q) => ((m[`${q.lang}/${q.kind}`] = (m[`${q.lang}/${q.kind}`] ?? 0) + 1), m), {})).sort();
  const results = [];
  opt.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lantern-search-bench-'));
  try {
    const variants = [];
    for (const make of [lantern, minisearch, flexsearch, pagefindEngine]) variants.push(make);
    for (let i = 0; i < variants.length; i++) {
      const made = await variants[i](opt, docs);
      if (made.idsOnly) {
        const ids = { ...made, name: `${made.name} (ids only)`, search: made.idsOnly, notes: ['same bundle and engine, search without snippets: the work the peers do'] };
        delete ids.idsOnly;
        variants.splice(i + 1, 0, async () => ids);
      }
      const e = made;
      const r = { name: e.name, version: e.version, mode: e.mode, build_ms: e.buildMs, index_bytes: e.indexBytes,
                  load_ms: e.loadMs ?? null, p50_us: null, p95_us: null, relevance: null, notes: e.notes, queries: null };
      if (e.search) {
        const m = await measure(e, queries, docLang, opt.rounds);
        if (m.dropped) r.notes.push(`${m.dropped} other-language hits dropped from its answers before judging`);
        Object.assign(r, { p50_us: m.p50, p95_us: m.p95, relevance: relevanceOf(m.ranked, queries),
                           queries: queries.map((q, i) => ({ q: q.q, lang: q.lang, kind: q.kind, top5: m.ranked[i] })) });
      }
      results.push(r);
      process.stderr.write(`${e.name}: done\n`);
    }
  } finally {
    await pagefind.close();
    fs.rmSync(opt.tmp, { recursive: true, force: true });
  }
  const out = { generated: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length,
                corpus: { file: path.relative(here, opt.corpus), articles: docs.length }, queries: { file: path.relative(here, opt.queries), count: queries.length, kinds: Object.fromEntries(kinds) },
                rounds: opt.rounds, top: TOP, engines: results };
  fs.writeFileSync(opt.out, JSON.stringify(out, null, 1) + '\n');
  console.log(`Corpus: ${docs.length} articles; ${queries.length} queries; ${opt.rounds} timed rounds each after a warm-up; ` +
              `Node ${process.version}, ${out.cpu} (${out.cores} cores).\n`);
  console.log(table(results, kinds));
  console.log(`\nWrote ${opt.out}`);
  if (results.some((r) => r.mode.startsWith('native-cli'))) console.log('\nNOTE: lantern figures come from the native CLI fallback, not the WebAssembly module.');
}

main().catch((err) => { console.error(`run.mjs: ${process.env.DEBUG ? err?.stack : err?.message ?? err}`); process.exit(1); });
