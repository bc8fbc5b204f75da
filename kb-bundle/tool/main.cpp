// lantern-kb: builds, signs, verifies and searches knowledge-base bundles.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "builder.h"
#include "sentiment_cli.h"
#include "lantern/bundle.h"
#include "lantern/search.h"
#include "lantern/signing.h"
#include "lantern/text.h"
#include "lantern/triage.h"

namespace {

using namespace lantern;

const char* kUsage = R"(lantern-kb: knowledge-base bundles for Lantern

  lantern-kb build --input PATH... --out FILE [--sign-key KEY] [--synonyms FILE]... [--forms DIR]
                  [--strings DIR]
      Reads Markdown folders/files (front matter: id, lang, title, category, tags,
      translation_of) and JSON Lines files ({"id","lang","title","body",...} a line),
      builds the search index, adds synonyms, form schemas (checked strictly) and UI strings
      (DIR/<lang>.json, section UIST) and writes
      one bundle; signs it with KEY (from keygen).
  lantern-kb keygen [--out PREFIX]
      Writes an ECDSA P-256 key pair: PREFIX.key (private, mode 0600) and PREFIX.pub.
  lantern-kb verify --bundle FILE --public-key KEY
      Checks size, content hash and signature; says which check failed.
  lantern-kb search --bundle FILE [--lang L] [--top K] [--public-key KEY] [--json] QUERY...
  lantern-kb repl --bundle FILE [--lang L] [--top K]
      Interactive search: one query a line, results as you press Enter.
  lantern-kb bench --bundle FILE --queries FILE [--lang L] [--rounds N]
      Query latency p50/p95/p99 (queries: JSON Lines with "q" and optional "lang", or plain lines).
  lantern-kb triage --bundle FILE [--lang L] [--json] DESCRIPTION...
      The likely form categories and articles for a user's own words.
  lantern-kb triage-eval --bundle FILE --set FILE
      Category accuracy on a labelled set (JSON Lines {"text","lang","category"}).
  lantern-kb sentiment [--bundle FILE] [--lang L] [--json] TEXT...
      Sentiment and urgency of a ticket text, with the words that fired (docs/SENTIMENT.md).
  lantern-kb sentiment-eval [--bundle FILE] --set FILE [errors]
      Accuracy on a labelled set (JSON Lines {"text","lang","sentiment","urgency","split"}) per
      split and language, beside the majority class; "errors" lists the dev part's misses.
      Without --bundle, or for a bundle built without --sentiment DIR, the built-in lexicons;
      `build ... --sentiment DIR` puts DIR/{en,zh,common}.txt into the bundle (section SENT).
  lantern-kb info --bundle FILE
)";

struct Args {
  std::string command;
  std::vector<std::string> inputs, synonyms, rest;
  std::string out, sign_key, bundle, public_key, lang, queries, forms, set, strings;
  std::size_t top = 10, rounds = 20;
  bool json = false;
  std::string sentiment_dir;  // build --sentiment DIR: lexicons as the SENT section
};

int fail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "lantern-kb: %s\n", msg.c_str());
  return code;
}

bool parse_args(int argc, char** argv, Args& a, std::string& err) {
  if (argc < 2) {
    err = "no command";
    return false;
  }
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string f = argv[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= argc) {
        err = f + " needs a value";
        return false;
      }
      dst = argv[++i];
      return true;
    };
    auto number = [&](std::size_t& dst) {
      std::string v;
      if (!value(v)) return false;
      char* end = nullptr;
      unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end || n == 0 || n > 100000) {
        err = f + " needs a positive whole number, not '" + v + "'";
        return false;
      }
      dst = n;
      return true;
    };
    bool ok = true;
    if (f == "--input") {
      if (i + 1 >= argc || std::strncmp(argv[i + 1], "--", 2) == 0) {
        err = "--input needs at least one path";
        return false;
      }
      while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) a.inputs.push_back(argv[++i]);
    } else if (f == "--synonyms") {
      std::string v;
      ok = value(v);
      a.synonyms.push_back(v);
    } else if (f == "--out") ok = value(a.out);
    else if (f == "--forms") ok = value(a.forms);
    else if (f == "--strings") ok = value(a.strings);
    else if (f == "--sign-key") ok = value(a.sign_key);
    else if (f == "--sentiment") ok = value(a.sentiment_dir);
    else if (f == "--bundle") ok = value(a.bundle);
    else if (f == "--public-key") ok = value(a.public_key);
    else if (f == "--lang") ok = value(a.lang);
    else if (f == "--queries") ok = value(a.queries);
    else if (f == "--set") ok = value(a.set);
    else if (f == "--top") ok = number(a.top);
    else if (f == "--rounds") ok = number(a.rounds);
    else if (f == "--json") a.json = true;
    else if (f == "--") {
      while (i + 1 < argc) a.rest.push_back(argv[++i]);
    } else if (f.rfind("--", 0) == 0) {
      err = "unknown option " + f;
      return false;
    } else a.rest.push_back(f);
    if (!ok) return false;
  }
  return true;
}

