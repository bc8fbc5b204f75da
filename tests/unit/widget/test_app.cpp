#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "widget_fixture.h"

using namespace lantern;
using namespace lantern::widget;
using testing::FakePlatform;

namespace {
Config with_relay() {
  Config c;
  c.relay = "https://relay.test";
  return c;
}
const char* kTxid = "c3b9e5d2a17f48e6b0d4f1a9e2c7b5380d6f4a1e9c2b7d5f3a8e1c6b9d4f2a70";

// The withdrawal form, filled as a user would.
void fill_withdrawal(App& app) {
  REQUIRE(app.choose_form("withdrawal-not-received"));
  for (const auto& f : app.form()->fields) {
    if (!app.visible(f) || !f.required) continue;
    if (f.type == forms::FieldType::choice) app.set_field(f.id, f.options.front().value);
  }
  app.set_field("coin", "USDT");
  app.set_field("chain", "TRC20");
  app.set_field("txid", kTxid);
  app.set_field("address", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8");
  app.set_field("amount", "1250.5");
  app.set_field("time", "2025-11-28 13:30");
  app.set_field("description", "The withdrawal shows completed but the other exchange has not received it.");
}

// Review, then Submit: what the user does once the form is filled.
void submit_filled(App& app) {
  REQUIRE(app.to_review());
  app.submit();
}

void submit_withdrawal(App& app) {
  fill_withdrawal(app);
  submit_filled(app);
}
}  // namespace

TEST_CASE("widget app: a tampered bundle is refused and the error screen says so") {
  FakePlatform p;
  App app(p, Config{});
  std::string b = testing::shipped_bundle();
  b[300] ^= 0x5a;
  auto st = app.open_bundle(b, "");
  REQUIRE_FALSE(st);
  CHECK(st.error().code == ErrorCode::tampered);
  app.show_error(st.error().message);
  CHECK(app.screen() == Screen::error);
}

TEST_CASE("widget app: a bundle checked by the platform is opened without a second check, still parsed safely") {
  // The browser verifies the signature with WebCrypto; the core then only opens the bundle.
  FakePlatform p;
  App app(p, Config{});
  REQUIRE(app.open_checked_bundle(testing::shipped_bundle()));
  CHECK(app.screen() == Screen::home);
  CHECK(app.bundle().article_count() > 0);
  // Even so, bytes that are not a well-formed bundle are refused by the reader, not read.
  App other(p, Config{});
  std::string cut = testing::shipped_bundle().substr(0, 1000);
  auto st = other.open_checked_bundle(cut);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == ErrorCode::truncated);
}

TEST_CASE("widget app: kb: links open articles; back returns to where the user was") {
  FakePlatform p;
  App app(p, Config{});
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  CHECK(app.open_article("kb:2fa-lost"));  // the user's language is chosen for a bare id
  CHECK(app.screen() == Screen::article);
  CHECK(app.bundle().article(std::uint32_t(app.article())).id == "2fa-lost@en");
  CHECK_FALSE(app.blocks().empty());
  CHECK_FALSE(app.open_article("kb:no-such-article"));
  app.back();
  CHECK(app.screen() == Screen::home);
}

TEST_CASE("widget app: a seed phrase in the user's words is found before anything is sent") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  app.start_contact();
  app.description = "my words are legal winner thank year wave sausage worth useful legal winner thank yellow";
  auto s = app.secrets_in_description();
  REQUIRE_FALSE(s.empty());
  CHECK(s[0].blocking);
  CHECK(p.sent.empty());
}

TEST_CASE("widget app: triage suggests the withdrawal form from the user's words, and prefills the description") {
  FakePlatform p;
  App app(p, Config{});
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  app.start_contact();
  app.description = "my withdrawal is stuck in processing since yesterday";
  app.run_triage();
  CHECK(app.screen() == Screen::choose);
  REQUIRE_FALSE(app.triage().categories.empty());
  CHECK(app.triage().categories[0].form->id == "withdrawal-not-received");
  REQUIRE(app.choose_form(app.triage().categories[0].form->id));
  CHECK(app.values["description"].text == app.description);
  // Nothing touched yet: no errors shown, though required fields are empty.
  CHECK(app.error_for("coin") == nullptr);
  CHECK_FALSE(app.to_review());
  CHECK(app.error_for("coin") != nullptr);  // after trying to go on, every error shows
  CHECK(app.screen() == Screen::form);
}

