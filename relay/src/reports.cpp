#include "reports.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "lantern/text.h"
#include "store/sqlite_db.h"

namespace lantern::relay {

using nlohmann::json;

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool is_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out.push_back(' ');
    else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(char(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else out.push_back(s[i]);
  }
  return out;
}

bool is_resolved(std::string_view status) { return status == "solved" || status == "closed"; }

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

json stats_json(std::vector<double> seconds) {
  std::size_t n = seconds.size();
  if (n == 0) return {{"count", 0}, {"median_s", nullptr}, {"p90_s", nullptr}};
  return {{"count", n}, {"median_s", round3(percentile(seconds, 50))}, {"p90_s", round3(percentile(std::move(seconds), 90))}};
}

}  // namespace

// [SECTION] Report math

Result<ReportParams> parse_report_params(std::string_view qs) {
  ReportParams p;
  std::size_t pos = 0;
  while (pos <= qs.size() && !qs.empty()) {
    std::size_t amp = qs.find('&', pos);
    std::string_view part = qs.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    pos = amp == std::string_view::npos ? qs.size() + 1 : amp + 1;
    if (part.empty()) continue;
    std::size_t eq = part.find('=');
    std::string key = url_decode(part.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1));
    auto bad = [&](const std::string& want) { return make_error(ErrorCode::invalid_argument, "parameter '" + key + "' must be " + want); };
    auto whole = [&](std::int64_t lo, std::int64_t hi, std::int64_t& dst) -> bool {
      if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos) return false;
      std::int64_t v = std::stoll(value);
      if (v < lo || v > hi) return false;
      dst = v;
      return true;
    };
    if (key == "from" || key == "to") {
      if (!value.empty() && !is_day(value)) return bad("a day such as 2026-11-29");
      (key == "from" ? p.from_day : p.to_day) = value;
    } else if (key == "lang") {
      std::string l = value.empty() ? "" : text::canonical_language(value);
      if (!value.empty() && l.empty()) return bad("a language tag such as en or zh-CN");
      p.lang = l;
    } else if (key == "limit") {
      std::int64_t v = 0;
      if (!whole(1, 1000, v)) return bad("a whole number from 1 to 1000");
      p.limit = std::size_t(v);
    } else if (key == "min_votes") {
      if (!whole(1, 1000000, p.min_votes)) return bad("a whole number from 1");
    } else if (key == "min_searches") {
      if (!whole(1, 1000000, p.min_searches)) return bad("a whole number from 1");
    } else {
      return make_error(ErrorCode::invalid_argument, "unknown parameter '" + key.substr(0, 40) +
                                                         "'; known: from, to, lang, limit, min_votes, min_searches");
    }
  }
  if (!p.from_day.empty() && !p.to_day.empty() && p.from_day > p.to_day) {
    return make_error(ErrorCode::invalid_argument, "parameter 'from' is after 'to'");
  }
  return p;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double rank = p / 100.0 * double(v.size() - 1);
  std::size_t lo = std::size_t(std::floor(rank)), hi = std::size_t(std::ceil(rank));
  return v[lo] + (v[hi] - v[lo]) * (rank - double(lo));
}

void rank_queries(const std::vector<QueryRow>& rows, const ReportParams& p, std::vector<RankedQuery>& zero_result,
                  std::vector<RankedQuery>& low_click) {
  zero_result.clear();
  low_click.clear();
  for (const auto& r : rows) {
    RankedQuery q{r.lang, r.query, r.searches, r.zero_results, r.searches - r.zero_results, r.opened, 0};
    q.click_rate = q.with_results > 0 ? double(q.opened) / double(q.with_results) : 0;
    if (q.zero_results > 0) zero_result.push_back(q);
    if (q.with_results >= p.min_searches && q.click_rate < p.low_click_rate) low_click.push_back(q);
  }
  std::sort(zero_result.begin(), zero_result.end(), [](const RankedQuery& a, const RankedQuery& b) {
    return std::tie(b.zero_results, a.lang, a.query) < std::tie(a.zero_results, b.lang, b.query);
  });
  std::sort(low_click.begin(), low_click.end(), [](const RankedQuery& a, const RankedQuery& b) {
    if (a.with_results != b.with_results) return a.with_results > b.with_results;
    if (a.click_rate != b.click_rate) return a.click_rate < b.click_rate;
    return std::tie(a.lang, a.query) < std::tie(b.lang, b.query);
  });
  if (zero_result.size() > p.limit) zero_result.resize(p.limit);
  if (low_click.size() > p.limit) low_click.resize(p.limit);
}