Result<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::io_error, path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Write, fsync, rename: a crash never leaves a half-written bundle or key under the real name.
Status write_atomic(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return make_error(ErrorCode::io_error, tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string e = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(ErrorCode::io_error, path + ": write failed: " + e);
    }
    done += std::size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::io_error, path + ": cannot flush to disk");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::io_error, path + ": " + std::strerror(errno));
  }
  return ok_status();
}

int cmd_build(const Args& a) {
  if (a.inputs.empty()) return fail("build: --input PATH is required", 2);
  if (a.out.empty()) return fail("build: --out FILE is required", 2);
  kbtool::BundleBuilder b;
  for (const auto& in : a.inputs) {
    if (auto st = b.add_input(in); !st) return fail(st.error().message);
  }
  for (const auto& s : a.synonyms) {
    auto content = slurp(s);
    if (!content) return fail(content.error().message);
    if (auto st = b.add_synonyms(*content, s); !st) return fail(st.error().message);
  }
  if (!a.forms.empty()) {
    if (auto st = b.add_forms(a.forms); !st) return fail(st.error().message);
  }
  if (!a.strings.empty()) {
    if (auto st = b.add_strings(a.strings); !st) return fail(st.error().message);
  }
  if (!a.sentiment_dir.empty()) {
    if (auto st = kbtool::add_sentiment_dir(b, a.sentiment_dir); !st) return fail(st.error().message);
  }
  std::uint64_t built_at = std::uint64_t(std::time(nullptr));
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH")) built_at = std::strtoull(sde, nullptr, 10);
  auto bytes = b.build(built_at);
  if (!bytes) return fail(bytes.error().message);
  std::string key;
  if (!a.sign_key.empty()) {
    auto k = slurp(a.sign_key);
    if (!k) return fail(k.error().message);
    key = *k;
  }
  if (auto st = kb::seal_bundle(*bytes, key); !st) return fail(st.error().message);
  if (auto st = write_atomic(a.out, *bytes, 0644); !st) return fail(st.error().message);
  std::fprintf(stderr, "lantern-kb: wrote %s: %zu articles, %zu bytes%s\n", a.out.c_str(), b.article_count(),
               bytes->size(), key.empty() ? " (unsigned)" : ", signed");
  return 0;
}

int cmd_keygen(const Args& a) {
  std::string prefix = a.out.empty() ? "lantern-kb" : a.out;
  auto kp = kb::generate_keypair();
  if (!kp) return fail(kp.error().message);
  if (auto st = write_atomic(prefix + ".key", kp->private_pem, 0600); !st) return fail(st.error().message);
  if (auto st = write_atomic(prefix + ".pub", kp->public_pem, 0644); !st) return fail(st.error().message);
  auto id = kb::public_key_id(kp->public_pem);
  std::printf("wrote %s.key (keep it secret) and %s.pub; key id %s\n", prefix.c_str(), prefix.c_str(),
              id ? id->c_str() : "?");
  return 0;
}

struct Loaded {
  std::string bytes;
};

Result<std::string> load_bundle(const Args& a) {
  if (a.bundle.empty()) return make_error(ErrorCode::invalid_argument, "--bundle FILE is required");
  auto bytes = slurp(a.bundle);
  if (!bytes) return bytes.error();
  const auto* p = reinterpret_cast<const std::uint8_t*>(bytes->data());
  Status st = a.public_key.empty() ? kb::check_integrity(p, bytes->size()) : Status(ok_status());
  if (!a.public_key.empty()) {
    auto key = slurp(a.public_key);
    if (!key) return key.error();
    st = kb::verify_bundle(p, bytes->size(), *key);
  }
  if (!st) return make_error(st.error().code, a.bundle + ": " + st.error().message);
  return bytes;
}

