#include "analytics.h"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "lantern/secret_guard.h"
#include "lantern/text.h"
#include "store/sqlite_db.h"

namespace lantern::relay {

using nlohmann::json;

namespace {

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Article ids ("2fa-lost@en") and categories are slugs: letters, digits, . _ - @, at most 128 bytes.
bool is_slug(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '@';
    if (!ok) return false;
  }
  return true;
}

// Cuts at most `max` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

const char* kSchema = R"SQL(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS search_counts (
  day TEXT NOT NULL, lang TEXT NOT NULL, query TEXT NOT NULL,
  searches INTEGER NOT NULL, zero_results INTEGER NOT NULL, opened INTEGER NOT NULL,
  PRIMARY KEY (day, lang, query)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS article_votes (
  day TEXT NOT NULL, lang TEXT NOT NULL, article_id TEXT NOT NULL,
  helpful INTEGER NOT NULL, not_helpful INTEGER NOT NULL,
  PRIMARY KEY (day, lang, article_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contact_flows (
  day TEXT NOT NULL, category TEXT NOT NULL,
  flows INTEGER NOT NULL, article_opened INTEGER NOT NULL, tickets_filed INTEGER NOT NULL, deflected INTEGER NOT NULL,
  PRIMARY KEY (day, category)) WITHOUT ROWID;
)SQL";

// Day bounds for the range queries: "" means open.
std::string lo_day(const std::string& d) { return d.empty() ? "0000-00-00" : d; }
std::string hi_day(const std::string& d) { return d.empty() ? "9999-99-99" : d; }

}  // namespace

std::string utc_day(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

std::string normalize_query(std::string_view raw) {
  std::string n = text::normalize(raw);
  std::string out;
  bool space = false;
  for (char c : n) {
    bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (ws) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  out = cut_utf8(std::move(out), kMaxQueryBytes);
  while (!out.empty() && out.back() == ' ') out.pop_back();  // the cut may end on a space
  return out;
}

ParsedEvents parse_events(std::string_view body, const EventVocabulary& vocab) {
  ParsedEvents out;
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    out.shape_error = "the body is not valid JSON (UTF-8)";
    return out;
  }
  if (!j.is_object() || !j.contains("events") || !j["events"].is_array()) {
    out.shape_error = "send {\"events\": [ … ]}";
    return out;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "events") continue;
    // Named, but never empty (a key can be "") nor echoed at full length.
    std::string name = it.key().empty() ? "\"\"" : cut_utf8(it.key(), 40);
    out.errors.push_back({name, "unknown_field", "unknown field '" + name + "'; only \"events\" is sent"});
  }
  const json& list = j["events"];
  if (list.empty()) out.errors.push_back({"events", "required", "the batch is empty"});
  if (list.size() > kMaxEventsPerBatch) {
    out.errors.push_back({"events", "too_long", "at most " + std::to_string(kMaxEventsPerBatch) + " events per batch"});
    return out;
  }
  std::vector<AnalyticsEvent> events;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& e = list[i];
    std::string at = "events[" + std::to_string(i) + "]";
    auto err = [&](const std::string& field, const char* code, std::string message) {
      out.errors.push_back({field.empty() ? at : at + "." + field, code, std::move(message)});
    };
    if (!e.is_object()) {
      err("", "type", "an event is an object");
      continue;
    }
    if (!e.contains("kind") || !e["kind"].is_string()) {
      err("kind", e.contains("kind") ? "type" : "required", "kind is one of article_vote, search, contact");
      continue;
    }
    std::string kind = e["kind"].get<std::string>();
    AnalyticsEvent ev;
    std::vector<const char*> allowed;
    if (kind == "article_vote") {
      ev.kind = EventKind::article_vote;
      allowed = {"kind", "article_id", "helpful", "lang"};
    } else if (kind == "search") {
      ev.kind = EventKind::search;
      allowed = {"kind", "query", "lang", "results", "opened"};
    } else if (kind == "contact") {
      ev.kind = EventKind::contact;
      allowed = {"kind", "category", "article_opened_before", "ticket_filed"};
    } else {
      err("kind", "unknown_kind", "unknown kind '" + cut_utf8(kind, 40) + "'; one of article_vote, search, contact");
      continue;
    }
    std::size_t before = out.errors.size();
    for (auto f = e.begin(); f != e.end(); ++f) {
      bool known = false;
      for (const char* a : allowed) known |= f.key() == a;
      if (!known) err(cut_utf8(f.key(), 40), "unknown_field", "unknown field for " + kind + " (no user ids or free text are taken)");
    }
    auto need = [&](const char* name) -> const json* {
      if (!e.contains(name)) {
        err(name, "required", std::string(name) + " is required");
        return nullptr;
      }
      return &e[name];
    };
    auto boolean = [&](const char* name, bool& dst) {
      if (const json* v = need(name)) {
        if (v->is_boolean()) dst = v->get<bool>();
        else err(name, "type", std::string(name) + " must be true or false");
      }
    };
    auto lang = [&]() {
      if (const json* v = need("lang")) {
        std::string l = v->is_string() ? text::canonical_language(v->get<std::string>()) : "";
        if (l.empty()) err("lang", "type", "lang must be a language tag such as \"en\" or \"zh-CN\"");
        ev.lang = l;
      }
    };
    auto article = [&](const char* name, const json& v) {
      if (!v.is_string() || !is_slug(v.get<std::string>())) {
        err(name, "type", std::string(name) + " must be an article id (letters, digits, . _ - @)");
        return;
      }
      ev.article_id = v.get<std::string>();
      if (vocab.is_article && !vocab.is_article(ev.article_id)) err(name, "unknown_article", "no article '" + ev.article_id + "' in the relay's bundle");
    };
    switch (ev.kind) {
      case EventKind::article_vote:
        if (const json* v = need("article_id")) article("article_id", *v);
        boolean("helpful", ev.helpful);
        lang();
        break;
      case EventKind::search: {
        lang();
        if (const json* v = need("results")) {
          if (!v->is_number_integer() || v->get<std::int64_t>() < 0 || v->get<std::int64_t>() > 1000000) {
            err("results", "type", "results must be a whole number from 0");
          } else {
            ev.results = v->get<std::int64_t>();
          }
        }
        if (const json* v = need("opened")) {
          if (!v->is_null()) article("opened", *v);
        }
        if (const json* v = need("query")) {
          if (!v->is_string()) {
            err("query", "type", "query must be a string");
          } else {
            const std::string& raw = v->get_ref<const std::string&>();
            if (raw.size() > kMaxRawQueryBytes) {
              err("query", "too_long", "query is longer than " + std::to_string(kMaxRawQueryBytes) + " bytes");
            } else {
              ev.query = normalize_query(raw);
              if (ev.query.empty()) err("query", "required", "query is empty");
            }
            // The raw text, whole: a query that looks like a seed phrase or a key is never stored.
            if (out.errors.size() == before && !forms::scan_secrets(raw, forms::FieldKind::free_text).empty()) {
              ++out.secrets_dropped;
              continue;
            }
          }
        }
        break;
      }
      case EventKind::contact:
        if (const json* v = need("category")) {
          if (!v->is_string() || !is_slug(v->get<std::string>())) {
            err("category", "type", "category must be a form id (letters, digits, . _ - @)");
          } else {
            ev.category = v->get<std::string>();
            if (vocab.is_category && !vocab.is_category(ev.category)) err("category", "unknown_category", "no form '" + ev.category + "' in the relay's bundle");
          }
        }
        boolean("article_opened_before", ev.article_opened_before);
        boolean("ticket_filed", ev.ticket_filed);
        break;
    }
    if (out.errors.size() == before) events.push_back(std::move(ev));
  }
  if (out.errors.empty()) out.events = std::move(events);
  return out;
}