std::vector<RankedArticle> rank_articles(const std::vector<ArticleRow>& rows, const ReportParams& p) {
  std::vector<RankedArticle> out;
  for (const auto& r : rows) {
    std::int64_t votes = r.helpful + r.not_helpful;
    if (votes < p.min_votes || votes == 0) continue;
    out.push_back({r.article_id, r.helpful, r.not_helpful, votes, double(r.helpful) / double(votes)});
  }
  std::sort(out.begin(), out.end(), [](const RankedArticle& a, const RankedArticle& b) {
    if (a.helpful_ratio != b.helpful_ratio) return a.helpful_ratio < b.helpful_ratio;
    if (a.votes != b.votes) return a.votes > b.votes;
    return a.article_id < b.article_id;
  });
  if (out.size() > p.limit) out.resize(p.limit);
  return out;
}

std::vector<CategoryDeflection> deflection_by_category(const std::vector<CategoryFlowRow>& rows) {
  std::vector<CategoryDeflection> out;
  for (const auto& r : rows) {
    out.push_back({r.category, r.counts, r.counts.flows > 0 ? double(r.counts.deflected) / double(r.counts.flows) : 0});
  }
  std::sort(out.begin(), out.end(), [](const CategoryDeflection& a, const CategoryDeflection& b) {
    if (a.counts.flows != b.counts.flows) return a.counts.flows > b.counts.flows;
    return a.category < b.category;
  });
  return out;
}

void apply_event(std::unordered_map<std::string, TicketFacts>& facts, const Event& e,
                 const std::function<std::optional<StoredTicket>(const std::string&)>& load) {
  if (e.type == kTicketCreated) {
    TicketFacts t;
    t.id = e.ticket_id;
    t.created_ms = e.created_ms;
    t.waiting_since_ms = e.created_ms;
    if (auto s = load(e.ticket_id)) {
      t.created_ms = s->created_ms;
      t.waiting_since_ms = s->created_ms;
      json j = json::parse(s->ticket_json, nullptr, false);
      if (j.is_object()) {
        if (j.contains("category") && j["category"].is_string()) t.category = j["category"].get<std::string>();
        if (j.contains("language") && j["language"].is_string()) t.lang = text::canonical_language(j["language"].get<std::string>());
      }
    }
    facts[e.ticket_id] = std::move(t);
    return;
  }
  auto it = facts.find(e.ticket_id);
  if (it == facts.end()) return;
  TicketFacts& t = it->second;
  json payload = json::parse(e.payload_json, nullptr, false);
  if (!payload.is_object()) return;
  if (e.type == kMessageCreated) {
    std::string author = payload.value("author", "");
    if (author.rfind("agent:", 0) == 0) {
      if (t.first_agent_reply_ms == 0) t.first_agent_reply_ms = e.created_ms;
      t.waiting_since_ms = 0;
    } else if (t.waiting_since_ms == 0 && !is_resolved(t.status)) {
      t.waiting_since_ms = e.created_ms;
    }
  } else if (e.type == kTicketStatusChanged) {
    t.status = payload.value("to", t.status);
    if (is_resolved(t.status)) {
      if (t.resolved_ms == 0) t.resolved_ms = e.created_ms;
      t.waiting_since_ms = 0;
    }
  }
}

// [SECTION] Reports

