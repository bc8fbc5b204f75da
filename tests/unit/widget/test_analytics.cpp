// The widget's analytics (widget/src/widget_analytics.cpp) driven through App with the fake platform:
// what is sent, when, and that none of it touches ticket delivery.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "widget_fixture.h"

using namespace lantern;
using namespace lantern::widget;
using nlohmann::json;
using testing::FakePlatform;

namespace {
const char* kEndpoint = "https://relay.test/v1/analytics/events";
Config with_relay() {
  Config c;
  c.relay = "https://relay.test";
  return c;
}
// Requests to the analytics endpoint, oldest first.
std::vector<json> batches(const FakePlatform& p) {
  std::vector<json> out;
  for (const auto& s : p.sent) {
    if (s.request.url == kEndpoint) out.push_back(json::parse(s.request.body));
  }
  return out;
}
// Answers the oldest analytics request.
void answer_batch(FakePlatform& p, int status, std::string body = "", std::int64_t retry_after_ms = 0) {
  for (auto it = p.sent.begin(); it != p.sent.end(); ++it) {
    if (it->request.url != kEndpoint) continue;
    auto done = std::move(it->done);
    p.sent.erase(it);
    widget::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.retry_after_ms = retry_after_ms;
    if (!status) r.error = "offline";
    done(std::move(r));
    return;
  }
  FAIL("no analytics request waiting");
}
// Types a query one character at a time, `gap_ms` apart (a keystroke each).
void type(FakePlatform& p, App& app, const std::string& text, std::int64_t gap_ms = 150) {
  std::string q;
  for (char c : text) {
    q += c;
    app.set_query(q);
    p.clk.now += gap_ms;
  }
}
void fill_form(App& app) {
  REQUIRE(app.choose_form("withdrawal-not-received"));
  for (const auto& f : app.form()->fields) {
    if (app.visible(f) && f.required && f.type == forms::FieldType::choice) app.set_field(f.id, f.options.front().value);
  }
  app.set_field("coin", "USDT");
  app.set_field("chain", "TRC20");
  app.set_field("txid", "c3b9e5d2a17f48e6b0d4f1a9e2c7b5380d6f4a1e9c2b7d5f3a8e1c6b9d4f2a70");
  app.set_field("address", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8");
  app.set_field("amount", "1250.5");
  app.set_field("time", "2025-11-28 13:30");
  app.set_field("description", "The withdrawal shows completed but it has not arrived.");
}
std::string first_hit(App& app) {
  REQUIRE_FALSE(app.hits().empty());
  return std::string(app.hits().front().id);
}
}  // namespace

TEST_CASE("widget analytics: one event per settled search, with the opened article, not one per keystroke") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  type(p, app, "withdrawal pending");
  std::string id = first_hit(app);
  CHECK(app.analytics_events().queued() == 0);  // keystrokes are not searches
  REQUIRE(app.open_article(id));
  CHECK(app.analytics_events().queued() == 1);
  app.back();
  REQUIRE(app.open_article(std::string(app.hits().back().id)));  // the first one opened counts
  CHECK(app.analytics_events().queued() == 1);
  app.back();
  // A pause settles a query; the next change records it without an article.
  app.set_query("");
  type(p, app, "zzqxwv");
  p.clk.now += 2500;
  app.set_query("zzqxwv kkjj");
  CHECK(app.analytics_events().queued() == 2);
  // Leaving Home (contact) counts as leaving the search.
  app.start_contact();
  CHECK(app.analytics_events().queued() == 3);

  app.close();  // the widget closes: the batch goes at once
  auto b = batches(p);
  REQUIRE(b.size() == 1);
  auto& ev = b[0]["events"];
  REQUIRE(ev.size() == 3);
  CHECK(ev[0] == json{{"kind", "search"}, {"query", "withdrawal pending"}, {"lang", "en"}, {"results", ev[0]["results"]}, {"opened", id}});
  CHECK(ev[0]["results"].get<int>() > 0);
  CHECK(ev[1]["query"] == "zzqxwv");
  CHECK(ev[1]["opened"].is_null());
  CHECK(ev[1]["results"] == 0);
  CHECK(ev[2]["query"] == "zzqxwv kkjj");
  answer_batch(p, 202, R"({"accepted":3,"dropped":0,"dropped_secrets":0})");
  CHECK(app.analytics_events().queued() == 0);
  CHECK(app.analytics_events().dropped() == 0);
}