bool Aggregates::add(const AnalyticsEvent& e, const std::string& day, std::size_t max_keys) {
  bool room = keys() < max_keys;
  switch (e.kind) {
    case EventKind::search: {
      auto key = std::make_tuple(day, e.lang, e.query);
      auto it = searches.find(key);
      if (it == searches.end()) {
        if (!room) return false;
        it = searches.emplace(key, SearchCounts{}).first;
      }
      it->second.searches += 1;
      it->second.zero_results += e.results == 0 ? 1 : 0;
      it->second.opened += e.article_id.empty() ? 0 : 1;
      return true;
    }
    case EventKind::article_vote: {
      auto key = std::make_tuple(day, e.lang, e.article_id);
      auto it = votes.find(key);
      if (it == votes.end()) {
        if (!room) return false;
        it = votes.emplace(key, VoteCounts{}).first;
      }
      (e.helpful ? it->second.helpful : it->second.not_helpful) += 1;
      return true;
    }
    case EventKind::contact: {
      auto key = std::make_tuple(day, e.category);
      auto it = contacts.find(key);
      if (it == contacts.end()) {
        if (!room) return false;
        it = contacts.emplace(key, ContactCounts{}).first;
      }
      it->second.flows += 1;
      it->second.article_opened += e.article_opened_before ? 1 : 0;
      it->second.tickets_filed += e.ticket_filed ? 1 : 0;
      it->second.deflected += e.article_opened_before && !e.ticket_filed ? 1 : 0;
      return true;
    }
  }
  return false;
}