namespace {

const char* kFactsSchema = R"SQL(
CREATE TABLE IF NOT EXISTS ticket_facts (
  id TEXT PRIMARY KEY, category TEXT NOT NULL, lang TEXT NOT NULL, status TEXT NOT NULL,
  created_ms INTEGER NOT NULL, day TEXT NOT NULL, first_reply_ms INTEGER NOT NULL, resolved_ms INTEGER NOT NULL,
  waiting_since_ms INTEGER NOT NULL, scored INTEGER NOT NULL, sentiment_e6 INTEGER NOT NULL, urgency_e6 INTEGER NOT NULL,
  label TEXT NOT NULL, cues TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ticket_facts_day ON ticket_facts(day);
CREATE TABLE IF NOT EXISTS report_cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
)SQL";

constexpr std::size_t kEventPage = 500;

std::string lo(const std::string& d) { return d.empty() ? "0000-00-00" : d; }
std::string hi(const std::string& d) { return d.empty() ? "9999-99-99" : d; }

// Scores are kept as integers in millionths: exact sums, and no floating point in the schema.
std::int64_t e6(double v) { return static_cast<std::int64_t>(std::llround(v * 1e6)); }
double from_e6(std::int64_t v) { return double(v) / 1e6; }

Result<std::optional<TicketFacts>> read_fact(sqlite::Db& db, const std::string& id) {
  sqlite::Query q(db, "SELECT category, lang, status, created_ms, first_reply_ms, resolved_ms, waiting_since_ms, scored, "
                      "sentiment_e6, urgency_e6, label, cues FROM ticket_facts WHERE id = ?");
  q.bind(id);
  int rc = q.step();
  if (rc == SQLITE_DONE) return std::optional<TicketFacts>();
  if (rc != SQLITE_ROW) return q.error(rc, "reports: reading ticket facts");
  TicketFacts t;
  t.id = id;
  t.category = q.text(0);
  t.lang = q.text(1);
  t.status = q.text(2);
  t.created_ms = q.int64(3);
  t.first_agent_reply_ms = q.int64(4);
  t.resolved_ms = q.int64(5);
  t.waiting_since_ms = q.int64(6);
  t.scored = q.int64(7) != 0;
  t.mood.sentiment = from_e6(q.int64(8));
  t.mood.urgency = from_e6(q.int64(9));
  t.mood.label = q.text(10);
  json cues = json::parse(q.text(11), nullptr, false);
  if (cues.is_array()) {
    for (const auto& c : cues) {
      if (c.is_string()) t.mood.cues.push_back(c.get<std::string>());
    }
  }
  return std::optional<TicketFacts>(std::move(t));
}

Status write_fact(sqlite::Db& db, const TicketFacts& t) {
  sqlite::Query q(db, "INSERT OR REPLACE INTO ticket_facts(id, category, lang, status, created_ms, day, first_reply_ms, resolved_ms, "
                      "waiting_since_ms, scored, sentiment_e6, urgency_e6, label, cues) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  q.bind(t.id, t.category, t.lang, t.status, t.created_ms, utc_day(t.created_ms), t.first_agent_reply_ms, t.resolved_ms,
         t.waiting_since_ms, t.scored, e6(t.mood.sentiment), e6(t.mood.urgency), t.mood.label, dump(json(t.mood.cues)));
  return q.run("reports: writing ticket facts");
}

}  // namespace

const std::vector<std::string>& Reports::names() {
  static const std::vector<std::string> n = {"queries", "articles", "deflection", "ticket-volume", "response-times", "sentiment"};
  return n;
}

Reports::Reports(Analytics& analytics, Store& store, MoodScorer scorer) : analytics_(analytics), store_(store), scorer_(std::move(scorer)) {}
Reports::~Reports() = default;

Result<std::unique_ptr<Reports>> Reports::open(const std::string& dir, Analytics& analytics, Store& store, MoodScorer scorer) {
  std::unique_ptr<Reports> r(new Reports(analytics, store, std::move(scorer)));
  auto db = sqlite::Db::open(dir + "/analytics.db");
  if (!db) return db.error();
  r->db_ = std::move(*db);
  if (auto st = r->db_->exec("PRAGMA busy_timeout=5000;"); !st) return st.error();
  if (auto st = r->db_->exec(kFactsSchema); !st) return st.error();
  return r;
}