TEST_CASE("widget app: a ticket goes to the relay once with its idempotency key; the receipt is kept") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  app.on_host_message(R"({"lantern":1,"type":"identify","userId":"u_1","userHash":"abc"})");
  fill_withdrawal(app);
  for (const auto& e : app.errors()) INFO(e.field << ": " << e.code);
  REQUIRE(app.to_review());
  app.submit();
  CHECK(app.screen() == Screen::submitted);
  REQUIRE(p.sent.size() == 1);
  const widget::HttpRequest& r = p.sent.front().request;
  CHECK(r.method == "POST");
  CHECK(r.url == "https://relay.test/v1/tickets");
  std::string key;
  for (const auto& [k, v] : r.headers) {
    if (k == "Idempotency-Key") key = v;
  }
  CHECK(key.size() == 32);
  auto body = nlohmann::json::parse(r.body);
  CHECK(body["idempotency_key"] == key);
  CHECK(body["category"] == "withdrawal-not-received");
  CHECK(body["fields"]["txid"] == kTxid);
  CHECK(body["user"]["id"] == "u_1");
  CHECK(app.pending_count() == 1);
  p.answer(201, R"({"id":"T-100","access_token":"tok","status":"open","verified":false})");
  CHECK(app.pending_count() == 0);
  auto rc = app.receipt_for(key);
  REQUIRE(rc);
  CHECK(rc->id == "T-100");
  CHECK(rc->token == "tok");
  REQUIRE(p.host.size() == 1);
  auto ev = nlohmann::json::parse(p.host[0]);
  CHECK(ev["type"] == "ticket");
  CHECK(ev["id"] == "T-100");
  CHECK(ev["category"] == "withdrawal-not-received");
  // Follow-up: GET with the bearer token.
  app.open_ticket("T-100");
  REQUIRE(p.sent.size() == 1);
  CHECK(p.sent.front().request.url == "https://relay.test/v1/tickets/T-100");
  CHECK(p.sent.front().request.headers[0].second == "Bearer tok");
  p.answer(200, R"({"id":"T-100","status":"open","messages":[{"id":"M-1","author":"agent","body":"Checking","created_at":"x"}]})");
  CHECK(app.ticket_view("T-100").messages.size() == 1);
}

TEST_CASE("widget app: offline, the ticket waits; when the network returns it is sent once more, same key") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  submit_withdrawal(app);
  REQUIRE(p.sent.size() == 1);
  std::string first = p.sent.front().request.body;
  p.answer(0);  // no network
  CHECK(app.pending_count() == 1);
  CHECK(app.status_line == std::string(app.S("submitted.queued")));
  auto t = app.next_timer_ms();
  REQUIRE(t);
  CHECK(*t > p.clk.now);
  app.pump();  // too early: back-off
  CHECK(p.sent.empty());
  app.on_online();  // the browser says the network is back: no waiting for the back-off
  REQUIRE(p.sent.size() == 1);
  app.on_online();  // again while the attempt is in flight: not sent twice
  CHECK(p.sent.size() == 1);
  CHECK(p.sent.front().request.body == first);
  p.answer(201, R"({"id":"T-7","access_token":"k","status":"open"})");
  CHECK(app.pending_count() == 0);
  CHECK(app.receipts().size() == 1);
  app.pump();
  CHECK(p.sent.empty());
}

TEST_CASE("widget app: when the network returns every waiting ticket is sent, whatever its back-off") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  // The first ticket fails twice (a long back-off), the second once (a short one).
  submit_withdrawal(app);
  REQUIRE(p.sent.size() == 1);
  p.answer(0);
  app.on_online();
  REQUIRE(p.sent.size() == 1);
  p.answer(0);
  fill_withdrawal(app);
  app.set_field("txid", "9f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");
  submit_filled(app);
  REQUIRE(p.sent.size() == 1);
  p.answer(0);
  REQUIRE(app.pending_count() == 2);
  app.pump();
  CHECK(p.sent.empty());  // both are in their back-off
  app.on_online();
  CHECK(p.sent.size() == 2);  // not only the one whose back-off ends first
}

TEST_CASE("widget app: screenshots upload first, redacted, and the ticket names the relay's ids") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  fill_withdrawal(app);
  std::string field;
  for (const auto& f : app.form()->fields) {
    if (f.type == forms::FieldType::attachments) field = f.id;
  }
  REQUIRE_FALSE(field.empty());
  PickedImage img;
  img.width = 4, img.height = 4;
  img.rgba.assign(64, 200);
  app.add_image(field, img);
  REQUIRE(app.shots().size() == 1);
  app.shots()[0].boxes.push_back({0, 0, 4, 4});  // black out everything
  PickedImage broken;
  broken.error = "";
  app.add_image(field, broken);  // no pixels: a clear message, no crash
  CHECK_FALSE(app.image_error.empty());
  submit_filled(app);
  REQUIRE(p.sent.size() == 1);
  CHECK(p.sent.front().request.url == "https://relay.test/v1/attachments");
  // The fake encoder keeps the first 16 bytes of the pixels: the redaction box made them black.
  CHECK(p.sent.front().request.body == std::string("\0\0\0\xff\0\0\0\xff\0\0\0\xff\0\0\0\xff", 16));
  p.answer(201, R"({"id":"A-1","sha256":")" + std::string(64, 'a') + R"(","type":"image/webp","size":16})");
  REQUIRE(p.sent.size() == 1);
  auto body = nlohmann::json::parse(p.sent.front().request.body);
  CHECK(body["attachments"][0]["id"] == "A-1");
  CHECK(body["fields"][field][0] == "A-1");
}

