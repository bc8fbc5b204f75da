// Report math: percentiles, rankings, deflection, the parameters, and ticket facts folded from
// the store's events.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "reports.h"

using namespace lantern::relay;

TEST_CASE("reports: percentiles interpolate between closest ranks") {
  CHECK(percentile({}, 50) == 0);
  CHECK(percentile({7}, 90) == 7);
  CHECK(percentile({4, 1, 3, 2}, 50) == doctest::Approx(2.5));
  CHECK(percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90) == doctest::Approx(9.1));
  CHECK(percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50) == doctest::Approx(5.5));
  CHECK(percentile({10, 20, 30}, 100) == 30);
}

TEST_CASE("reports: zero-result queries by volume, low-click queries above the search threshold") {
  std::vector<QueryRow> rows = {
      {"en", "withdrawal pending", 5, 5, 0},
      {"zh", "充值未到账", 3, 3, 0},
      {"en", "fee schedule", 7, 0, 1},     // 1 of 7 opened: low click
      {"en", "2fa reset", 4, 0, 4},        // everyone opened something
      {"en", "kyc", 2, 0, 0},              // too few searches to judge
      {"en", "mixed", 6, 1, 0},            // 1 zero-result and 5 unclicked
  };
  ReportParams p;
  std::vector<RankedQuery> zero, low;
  rank_queries(rows, p, zero, low);
  REQUIRE(zero.size() == 3);
  CHECK(zero[0].query == "withdrawal pending");
  CHECK(zero[1].query == "充值未到账");
  CHECK(zero[2].query == "mixed");
  REQUIRE(low.size() == 2);
  CHECK(low[0].query == "fee schedule");
  CHECK(low[0].with_results == 7);
  CHECK(low[0].click_rate == doctest::Approx(1.0 / 7));
  CHECK(low[1].query == "mixed");
  CHECK(low[1].with_results == 5);
  p.limit = 1;
  rank_queries(rows, p, zero, low);
  CHECK(zero.size() == 1);
  CHECK(low.size() == 1);
}

TEST_CASE("reports: articles with the worst helpful ratio first, only with enough votes") {
  std::vector<ArticleRow> rows = {{"a", 5, 1}, {"b", 1, 5}, {"c", 0, 2}, {"d", 2, 10}, {"e", 3, 3}};
  ReportParams p;
  auto r = rank_articles(rows, p);
  REQUIRE(r.size() == 4);
  CHECK(r[0].article_id == "d");  // the same ratio as b (1/6), on more votes
  CHECK(r[1].article_id == "b");
  CHECK(r[2].article_id == "e");
  CHECK(r[3].article_id == "a");
  CHECK(r[0].votes == 12);
  CHECK(r[3].helpful_ratio == doctest::Approx(5.0 / 6));
  p.min_votes = 1;
  CHECK(rank_articles(rows, p)[0].article_id == "c");
}

TEST_CASE("reports: deflection is flows that opened an article and filed no ticket, over all flows") {
  std::vector<CategoryFlowRow> rows = {{"fees", {1, 0, 1, 0}}, {"withdrawal-not-received", {4, 3, 2, 2}}};
  auto d = deflection_by_category(rows);
  REQUIRE(d.size() == 2);
  CHECK(d[0].category == "withdrawal-not-received");
  CHECK(d[0].deflection_rate == doctest::Approx(0.5));
  CHECK(d[1].deflection_rate == 0);
}

TEST_CASE("reports: parameters are checked and named") {
  auto p = parse_report_params("from=2026-11-01&to=2026-11-29&lang=zh-CN&limit=10&min_votes=2&min_searches=4");
  REQUIRE(p.ok());
  CHECK(p->from_day == "2026-11-01");
  CHECK(p->to_day == "2026-11-29");
  CHECK(p->lang == "zh");
  CHECK(p->limit == 10);
  CHECK(p->min_votes == 2);
  CHECK(p->min_searches == 4);
  CHECK(parse_report_params("").ok());
  CHECK(parse_report_params("lang=").ok());
  CHECK(parse_report_params("from=2026-13-01").error().message.find("'from'") != std::string::npos);
  CHECK(parse_report_params("limit=0").error().message.find("'limit'") != std::string::npos);
  CHECK(parse_report_params("limit=99999999999").error().message.find("'limit'") != std::string::npos);
  CHECK(parse_report_params("user_id=1").error().message.find("unknown parameter 'user_id'") != std::string::npos);
  CHECK(!parse_report_params("from=2026-11-29&to=2026-11-01").ok());
  CHECK(parse_report_params("lang=zh%2DCN")->lang == "zh");
}