Status Reports::refresh() {
  sqlite::Db& db = *db_;
  for (;;) {
    std::int64_t cursor = 0;
    {
      sqlite::Query q(db, "SELECT seq FROM report_cursor WHERE name = 'store'");
      int rc = q.step();
      if (rc == SQLITE_ROW) cursor = q.int64(0);
      else if (rc != SQLITE_DONE) return q.error(rc, "reports: reading the cursor");
    }
    auto events = store_.events_after(cursor, kEventPage);
    if (!events) return events.error();
    if (events->empty()) return ok_status();
    // The facts this page touches, from the database; folded in memory; written back with the
    // cursor in one transaction, so a crash never counts an event twice.
    std::unordered_map<std::string, TicketFacts> facts;
    for (const auto& e : *events) {
      if (e.type == kTicketCreated || facts.count(e.ticket_id)) continue;
      auto f = read_fact(db, e.ticket_id);
      if (!f) return f.error();
      if (*f) facts[e.ticket_id] = std::move(**f);
    }
    auto load = [&](const std::string& id) -> std::optional<StoredTicket> {
      auto t = store_.get_ticket(id);
      if (!t || !*t) return std::nullopt;
      return **t;
    };
    for (const auto& e : *events) apply_event(facts, e, load);
    if (auto st = db.exec("BEGIN IMMEDIATE"); !st) return st;
    Status st = ok_status();
    for (const auto& [id, t] : facts) {
      if (!(st = write_fact(db, t))) break;
    }
    if (st) {
      sqlite::Query q(db, "INSERT OR REPLACE INTO report_cursor(name, seq) VALUES('store', ?)");
      q.bind(events->back().seq);
      st = q.run("reports: writing the cursor");
    }
    if (st) st = db.exec("COMMIT");
    if (!st) {
      (void)db.exec("ROLLBACK");
      return st;
    }
    if (events->size() < kEventPage) return ok_status();
  }
}