Result<std::unique_ptr<Analytics>> Analytics::open(AnalyticsOptions options) {
  if (!options.now_ms) options.now_ms = system_now_ms;
  if (options.queue_events == 0) options.queue_events = 1;
  std::unique_ptr<Analytics> a(new Analytics(std::move(options)));
  std::string path = a->options_.dir + "/analytics.db";
  auto w = sqlite::Db::open(path);
  if (!w) return w.error();
  a->writer_ = std::move(*w);
  if (auto st = a->writer_->exec("PRAGMA busy_timeout=5000;"); !st) return st.error();
  if (auto st = a->writer_->exec(kSchema); !st) return make_error(st.error().code, path + ": " + st.error().message);
  auto r = sqlite::Db::open(path);
  if (!r) return r.error();
  a->reader_ = std::move(*r);
  if (auto st = a->reader_->exec("PRAGMA busy_timeout=5000;"); !st) return st.error();
  a->queue_.reserve(a->options_.queue_events);
  a->thread_ = std::thread([p = a.get()] { p->run(); });
  return a;
}

Analytics::Analytics(AnalyticsOptions o) : options_(std::move(o)) {}

Analytics::~Analytics() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t Analytics::submit(std::vector<AnalyticsEvent> events) {
  std::size_t taken = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t room = options_.queue_events > queue_.size() ? options_.queue_events - queue_.size() : 0;
    taken = std::min(room, events.size());
    for (std::size_t i = 0; i < taken; ++i) queue_.push_back(std::move(events[i]));
  }
  accepted_ += taken;
  dropped_ += events.size() - taken;
  if (taken) wake_.notify_one();
  return taken;
}

std::size_t Analytics::queue_depth() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

bool Analytics::sync(int timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  std::uint64_t mine = ++sync_wanted_;
  wake_.notify_one();
  return synced_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return sync_done_ >= mine || stopping_; }) && sync_done_ >= mine;
}

void Analytics::run() {
  Aggregates pending;
  std::vector<AnalyticsEvent> batch;
  batch.reserve(options_.queue_events);
  auto last_flush = std::chrono::steady_clock::now();
  std::string pruned_on;  // the day the last prune ran: once a day is enough
  const auto interval = std::chrono::milliseconds(options_.flush_interval_ms);
  for (;;) {
    std::uint64_t sync_to = 0;
    bool sync_pending = false, stopping = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_until(lock, last_flush + interval, [&] { return !queue_.empty() || stopping_ || sync_wanted_ > sync_done_; });
      batch.swap(queue_);  // the queue is free again at once; counting happens outside the lock
      sync_to = sync_wanted_;
      sync_pending = sync_wanted_ > sync_done_;
      stopping = stopping_;
    }
    std::int64_t now = options_.now_ms();
    std::string day = utc_day(now);
    if (options_.retention_days > 0 && day != pruned_on) {
      // Counters are kept for a bounded time: the database stays small and queries do not linger.
      if (prune(utc_day(now - std::int64_t(options_.retention_days) * 86'400'000))) pruned_on = day;
      else ++flush_errors_;
    }
    for (const auto& e : batch) {
      if (!pending.add(e, day, options_.max_pending_keys)) {
        ++dropped_;
        --accepted_;
      }
    }
    batch.clear();
    bool due = std::chrono::steady_clock::now() - last_flush >= interval;
    if (!pending.empty() && (due || sync_pending || stopping)) {
      if (flush(pending)) {
        ++flushes_;
        pending = Aggregates{};
      } else {
        ++flush_errors_;  // kept in memory and tried again at the next interval (bounded by max_pending_keys)
      }
      last_flush = std::chrono::steady_clock::now();
    } else if (due) {
      last_flush = std::chrono::steady_clock::now();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (sync_to > sync_done_) sync_done_ = sync_to;
    }
    synced_.notify_all();
    if (stopping) return;
  }
}