TEST_CASE("widget analytics: votes and contact flows, with no user id and no free text but the query") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  app.on_host_message(R"({"lantern":1,"type":"identify","userId":"u-12345","userHash":"hhhhhhhh"})");
  REQUIRE(app.open_article("kb:2fa-lost"));
  app.vote(false);
  app.vote(true);  // once per article view
  CHECK(app.helpful == -1);
  app.back();
  // A flow left without a ticket, after an article was opened.
  app.start_contact();
  app.description = "My withdrawal has not arrived, my email is me@example.com";
  app.run_triage();
  REQUIRE(app.choose_form("withdrawal-not-received"));
  app.back();  // leaves the form
  app.back();
  app.close();
  auto b = batches(p);
  REQUIRE(b.size() == 1);
  auto& ev = b[0]["events"];
  REQUIRE(ev.size() == 2);
  CHECK(ev[0] == json{{"kind", "article_vote"}, {"article_id", "2fa-lost@en"}, {"helpful", false}, {"lang", "en"}});
  CHECK(ev[1] == json{{"kind", "contact"}, {"category", "withdrawal-not-received"}, {"article_opened_before", true}, {"ticket_filed", false}});
  std::string body = p.sent.back().request.body;
  for (const char* never : {"u-12345", "hhhhhhhh", "example.com", "withdrawal has not arrived", "user", "session"}) {
    CHECK_MESSAGE(body.find(never) == std::string::npos, never);
  }
}

TEST_CASE("widget analytics: a filed ticket ends its flow after the relay's 201, and the outbox never holds analytics") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  // A query that trips the secret guard is never recorded.
  app.set_query("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
  app.start_contact();
  CHECK(app.analytics_events().queued() == 0);
  app.back();
  app.set_query("");
  fill_form(app);
  REQUIRE(app.to_review());
  app.submit();
  REQUIRE(p.sent.size() == 1);
  CHECK(p.sent.front().request.url == "https://relay.test/v1/tickets");
  CHECK(app.analytics_events().queued() == 0);  // filed only when the relay says so
  p.answer(201, R"({"id":"T-1","access_token":"tok","status":"open"})");
  CHECK(app.analytics_events().queued() == 1);
  // Nothing of analytics in storage (outbox, receipts, settings only).
  for (const char* prefix : {"outbox", "staged/", "pending/", "receipt/", "blob/"}) {
    auto keys = p.store->keys(prefix);
    REQUIRE(keys);
    for (const auto& k : *keys) {
      auto v = p.store->get(k);
      CHECK((v && *v ? (*v)->find("article_opened_before") : std::string::npos) == std::string::npos);
    }
  }
  // 30 s after the first event the batch goes (the timer asks for it).
  auto t = app.next_timer_ms();
  REQUIRE(t);
  CHECK(*t == p.clk.now + 30'000);
  p.clk.now += 30'000;
  app.pump();
  auto b = batches(p);
  REQUIRE(b.size() == 1);
  CHECK(b[0]["events"][0] == json{{"kind", "contact"}, {"category", "withdrawal-not-received"}, {"article_opened_before", false}, {"ticket_filed", true}});
}

TEST_CASE("widget analytics: batches of 20, at most 100 kept, 4xx drops, 429 waits and retries once, network errors 3 times") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  auto vote_n = [&](int n) {
    for (int i = 0; i < n; ++i) {
      REQUIRE(app.open_article("kb:2fa-lost"));
      app.vote(i % 2 == 0);
      app.back();
    }
  };
  vote_n(19);
  CHECK(batches(p).empty());
  vote_n(1);
  REQUIRE(batches(p).size() == 1);
  CHECK(batches(p)[0]["events"].size() == 20);
  // While that batch is in flight, the rest waits in memory, at most 100.
  vote_n(130);
  CHECK(batches(p).size() == 1);
  CHECK(app.analytics_events().queued() == 100);
  CHECK(app.analytics_events().dropped() == 30);
  // 422: dropped, never resent.
  answer_batch(p, 422, R"({"error":{"code":"bad_event","message":"...","fields":[]}})");
  CHECK(app.analytics_events().dropped() == 50);
  app.pump();  // the queue waited 30 s? not yet: nothing sent
  CHECK(batches(p).empty());
  app.analytics_events().flush();  // 100 waiting: one full batch
  REQUIRE(batches(p).size() == 1);
  CHECK(batches(p)[0]["events"].size() == 100);
  std::string sent_body = p.sent.back().request.body;
  // 429: the same batch once more after Retry-After; a second 429 drops it.
  answer_batch(p, 429, R"({"error":{"code":"rate_limited"}})", 5000);
  app.pump();
  CHECK(batches(p).empty());
  p.clk.now += 5000;
  app.pump();
  REQUIRE(batches(p).size() == 1);
  CHECK(p.sent.back().request.body == sent_body);
  answer_batch(p, 429, "", 5000);
  CHECK(app.analytics_events().dropped() == 150);
  p.clk.now += 60'000;
  app.pump();
  CHECK(batches(p).empty());
  // Network errors: three more attempts with back-off, then dropped.
  vote_n(1);
  app.analytics_events().flush();
  for (int i = 0; i < 4; ++i) {
    REQUIRE(batches(p).size() == 1);
    answer_batch(p, 0);
    p.clk.now += 60'000;
    app.pump();
  }
  CHECK(batches(p).empty());
  CHECK(app.analytics_events().dropped() == 151);
}