Result<std::string> Reports::run(std::string_view name, const ReportParams& p, std::int64_t now_ms) {
  json range = {{"from", p.from_day.empty() ? json(nullptr) : json(p.from_day)},
                {"to", p.to_day.empty() ? json(nullptr) : json(p.to_day)},
                {"lang", p.lang.empty() ? json(nullptr) : json(p.lang)}};
  json out = {{"report", name}, {"range", range}};
  if (name == "queries") {
    auto rows = analytics_.query_rows(p.from_day, p.to_day, p.lang);
    if (!rows) return rows.error();
    std::vector<RankedQuery> zero, low;
    rank_queries(*rows, p, zero, low);
    auto rq = [](const RankedQuery& q) {
      return json{{"lang", q.lang}, {"query", q.query}, {"searches", q.searches}, {"zero_results", q.zero_results},
                  {"with_results", q.with_results}, {"opened", q.opened}, {"click_rate", round3(q.click_rate)}};
    };
    out["zero_result"] = json::array();
    out["low_click"] = json::array();
    for (const auto& q : zero) out["zero_result"].push_back(rq(q));
    for (const auto& q : low) out["low_click"].push_back(rq(q));
    out["thresholds"] = {{"min_searches", p.min_searches}, {"low_click_rate", p.low_click_rate}};
    return dump(out);
  }
  if (name == "articles") {
    auto rows = analytics_.article_rows(p.from_day, p.to_day, p.lang);
    if (!rows) return rows.error();
    out["articles"] = json::array();
    for (const auto& a : rank_articles(*rows, p)) {
      out["articles"].push_back({{"article_id", a.article_id}, {"helpful", a.helpful}, {"not_helpful", a.not_helpful},
                                 {"votes", a.votes}, {"helpful_ratio", round3(a.helpful_ratio)}});
    }
    out["thresholds"] = {{"min_votes", p.min_votes}};
    return dump(out);
  }
  if (name == "deflection") {
    if (!p.lang.empty()) return make_error(ErrorCode::invalid_argument, "parameter 'lang' does not apply to deflection (contact flows carry no language)");
    auto rows = analytics_.category_rows(p.from_day, p.to_day);
    if (!rows) return rows.error();
    out["categories"] = json::array();
    ContactCounts total;
    for (const auto& c : deflection_by_category(*rows)) {
      total.flows += c.counts.flows;
      total.deflected += c.counts.deflected;
      out["categories"].push_back({{"category", c.category}, {"flows", c.counts.flows}, {"article_opened", c.counts.article_opened},
                                   {"tickets_filed", c.counts.tickets_filed}, {"deflected", c.counts.deflected},
                                   {"deflection_rate", round3(c.deflection_rate)}});
    }
    out["total"] = {{"flows", total.flows}, {"deflected", total.deflected},
                    {"deflection_rate", total.flows ? round3(double(total.deflected) / double(total.flows)) : 0.0}};
    return dump(out);
  }
  if (std::find(names().begin(), names().end(), name) == names().end()) {
    return make_error(ErrorCode::invalid_argument, "no report '" + std::string(name.substr(0, 40)) +
                                                       "'; known: queries, articles, deflection, ticket-volume, response-times, sentiment");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (auto st = refresh(); !st) return st.error();
  return ticket_report(name, p, now_ms, out);
}

Result<std::string> Reports::ticket_report(std::string_view name, const ReportParams& p, std::int64_t now_ms, json& out) {
  sqlite::Db& db = *db_;
  const std::string from = lo(p.from_day), to = hi(p.to_day);
  int rc = SQLITE_DONE;
  if (name == "ticket-volume") {
    std::set<std::string> days;
    std::map<std::string, std::map<std::string, std::int64_t>> by_cat;  // category -> day -> tickets
    sqlite::Query q(db, "SELECT day, category, COUNT(*) FROM ticket_facts WHERE day >= ? AND day <= ? AND (? = '' OR lang = ?) "
                        "GROUP BY day, category");
    q.bind(from, to, p.lang, p.lang);
    while ((rc = q.step()) == SQLITE_ROW) {
      days.insert(q.text(0));
      by_cat[q.text(1)][q.text(0)] = q.int64(2);
    }
    if (rc != SQLITE_DONE) return q.error(rc, "reports: ticket volume");
    out["days"] = json::array();
    for (const auto& d : days) out["days"].push_back(d);
    out["categories"] = json::array();
    for (const auto& [cat, per_day] : by_cat) {
      json counts = json::array();
      std::int64_t total = 0;
      for (const auto& d : days) {
        auto it = per_day.find(d);
        std::int64_t n = it == per_day.end() ? 0 : it->second;
        counts.push_back(n);
        total += n;
      }
      out["categories"].push_back({{"category", cat}, {"total", total}, {"counts", counts}});
    }
    return dump(out);
  }
  if (name == "response-times") {
    std::vector<double> first, resolve;
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_cat;
    std::int64_t open = 0;
    sqlite::Query q(db, "SELECT category, created_ms, first_reply_ms, resolved_ms FROM ticket_facts "
                        "WHERE day >= ? AND day <= ? AND (? = '' OR lang = ?)");
    q.bind(from, to, p.lang, p.lang);
    while ((rc = q.step()) == SQLITE_ROW) {
      auto& c = by_cat[q.text(0)];
      std::int64_t created = q.int64(1), replied = q.int64(2), resolved = q.int64(3);
      if (replied) {
        first.push_back(double(replied - created) / 1000.0);
        c.first.push_back(first.back());
      }
      if (resolved) {
        resolve.push_back(double(resolved - created) / 1000.0);
        c.second.push_back(resolve.back());
      } else {
        ++open;
      }
    }
    if (rc != SQLITE_DONE) return q.error(rc, "reports: response times");
    out["first_reply"] = stats_json(first);
    out["resolution"] = stats_json(resolve);
    out["unresolved"] = open;
    out["categories"] = json::array();
    for (auto& [cat, v] : by_cat) {
      out["categories"].push_back({{"category", cat}, {"first_reply", stats_json(v.first)}, {"resolution", stats_json(v.second)}});
    }
    return dump(out);
  }
  // sentiment: score what is not scored yet (once per ticket: a description never changes).
  if (scorer_) {
    std::vector<TicketFacts> todo;
    {
      sqlite::Query q(db, "SELECT id FROM ticket_facts WHERE scored = 0 AND day >= ? AND day <= ? AND (? = '' OR lang = ?)");
      q.bind(from, to, p.lang, p.lang);
      std::vector<std::string> ids;
      while ((rc = q.step()) == SQLITE_ROW) ids.push_back(q.text(0));
      if (rc != SQLITE_DONE) return q.error(rc, "reports: unscored tickets");
      for (const auto& id : ids) {
        auto f = read_fact(db, id);
        if (!f) return f.error();
        if (*f) todo.push_back(std::move(**f));
      }
    }
    for (auto& t : todo) {
      auto s = store_.get_ticket(t.id);
      if (!s) return s.error();
      std::string description;
      if (*s) {
        json j = json::parse((*s)->ticket_json, nullptr, false);
        if (j.is_object() && j.contains("fields") && j["fields"].is_object() && j["fields"].contains("description") &&
            j["fields"]["description"].is_string()) {
          description = j["fields"]["description"].get<std::string>();
        }
      }
      t.mood = scorer_(description, t.lang);
      t.scored = true;
    }
    if (!todo.empty()) {
      if (auto st = db.exec("BEGIN IMMEDIATE"); !st) return st.error();
      Status st = ok_status();
      for (const auto& t : todo) {
        if (!(st = write_fact(db, t))) break;
      }
      if (st) st = db.exec("COMMIT");
      if (!st) {
        (void)db.exec("ROLLBACK");
        return st.error();
      }
    }
  }
  out["waiting"] = json::array();
  {
    // Angry first, then the longest wait; urgency breaks ties between equally long waits.
    sqlite::Query q(db, "SELECT id, category, lang, status, sentiment_e6, urgency_e6, label, cues, waiting_since_ms FROM ticket_facts "
                        "WHERE day >= ? AND day <= ? AND (? = '' OR lang = ?) AND waiting_since_ms > 0 "
                        "AND status NOT IN ('solved', 'closed') "
                        "ORDER BY label = 'negative' DESC, waiting_since_ms ASC, urgency_e6 DESC, id LIMIT ?");
    q.bind(from, to, p.lang, p.lang, std::int64_t(p.limit));
    while ((rc = q.step()) == SQLITE_ROW) {
      json cues = json::parse(q.text(7), nullptr, false);
      out["waiting"].push_back({{"id", q.text(0)}, {"category", q.text(1)}, {"lang", q.text(2)}, {"status", q.text(3)},
                                {"sentiment", round3(from_e6(q.int64(4)))}, {"urgency", round3(from_e6(q.int64(5)))}, {"label", q.text(6)},
                                {"cues", cues.is_array() ? cues : json::array()},
                                {"waiting_s", std::max<std::int64_t>(0, now_ms - q.int64(8)) / 1000}});
    }
    if (rc != SQLITE_DONE) return q.error(rc, "reports: waiting tickets");
  }
  out["categories"] = json::array();
  {
    // Where negative sentiment clusters: the highest negative share first.
    sqlite::Query q(db, "SELECT category, COUNT(*) AS n, SUM(label = 'negative') AS neg, SUM(sentiment_e6), SUM(urgency_e6) "
                        "FROM ticket_facts WHERE day >= ? AND day <= ? AND (? = '' OR lang = ?) GROUP BY category "
                        "ORDER BY CAST(neg AS REAL) / n DESC, neg DESC, category");
    q.bind(from, to, p.lang, p.lang);
    while ((rc = q.step()) == SQLITE_ROW) {
      std::int64_t n = q.int64(1), neg = q.int64(2);
      out["categories"].push_back({{"category", q.text(0)}, {"tickets", n}, {"negative", neg},
                                   {"negative_share", round3(double(neg) / double(n))}, {"mean_sentiment", round3(from_e6(q.int64(3)) / double(n))},
                                   {"mean_urgency", round3(from_e6(q.int64(4)) / double(n))}});
    }
    if (rc != SQLITE_DONE) return q.error(rc, "reports: sentiment by category");
  }
  return dump(out);
}

}  // namespace lantern::relay