Status Analytics::flush(const Aggregates& a) {
  sqlite::Db& db = *writer_;
  if (auto st = db.exec("BEGIN IMMEDIATE"); !st) return st;
  auto fail = [&](Status st) {
    (void)db.exec("ROLLBACK");  // the first error is the one to report
    return st;
  };
  for (const auto& [k, c] : a.searches) {
    sqlite::Query q(db, "INSERT INTO search_counts(day,lang,query,searches,zero_results,opened) VALUES(?,?,?,?,?,?) "
                        "ON CONFLICT(day,lang,query) DO UPDATE SET searches=searches+excluded.searches, "
                        "zero_results=zero_results+excluded.zero_results, opened=opened+excluded.opened");
    q.bind(std::get<0>(k), std::get<1>(k), std::get<2>(k), c.searches, c.zero_results, c.opened);
    if (auto st = q.run("analytics: search counts"); !st) return fail(st);
  }
  for (const auto& [k, c] : a.votes) {
    sqlite::Query q(db, "INSERT INTO article_votes(day,lang,article_id,helpful,not_helpful) VALUES(?,?,?,?,?) "
                        "ON CONFLICT(day,lang,article_id) DO UPDATE SET helpful=helpful+excluded.helpful, "
                        "not_helpful=not_helpful+excluded.not_helpful");
    q.bind(std::get<0>(k), std::get<1>(k), std::get<2>(k), c.helpful, c.not_helpful);
    if (auto st = q.run("analytics: article votes"); !st) return fail(st);
  }
  for (const auto& [k, c] : a.contacts) {
    sqlite::Query q(db, "INSERT INTO contact_flows(day,category,flows,article_opened,tickets_filed,deflected) VALUES(?,?,?,?,?,?) "
                        "ON CONFLICT(day,category) DO UPDATE SET flows=flows+excluded.flows, "
                        "article_opened=article_opened+excluded.article_opened, tickets_filed=tickets_filed+excluded.tickets_filed, "
                        "deflected=deflected+excluded.deflected");
    q.bind(std::get<0>(k), std::get<1>(k), c.flows, c.article_opened, c.tickets_filed, c.deflected);
    if (auto st = q.run("analytics: contact flows"); !st) return fail(st);
  }
  if (auto st = db.exec("COMMIT"); !st) return fail(st);
  return ok_status();
}

Status Analytics::prune(const std::string& before_day) {
  sqlite::Db& db = *writer_;
  for (const char* sql : {"DELETE FROM search_counts WHERE day < ?", "DELETE FROM article_votes WHERE day < ?",
                          "DELETE FROM contact_flows WHERE day < ?"}) {
    sqlite::Query q(db, sql);
    q.bind(before_day);
    if (auto st = q.run("analytics: deleting old counters"); !st) return st;
  }
  return ok_status();
}

Result<std::vector<QueryRow>> Analytics::query_rows(const std::string& from_day, const std::string& to_day, const std::string& lang) {
  std::lock_guard<std::mutex> lock(reader_mu_);
  sqlite::Query q(*reader_, "SELECT lang, query, SUM(searches), SUM(zero_results), SUM(opened) FROM search_counts "
                            "WHERE day >= ? AND day <= ? AND (? = '' OR lang = ?) GROUP BY lang, query");
  q.bind(lo_day(from_day), hi_day(to_day), lang, lang);
  std::vector<QueryRow> rows;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) rows.push_back({q.text(0), q.text(1), q.int64(2), q.int64(3), q.int64(4)});
  if (rc != SQLITE_DONE) return q.error(rc, "analytics: reading search counts");
  return rows;
}

Result<std::vector<ArticleRow>> Analytics::article_rows(const std::string& from_day, const std::string& to_day, const std::string& lang) {
  std::lock_guard<std::mutex> lock(reader_mu_);
  sqlite::Query q(*reader_, "SELECT article_id, SUM(helpful), SUM(not_helpful) FROM article_votes "
                            "WHERE day >= ? AND day <= ? AND (? = '' OR lang = ?) GROUP BY article_id");
  q.bind(lo_day(from_day), hi_day(to_day), lang, lang);
  std::vector<ArticleRow> rows;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) rows.push_back({q.text(0), q.int64(1), q.int64(2)});
  if (rc != SQLITE_DONE) return q.error(rc, "analytics: reading article votes");
  return rows;
}

Result<std::vector<CategoryFlowRow>> Analytics::category_rows(const std::string& from_day, const std::string& to_day) {
  std::lock_guard<std::mutex> lock(reader_mu_);
  sqlite::Query q(*reader_, "SELECT category, SUM(flows), SUM(article_opened), SUM(tickets_filed), SUM(deflected) FROM contact_flows "
                            "WHERE day >= ? AND day <= ? GROUP BY category");
  q.bind(lo_day(from_day), hi_day(to_day));
  std::vector<CategoryFlowRow> rows;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) rows.push_back({q.text(0), {q.int64(1), q.int64(2), q.int64(3), q.int64(4)}});
  if (rc != SQLITE_DONE) return q.error(rc, "analytics: reading contact flows");
  return rows;
}

}  // namespace lantern::relay