TEST_CASE("widget analytics: off by the host, by Do Not Track, or by the relay: nothing kept, nothing sent") {
  SUBCASE("host") {
    FakePlatform p;
    App app(p, with_relay());
    REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
    REQUIRE(app.open_article("kb:2fa-lost"));
    app.vote(true);
    CHECK(app.analytics_events().queued() == 1);
    app.on_host_message(R"({"lantern":1,"type":"analytics","enabled":false})");
    CHECK(app.analytics_events().queued() == 0);  // forgotten
    app.back();
    REQUIRE(app.open_article("kb:2fa-lost"));
    app.vote(true);
    app.close();
    app.on_host_message(R"({"lantern":1,"type":"hidden","unloading":true})");
    CHECK(p.sent.empty());
    CHECK_FALSE(app.next_timer_ms());
    // The setting is remembered: a new widget on this device starts off.
    App again(p, with_relay());
    CHECK_FALSE(again.analytics_events().enabled());
  }
  SUBCASE("Do Not Track in the widget page: off for the page, not stored") {
    FakePlatform p;
    App app(p, with_relay());
    REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
    app.on_host_message(R"({"lantern":1,"type":"analytics","enabled":false,"source":"dnt"})");
    CHECK_FALSE(p.store->get("settings/analytics").value());  // not stored
    app.on_host_message(R"({"lantern":1,"type":"analytics","enabled":true})");  // the host cannot override DNT
    REQUIRE(app.open_article("kb:2fa-lost"));
    app.vote(true);
    app.close();
    CHECK(p.sent.empty());
  }
  SUBCASE("relay: 403 analytics_off stops the session") {
    FakePlatform p;
    App app(p, with_relay());
    REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
    REQUIRE(app.open_article("kb:2fa-lost"));
    app.vote(true);
    app.close();
    answer_batch(p, 403, R"({"error":{"code":"analytics_off","message":"analytics is turned off"}})");
    app.back();
    REQUIRE(app.open_article("kb:2fa-lost"));
    app.vote(false);
    app.close();
    CHECK(p.sent.empty());
  }
  SUBCASE("no relay") {
    FakePlatform p;
    App app(p, Config{});
    REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
    REQUIRE(app.open_article("kb:2fa-lost"));
    app.vote(true);
    CHECK(app.analytics_events().queued() == 0);
  }
}

TEST_CASE("widget analytics: a batch the relay never answers does not delay a ticket, and the page hiding flushes") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  REQUIRE(app.open_article("kb:2fa-lost"));
  app.vote(true);
  app.on_host_message(R"({"lantern":1,"type":"hidden","unloading":false})");
  REQUIRE(batches(p).size() == 1);  // unanswered: the relay hangs
  app.back();
  fill_form(app);
  REQUIRE(app.to_review());
  app.submit();
  // The ticket goes at once, beside the hanging batch.
  REQUIRE(p.sent.size() == 2);
  CHECK(p.sent.back().request.url == "https://relay.test/v1/tickets");
  widget::HttpResponse r;
  r.status = 201;
  r.body = R"({"id":"T-9","access_token":"tok","status":"open"})";
  auto done = std::move(p.sent.back().done);
  p.sent.pop_back();
  done(std::move(r));
  CHECK(app.receipts().size() == 1);
  // A second flow, left open when the page goes away, is sent as not filed with the first.
  app.go(Screen::home);
  REQUIRE(app.choose_form("kyc"));
  app.on_host_message(R"({"lantern":1,"type":"hidden","unloading":true})");
  auto b = batches(p);
  REQUIRE(b.size() == 2);
  REQUIRE(b[1]["events"].size() == 2);
  CHECK(b[1]["events"][0]["ticket_filed"] == true);
  CHECK(b[1]["events"][0]["article_opened_before"] == true);
  CHECK(b[1]["events"][1] == json{{"kind", "contact"}, {"category", "kyc"}, {"article_opened_before", true}, {"ticket_filed", false}});
}
