// Analytics intake: event checks, normalisation, the secret guard on queries, incremental counters,
// the bounded queue and the database that keeps them.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "analytics.h"

using namespace lantern::relay;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/lantern-analytics-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

const EventFieldError* find(const ParsedEvents& p, const std::string& field) {
  for (const auto& e : p.errors) {
    if (e.field == field) return &e;
  }
  return nullptr;
}

constexpr std::int64_t kDay1 = 1764374400000;  // 2025-11-29T00:00:00Z
constexpr std::int64_t kDay = 86400000;

}  // namespace

TEST_CASE("analytics: a valid batch of the three kinds is parsed") {
  auto p = parse_events(R"({"events":[
    {"kind":"search","query":"  Withdrawal   PENDING ","lang":"en-US","results":0,"opened":null},
    {"kind":"article_vote","article_id":"2fa-lost@en","helpful":false,"lang":"zh-Hans"},
    {"kind":"contact","category":"fees","article_opened_before":true,"ticket_filed":false}]})",
                        {});
  REQUIRE(p.errors.empty());
  REQUIRE(p.shape_error.empty());
  REQUIRE(p.events.size() == 3);
  CHECK(p.events[0].kind == EventKind::search);
  CHECK(p.events[0].query == "withdrawal pending");
  CHECK(p.events[0].lang == "en");
  CHECK(p.events[0].article_id.empty());
  CHECK(p.events[1].lang == "zh");
  CHECK(p.events[1].helpful == false);
  CHECK(p.events[2].category == "fees");
  CHECK(p.events[2].article_opened_before);
}

TEST_CASE("analytics: queries are normalised like the search index and cut at a character boundary") {
  CHECK(normalize_query("ＵＳＤＴ  提幣\t未到账 ") == "usdt 提币 未到账");
  std::string raw = std::string(60, 'a') + " ";
  for (int i = 0; i < 30; ++i) raw += "提";
  std::string q = normalize_query(raw);
  CHECK(q.size() <= kMaxQueryBytes);
  CHECK(q.size() == 61 + 13 * 3);  // 39 bytes left after the 61: 13 whole characters, none split
  // A cut that ends on a space leaves no trailing space (found by the fuzzer).
  CHECK(normalize_query(std::string(99, 'a') + " b") == std::string(99, 'a'));
}

TEST_CASE("analytics: a query that looks like a seed phrase or a key is dropped, not refused, and never kept") {
  auto p = parse_events(R"({"events":[
    {"kind":"search","query":"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about","lang":"en","results":0,"opened":null},
    {"kind":"search","query":"my password is hunter2hunter2","lang":"en","results":0,"opened":null},
    {"kind":"search","query":"kyc levels","lang":"en","results":2,"opened":null}]})",
                        {});
  REQUIRE(p.errors.empty());
  CHECK(p.secrets_dropped == 2);
  REQUIRE(p.events.size() == 1);
  CHECK(p.events[0].query == "kyc levels");
}

TEST_CASE("analytics: an unknown top-level key is named even when empty, and cut when long") {
  // Found by libFuzzer: {"": …} gave an error with an empty field name.
  auto p = parse_events(R"({"":1,")" + std::string(500, 'k') + R"(":2,"events":[{"kind":"search","query":"ok","lang":"en","results":1,"opened":null}]})", {});
  CHECK(p.events.empty());
  REQUIRE(p.errors.size() == 2);
  for (const auto& e : p.errors) {
    CHECK(e.code == "unknown_field");
    CHECK_FALSE(e.field.empty());
    CHECK(e.field.size() <= 40);
    CHECK(e.message.size() < 120);
  }
}

TEST_CASE("analytics: every wrong field is named, and a batch with one is taken not at all") {
  EventVocabulary vocab;
  vocab.is_article = [](std::string_view id) { return id == "2fa-lost@en"; };
  vocab.is_category = [](std::string_view id) { return id == "fees"; };
  auto p = parse_events(R"({"events":[
    {"kind":"search","query":"ok","lang":"en","results":1,"opened":null},
    {"kind":"page_view"},
    {"kind":"article_vote","article_id":"2fa-lost@en","helpful":"yes","lang":"en","user_id":"u1"},
    {"kind":"article_vote","article_id":"nope@en","helpful":true},
    {"kind":"contact","category":"lottery","article_opened_before":1,"ticket_filed":false},
    {"kind":"search","query":"x","lang":"??","results":-3,"opened":7},
    3]})",
                        vocab);
  CHECK(p.events.empty());
  CHECK(find(p, "events[1].kind")->code == "unknown_kind");
  CHECK(find(p, "events[2].helpful")->code == "type");
  CHECK(find(p, "events[2].user_id")->code == "unknown_field");
  CHECK(find(p, "events[3].article_id")->code == "unknown_article");
  CHECK(find(p, "events[3].lang")->code == "required");
  CHECK(find(p, "events[4].category")->code == "unknown_category");
  CHECK(find(p, "events[4].article_opened_before")->code == "type");
  CHECK(find(p, "events[5].lang")->code == "type");
  CHECK(find(p, "events[5].results")->code == "type");
  CHECK(find(p, "events[5].opened")->code == "type");
  CHECK(find(p, "events[6]")->code == "type");
  CHECK(find(p, "events[0]") == nullptr);
}

TEST_CASE("analytics: bodies that are not a batch get a shape error") {
  CHECK(!parse_events("{", {}).shape_error.empty());
  CHECK(!parse_events("[]", {}).shape_error.empty());
  CHECK(!parse_events(R"({"events":{}})", {}).shape_error.empty());
  auto empty = parse_events(R"({"events":[]})", {});
  CHECK(find(empty, "events")->code == "required");
  std::string many = R"({"events":[)";
  for (std::size_t i = 0; i <= kMaxEventsPerBatch; ++i) many += std::string(i ? "," : "") + R"({"kind":"contact"})";
  CHECK(find(parse_events(many + "]}", {}), "events")->code == "too_long");
}