TEST_CASE("reports: ticket facts follow created, replies, user follow-ups and status changes") {
  std::unordered_map<std::string, TicketFacts> facts;
  auto load = [](const std::string& id) -> std::optional<StoredTicket> {
    StoredTicket t;
    t.id = id;
    t.created_ms = 1000;
    t.ticket_json = R"({"category":"fees","language":"zh-CN","fields":{"description":"x"}})";
    return t;
  };
  auto ev = [](const char* type, std::int64_t at, const std::string& payload) {
    Event e;
    e.type = type;
    e.ticket_id = "T-1";
    e.created_ms = at;
    e.payload_json = payload;
    return e;
  };
  apply_event(facts, ev(kTicketCreated, 1000, "{}"), load);
  TicketFacts& t = facts.at("T-1");
  CHECK(t.category == "fees");
  CHECK(t.lang == "zh");
  CHECK(t.waiting_since_ms == 1000);
  apply_event(facts, ev(kMessageCreated, 2000, R"({"author":"user"})"), load);
  CHECK(t.waiting_since_ms == 1000);  // still waiting since the first unanswered words
  apply_event(facts, ev(kMessageCreated, 5000, R"({"author":"agent:alice"})"), load);
  CHECK(t.first_agent_reply_ms == 5000);
  CHECK(t.waiting_since_ms == 0);
  apply_event(facts, ev(kMessageCreated, 6000, R"({"author":"user"})"), load);
  CHECK(t.waiting_since_ms == 6000);
  apply_event(facts, ev(kMessageCreated, 7000, R"({"author":"agent:bob"})"), load);
  CHECK(t.first_agent_reply_ms == 5000);  // the first reply counts
  apply_event(facts, ev(kTicketStatusChanged, 9000, R"({"from":"open","to":"solved"})"), load);
  CHECK(t.resolved_ms == 9000);
  apply_event(facts, ev(kTicketStatusChanged, 9500, R"({"from":"solved","to":"open"})"), load);
  apply_event(facts, ev(kTicketStatusChanged, 12000, R"({"from":"open","to":"closed"})"), load);
  CHECK(t.resolved_ms == 9000);  // time to (first) resolution
  CHECK(t.status == "closed");
  // Events of a ticket the reports never saw created are ignored.
  Event stray = ev(kMessageCreated, 1, R"({"author":"agent:x"})");
  stray.ticket_id = "T-2";
  apply_event(facts, stray, load);
  CHECK(facts.count("T-2") == 0);
}

TEST_CASE("reports: response times and sentiment from a real store, kept across a reopen") {
  char tmpl[] = "/tmp/lantern-reports-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  auto store = open_sqlite_store(dir, SqliteOptions{});
  REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
  const std::int64_t t0 = 1764374400000;  // 2025-11-29T00:00:00Z
  std::vector<std::string> ids;
  const char* texts[] = {"Thanks, all good now.", "Where is my money? This is a scam, I am furious!", "Deposit not credited yet."};
  for (int i = 0; i < 3; ++i) {
    NewTicket nt;
    nt.idempotency_key = std::string(32, char('a' + i));
    nt.body_sha256 = std::string(64, char('0' + i));
    nt.ticket_json = std::string(R"({"category":")") + (i == 1 ? "fees" : "deposit-not-credited") +
                     R"(","language":"en","fields":{"description":")" + texts[i] + "\"}}";
    nt.now_ms = t0 + i;
    auto c = (*store)->create_ticket(nt);
    REQUIRE(c.ok());
    ids.push_back(c->ticket.id);
  }
  REQUIRE((*store)->add_message(ids[0], "agent:alice", "hi", t0 + 60'000).ok());
  REQUIRE((*store)->add_message(ids[1], "user", "hello?", t0 + 90'000).ok());
  REQUIRE((*store)->add_message(ids[1], "agent:bob", "hi", t0 + 120'001).ok());
  REQUIRE((*store)->add_message(ids[2], "agent:alice", "hi", t0 + 600'002).ok());
  REQUIRE((*store)->set_status(ids[0], "solved", t0 + 3'600'000).ok());
  REQUIRE((*store)->set_status(ids[1], "closed", t0 + 7'200'001).ok());
  REQUIRE((*store)->add_message(ids[2], "user", "still nothing", t0 + 700'000).ok());

  Mood angry{-0.8, 0.7, "negative", {"scam", "furious"}};
  MoodScorer scorer = [&](std::string_view text, std::string_view) {
    return text.find("furious") != std::string_view::npos ? angry : Mood{};
  };
  auto run = [&](const char* name, const ReportParams& p) {
    AnalyticsOptions o;
    o.dir = dir;
    auto a = Analytics::open(o);
    REQUIRE(a.ok());
    auto r = Reports::open(dir, **a, **store, scorer);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    auto body = (*r)->run(name, p, t0 + 1'000'000);
    REQUIRE_MESSAGE(body.ok(), (body.ok() ? "" : body.error().message));
    return nlohmann::json::parse(*body);
  };
  ReportParams p;
  auto rt = run("response-times", p);
  CHECK(rt["first_reply"]["count"] == 3);
  CHECK(rt["first_reply"]["median_s"].get<double>() == doctest::Approx(120.0));
  CHECK(rt["first_reply"]["p90_s"].get<double>() == doctest::Approx(120 + 0.8 * 480));
  CHECK(rt["resolution"]["count"] == 2);
  CHECK(rt["resolution"]["median_s"].get<double>() == doctest::Approx(5400.0));
  CHECK(rt["unresolved"] == 1);

  auto s = run("sentiment", p);  // a second Reports over the same database: the facts were kept
  REQUIRE(s["waiting"].size() == 1);
  CHECK(s["waiting"][0]["id"] == ids[2]);  // the only one whose user waits (since 700 s)
  CHECK(s["waiting"][0]["waiting_s"] == 300);
  CHECK(s["categories"][0]["category"] == "fees");
  CHECK(s["categories"][0]["negative_share"].get<double>() == 1.0);
  CHECK(s["categories"][0]["mean_sentiment"].get<double>() == doctest::Approx(-0.8));

  ReportParams other_day;
  other_day.from_day = "2025-11-30";
  CHECK(run("ticket-volume", other_day)["categories"].empty());
  ReportParams zh;
  zh.lang = "zh";
  CHECK(run("response-times", zh)["first_reply"]["count"] == 0);
  store->reset();
  std::filesystem::remove_all(dir);
}