int cmd_verify(const Args& a) {
  if (a.public_key.empty()) return fail("verify: --public-key KEY is required", 2);
  auto bytes = load_bundle(a);
  if (!bytes) return fail(bytes.error().message);
  auto b = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
  if (!b) return fail(a.bundle + ": " + b.error().message);
  std::printf("%s: signature valid, %zu articles\n", a.bundle.c_str(), b->article_count());
  return 0;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

void print_hits(const std::vector<search::Hit>& hits, double us) {
  if (hits.empty()) std::printf("  (no articles match)\n");
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const auto& h = hits[i];
    std::printf("%2zu. [%.*s] %.*s  (%.*s, score %.2f%s)\n", i + 1, int(h.lang.size()), h.lang.data(),
                int(h.title.size()), h.title.data(), int(h.id.size()), h.id.data(), double(h.score),
                h.fallback ? ", other language" : "");
    std::printf("    %s\n", h.snippet.c_str());
  }
  std::printf("  %.0f µs\n", us);
}

int cmd_search(const Args& a, bool repl) {
  auto bytes = load_bundle(a);
  if (!bytes) return fail(bytes.error().message);
  auto b = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
  if (!b) return fail(a.bundle + ": " + b.error().message);
  search::Searcher s(*b);
  search::Options opt;
  opt.lang = a.lang;
  opt.top = a.top;
  auto run = [&](const std::string& q) -> int {
    auto t0 = std::chrono::steady_clock::now();
    auto hits = s.search(q, opt);
    double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    if (!hits) {
      if (a.json) {
        std::string e = "{\"error\":{\"code\":";
        search::append_json_string(e, error_code_name(hits.error().code));
        e += ",\"message\":";
        search::append_json_string(e, hits.error().message);
        e += "}}";
        std::printf("%s\n", e.c_str());
      }
      return fail(hits.error().message);
    }
    if (a.json) std::printf("%s\n", search::hits_to_json(*hits, us).c_str());
    else print_hits(*hits, us);
    return 0;
  };
  if (!repl) {
    if (a.rest.empty()) return fail("search: a QUERY is required", 2);
    return run(join(a.rest));
  }
  std::printf("Lantern offline search: %zu articles (%s). Type a question; an empty line quits.\n",
              b->article_count(), a.lang.empty() ? "all languages" : a.lang.c_str());
  std::string line;
  while (true) {
    std::printf("search> ");
    std::fflush(stdout);
    if (!std::getline(std::cin, line) || line.empty()) break;
    run(line);
  }
  return 0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = std::min(v.size() - 1, std::size_t(p / 100.0 * double(v.size() - 1) + 0.5));
  return v[i];
}

int cmd_bench(const Args& a) {
  if (a.queries.empty()) return fail("bench: --queries FILE is required", 2);
  auto t_load = std::chrono::steady_clock::now();
  auto bytes = load_bundle(a);
  if (!bytes) return fail(bytes.error().message);
  auto t_open = std::chrono::steady_clock::now();
  auto b = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
  if (!b) return fail(a.bundle + ": " + b.error().message);
  search::Searcher s(*b);
  double open_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t_open).count();
  (void)t_load;
  auto qtext = slurp(a.queries);
  if (!qtext) return fail(qtext.error().message);
  std::vector<std::pair<std::string, std::string>> queries;
  std::istringstream in(*qtext);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '{') {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("q") || !j["q"].is_string()) return fail(a.queries + ": a line is not {\"q\":…}");
      queries.emplace_back(j["q"].get<std::string>(), j.value("lang", a.lang));
    } else {
      queries.emplace_back(line, a.lang);
    }
  }
  if (queries.empty()) return fail(a.queries + ": no queries");
  std::vector<double> lat;
  for (std::size_t r = 0; r < a.rounds; ++r) {
    for (const auto& [q, l] : queries) {
      search::Options opt;
      opt.lang = l;
      opt.top = a.top;
      auto t0 = std::chrono::steady_clock::now();
      auto hits = s.search(q, opt);
      lat.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
      if (!hits) return fail("query '" + q + "': " + hits.error().message);
    }
  }
  std::printf("queries %zu x %zu rounds; open %.0f us; p50 %.1f us, p95 %.1f us, p99 %.1f us\n", queries.size(),
              a.rounds, open_us, percentile(lat, 50), percentile(lat, 95), percentile(lat, 99));
  return 0;
}