TEST_CASE("analytics: counters add up per day, language and query, and stop at the key limit") {
  Aggregates a;
  AnalyticsEvent s;
  s.kind = EventKind::search;
  s.lang = "en";
  s.query = "fee";
  s.results = 0;
  CHECK(a.add(s, "2025-11-29", 10));
  s.results = 3;
  s.article_id = "fees-withdrawal@en";
  CHECK(a.add(s, "2025-11-29", 10));
  CHECK(a.add(s, "2025-11-30", 10));
  const auto& c = a.searches.at({"2025-11-29", "en", "fee"});
  CHECK(c.searches == 2);
  CHECK(c.zero_results == 1);
  CHECK(c.opened == 1);
  CHECK(a.searches.size() == 2);

  AnalyticsEvent f;
  f.kind = EventKind::contact;
  f.category = "fees";
  f.article_opened_before = true;
  f.ticket_filed = false;
  CHECK(a.add(f, "2025-11-29", 10));
  f.ticket_filed = true;
  CHECK(a.add(f, "2025-11-29", 10));
  f.article_opened_before = false;
  CHECK(a.add(f, "2025-11-29", 10));
  const auto& k = a.contacts.at({"2025-11-29", "fees"});
  CHECK(k.flows == 3);
  CHECK(k.article_opened == 2);
  CHECK(k.tickets_filed == 2);
  CHECK(k.deflected == 1);

  // 3 keys now: a 4th is refused at max_keys 3, an existing key still counts.
  s.query = "new";
  CHECK_FALSE(a.add(s, "2025-11-29", 3));
  s.query = "fee";
  CHECK(a.add(s, "2025-11-29", 3));
}

TEST_CASE("analytics: the queue is bounded, what fits is counted once, and the database keeps it across a reopen") {
  std::string dir = temp_dir();
  std::atomic<std::int64_t> now{kDay1 + 1000};
  {
    AnalyticsOptions o;
    o.dir = dir;
    o.queue_events = 5;
    o.flush_interval_ms = 60'000;  // only sync() flushes in this test
    o.now_ms = [&] { return now.load(); };
    auto a = Analytics::open(o);
    REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().message));
    std::vector<AnalyticsEvent> batch(8);
    for (auto& e : batch) {
      e.kind = EventKind::search;
      e.lang = "en";
      e.query = "withdrawal pending";
    }
    CHECK((*a)->submit(batch) == 5);  // an empty queue of 5 takes 5 of 8
    CHECK((*a)->dropped_total() == 3);
    REQUIRE((*a)->sync());
    now = kDay1 + kDay + 1000;  // the next day
    CHECK((*a)->submit(std::vector<AnalyticsEvent>(2, batch[0])) == 2);
    REQUIRE((*a)->sync());
    auto all = (*a)->query_rows("", "", "");
    REQUIRE(all.ok());
    REQUIRE(all->size() == 1);
    CHECK((*all)[0].searches == 7);
    CHECK((*all)[0].zero_results == 7);
    auto day2 = (*a)->query_rows("2025-11-30", "2025-11-30", "en");
    REQUIRE(day2.ok());
    CHECK((*day2)[0].searches == 2);
    CHECK((*a)->query_rows("", "", "zh")->empty());
  }
  {
    AnalyticsOptions o;
    o.dir = dir;
    auto a = Analytics::open(o);
    REQUIRE(a.ok());
    auto all = (*a)->query_rows("", "", "");
    REQUIRE(all.ok());
    REQUIRE(all->size() == 1);
    CHECK((*all)[0].searches == 7);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("analytics: what was accepted before shutdown is flushed by the destructor") {
  std::string dir = temp_dir();
  {
    AnalyticsOptions o;
    o.dir = dir;
    o.flush_interval_ms = 3'600'000;
    auto a = Analytics::open(o);
    REQUIRE(a.ok());
    AnalyticsEvent v;
    v.kind = EventKind::article_vote;
    v.lang = "en";
    v.article_id = "2fa-lost@en";
    v.helpful = true;
    CHECK((*a)->submit({v, v}) == 2);
  }
  AnalyticsOptions o;
  o.dir = dir;
  auto a = Analytics::open(o);
  REQUIRE(a.ok());
  auto rows = (*a)->article_rows("", "", "");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].helpful == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("analytics: utc_day cuts at midnight UTC") {
  CHECK(utc_day(kDay1) == "2025-11-29");
  CHECK(utc_day(kDay1 - 1) == "2025-11-28");
  CHECK(utc_day(0) == "1970-01-01");
}

TEST_CASE("analytics: counters older than the retention are deleted") {
  std::string dir = temp_dir();
  std::atomic<std::int64_t> now{kDay1};
  AnalyticsOptions o;
  o.dir = dir;
  o.flush_interval_ms = 60'000;
  o.retention_days = 2;
  o.now_ms = [&] { return now.load(); };
  auto a = Analytics::open(o);
  REQUIRE(a.ok());
  AnalyticsEvent c;
  c.kind = EventKind::contact;
  c.category = "fees";
  for (int d = 0; d < 4; ++d) {
    now = kDay1 + d * kDay;
    CHECK((*a)->submit({c}) == 1);
    REQUIRE((*a)->sync());
  }
  // Day 3 is today: days 1 and 2 are within 2 days, day 0 is gone.
  auto rows = (*a)->category_rows("", "");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].counts.flows == 3);
  CHECK((*a)->category_rows("2025-11-29", "2025-11-29")->empty());
  a->reset();
  std::filesystem::remove_all(dir);
}