TEST_CASE("widget app: a deep link opens the category's form prefilled; unknown messages are ignored") {
  FakePlatform p;
  App app(p, Config{});
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  app.on_host_message(R"({"lantern":1,"type":"open","category":"withdrawal-not-received","fields":{"status":"completed","txid":"abc","coin":"USDT"}})");
  CHECK(app.screen() == Screen::form);
  CHECK(app.values["coin"].text == "USDT");
  CHECK(app.error_for("txid") != nullptr);  // prefilled values are checked at once
  app.on_host_message(R"({"lantern":1,"type":"theme","accent":"#ff0000","mode":"dark"})");
  CHECK(app.theme == "dark");
  app.on_host_message(R"({"lantern":1,"type":"analytics","enabled":true})");
  CHECK(app.analytics);
  app.on_host_message(R"({"type":"open","category":"kyc"})");  // not ours
  app.on_host_message("not json");
  CHECK(app.form()->id == "withdrawal-not-received");
}

TEST_CASE("widget app: with no relay (lantern-help) a ticket is queued in file storage and survives a restart") {
  char tmpl[] = "/tmp/lantern-help-test-XXXXXX";
  REQUIRE(mkdtemp(tmpl));
  std::string dir = tmpl;
  std::string key;
  {
    FakePlatform p;
    auto fs = make_file_storage(dir);
    REQUIRE(fs);
    p.store = std::move(*fs);
    App app(p, Config{});
    REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
    submit_withdrawal(app);
    key = app.submitted_key();
    CHECK(p.sent.empty());  // nowhere to send
    CHECK(app.pending_count() == 1);
  }
  FakePlatform p2;
  auto fs = make_file_storage(dir);
  REQUIRE(fs);
  p2.store = std::move(*fs);
  App again(p2, Config{});
  REQUIRE(again.open_bundle(testing::shipped_bundle(), ""));
  CHECK(again.pending_count() == 1);
  auto keys = p2.store->keys("");
  REQUIRE(keys);
  bool has_key = false;
  for (const auto& k : *keys) has_key |= k.find(key) != std::string::npos;
  CHECK(has_key);
  std::filesystem::remove_all(dir);
}

TEST_CASE("widget app: a ticket the relay refuses stays under My tickets to correct or remove") {
  FakePlatform p;
  App app(p, with_relay());
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  fill_withdrawal(app);
  app.set_approximate("time", true);
  submit_filled(app);
  REQUIRE(p.sent.size() == 1);
  p.answer(422, R"({"error":{"code":"invalid_ticket","message":"txid: not a TRC20 transaction id","fields":[]}})");
  CHECK(app.pending_count() == 0);  // not waiting to be sent: waiting for the user
  auto refused = app.not_sent();
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].category == "withdrawal-not-received");
  CHECK(refused[0].reason == "txid: not a TRC20 transaction id");
  std::string old_key = refused[0].key;
  {
    // What the user sees under My tickets: the reason and both ways out, as real controls.
    app.go(Screen::tickets);
    testing::Headless ui(app);
    const auto& t = ui.frames(2);
    bool said = false;
    for (const auto& n : t.nodes()) said |= n.role == Role::alert && n.name.find("not a TRC20 transaction id") != std::string::npos;
    CHECK(said);
    CHECK(t.find_by_name(Role::button, "Correct and send again"));
    CHECK(t.find_by_name(Role::button, "Remove"));
    CHECK_FALSE(t.find_by_name(Role::text, "You have no tickets yet."));
  }

  // Correct it: the form comes back with what the user typed, approximate time included.
  app.go(Screen::tickets);
  REQUIRE(app.edit_not_sent(old_key));
  CHECK(app.screen() == Screen::form);
  CHECK(app.form()->id == "withdrawal-not-received");
  CHECK(app.values["txid"].text == kTxid);
  CHECK(app.values["amount"].text == "1250.5");
  CHECK(app.values["time"].approximate);
  CHECK(app.not_sent().size() == 1);  // kept until the corrected one is submitted
  submit_filled(app);
  CHECK(app.not_sent().empty());
  REQUIRE(p.sent.size() == 1);
  CHECK(nlohmann::json::parse(p.sent.front().request.body)["idempotency_key"] != old_key);
  p.answer(201, R"({"id":"T-7","access_token":"t","status":"open"})");
  CHECK(app.receipts().size() == 1);

  // Or remove it.
  submit_withdrawal(app);
  p.answer(422, R"({"error":{"code":"invalid_ticket","message":"bad","fields":[]}})");
  REQUIRE(app.not_sent().size() == 1);
  app.remove_not_sent(app.not_sent()[0].key);
  CHECK(app.not_sent().empty());
  CHECK_FALSE(app.edit_not_sent("no-such-key"));
}