int cmd_triage(const Args& a, bool eval) {
  auto bytes = load_bundle(a);
  if (!bytes) return fail(bytes.error().message);
  auto b = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
  if (!b) return fail(a.bundle + ": " + b.error().message);
  auto forms_json = b->section_json(kb::tag("FORM"));
  if (forms_json.empty()) return fail(a.bundle + ": has no form schemas (build it with --forms)");
  auto set = forms::parse_form_set(forms_json);
  if (!set) return fail(set.error().message);
  search::Searcher s(*b);
  forms::Triager triager(s, *set);
  if (!eval) {
    if (a.rest.empty()) return fail("triage: a DESCRIPTION is required", 2);
    auto r = triager.triage(join(a.rest), a.lang.empty() ? "en" : a.lang);
    if (!r) return fail(r.error().message);
    for (std::size_t i = 0; i < r->categories.size() && i < 3; ++i) {
      std::printf("%zu. %s (%.2f)\n", i + 1, r->categories[i].form->id.c_str(), double(r->categories[i].score));
    }
    for (const auto& h : r->articles) std::printf("   article: %.*s\n", int(h.title.size()), h.title.data());
    return 0;
  }
  if (a.set.empty()) return fail("triage-eval: --set FILE is required", 2);
  auto text = slurp(a.set);
  if (!text) return fail(text.error().message);
  std::istringstream in(*text);
  std::string line;
  struct Tally { int n = 0, top1 = 0, top2 = 0; };
  std::map<std::string, Tally> by_lang;
  std::map<std::string, std::map<std::string, int>> confusion;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("text") || !j.contains("lang") || !j.contains("category")) {
      return fail(a.set + ":" + std::to_string(line_no) + ": expected {\"text\",\"lang\",\"category\"}");
    }
    std::string want = j["category"].get<std::string>(), lang = j["lang"].get<std::string>();
    if (!set->find(want)) return fail(a.set + ":" + std::to_string(line_no) + ": unknown category '" + want + "'");
    auto r = triager.triage(j["text"].get<std::string>(), lang, 0);
    if (!r) return fail(r.error().message);
    Tally& t = by_lang[text::canonical_language(lang)];
    Tally& all = by_lang["all"];
    const std::string got = r->categories[0].form->id;
    bool in2 = got == want || (r->categories.size() > 1 && r->categories[1].form->id == want);
    for (Tally* x : {&t, &all}) {
      x->n++;
      x->top1 += got == want;
      x->top2 += in2;
    }
    if (got != want) confusion[want][got]++;
  }
  for (const auto& [lang, t] : by_lang) {
    std::printf("%-4s n=%3d  top-1 %.1f%%  top-2 %.1f%%\n", lang.c_str(), t.n, 100.0 * t.top1 / t.n, 100.0 * t.top2 / t.n);
  }
  for (const auto& [want, gots] : confusion) {
    for (const auto& [got, n] : gots) std::printf("  %s -> %s: %d\n", want.c_str(), got.c_str(), n);
  }
  return 0;
}

int cmd_sentiment(const Args& a, bool eval) {
  kbtool::SentimentArgs s{std::string(), a.bundle, a.lang, a.set, a.json, a.rest};
  if (!a.bundle.empty()) {
    auto bytes = load_bundle(a);
    if (!bytes) return fail(bytes.error().message);
    s.bundle_bytes = std::move(*bytes);
  }
  return kbtool::sentiment_command(s, eval);
}

int cmd_info(const Args& a) {
  auto bytes = load_bundle(a);
  if (!bytes) return fail(bytes.error().message);
  auto b = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
  if (!b) return fail(a.bundle + ": " + b.error().message);
  std::printf("%.*s\n", int(b->metadata_json().size()), b->metadata_json().data());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Args a;
  std::string err;
  if (!parse_args(argc, argv, a, err)) {
    std::fprintf(stderr, "lantern-kb: %s\n\n%s", err.c_str(), kUsage);
    return 2;
  }
  if (a.command == "build") return cmd_build(a);
  if (a.command == "keygen") return cmd_keygen(a);
  if (a.command == "verify") return cmd_verify(a);
  if (a.command == "search") return cmd_search(a, false);
  if (a.command == "repl") return cmd_search(a, true);
  if (a.command == "bench") return cmd_bench(a);
  if (a.command == "info") return cmd_info(a);
  if (a.command == "triage") return cmd_triage(a, false);
  if (a.command == "triage-eval") return cmd_triage(a, true);
  if (a.command == "sentiment") return cmd_sentiment(a, false);
  if (a.command == "sentiment-eval") return cmd_sentiment(a, true);
  std::fprintf(stderr, "lantern-kb: unknown command '%s'\n\n%s", a.command.c_str(), kUsage);
  return 2;
}
