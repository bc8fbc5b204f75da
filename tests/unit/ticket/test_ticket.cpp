#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "../helpers.h"
#include "lantern/forms.h"
#include "lantern/ticket.h"

using namespace lantern;

namespace {
const forms::FormSet& project_forms() {
  static forms::FormSet* set = [] {
    kbtool::BundleBuilder b;
    REQUIRE(b.add_markdown(test::md("a", "en", "A", "b"), "a.md").ok());
    REQUIRE(b.add_forms(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/forms").ok());
    static std::string bytes = test::build_bytes(b);
    static kb::Bundle bundle = test::open_bundle(bytes);
    return new forms::FormSet(forms::parse_form_set(bundle.section_json(kb::tag("FORM"))).value());
  }();
  return *set;
}

// 2026-11-29T02:40:00Z
constexpr std::int64_t kNow = 1795920000000;
const char* kTronAddress = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
const char* kTxid = "3b0e5ae0a4c8f1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff0";

forms::Values withdrawal_values() {
  forms::Values v;
  v["coin"].text = "usdt";
  v["chain"].text = "TRC20";
  v["status"].text = "completed";
  v["txid"].text = kTxid;
  v["address"].text = kTronAddress;
  v["amount"].text = "1,250.50";
  v["time"].text = "2026-11-28 21:30";
  v["time"].approximate = true;
  v["description"].text = "提币显示已完成，但对方平台说没有收到。";
  return v;
}

forms::CheckContext ctx() {
  forms::CheckContext c;
  c.now_ms = kNow;
  c.default_utc_offset_minutes = 480;
  return c;
}

bool has_code(const std::vector<forms::FieldError>& errors, const std::string& field, const std::string& code) {
  for (const auto& e : errors) {
    if (e.field == field && e.code == code) return true;
  }
  return false;
}

ticket::Ticket make_ticket(const forms::Values& values) {
  const forms::Form& form = *project_forms().find("withdrawal-not-received");
  ticket::Ticket t;
  t.idempotency_key = "9f2c4e7a0b1d4c6e8f3a5b7c9d1e2f40";
  t.created_ms = kNow;
  t.language = "zh-CN";
  t.category = form.id;
  t.form_version = form.version;
  t.fields = forms::canonical_values(form, values, ctx());
  t.client = {"lantern-test", "0.1.0", "1.0@1700000000"};
  return t;
}
}  // namespace

TEST_CASE("ticket: a complete withdrawal ticket passes, in canonical form") {
  const forms::Form& form = *project_forms().find("withdrawal-not-received");
  auto values = withdrawal_values();
  auto errors = forms::check_values(form, values, ctx());
  for (const auto& e : errors) MESSAGE(e.field, " ", e.code, " ", e.message.en);
  CHECK(errors.empty());
  auto canon = forms::canonical_values(form, values, ctx());
  CHECK(canon.at("coin").text == "USDT");
  CHECK(canon.at("chain").text == "tron");
  CHECK(canon.at("amount").text == "1250.5");
  CHECK(canon.at("time").text == "2026-11-28T13:30:00Z");
  CHECK(canon.at("time").approximate);
}

TEST_CASE("ticket: JSON round trip through the relay's parser") {
  const forms::Form& form = *project_forms().find("withdrawal-not-received");
  auto t = make_ticket(withdrawal_values());
  t.attachments.push_back({"att_1", std::string(64, 'a'), "image/png", 1234});
  t.fields["screenshots"].attachments = {"att_1"};
  t.user = ticket::Identity{"u_1", "abc"};
  std::string json = ticket::to_json(t, form);
  CHECK(json.find("\"schema\":\"lantern.ticket/1\"") != std::string::npos);
  CHECK(json.find("\"created_at\":\"2026-11-29T02:40:00Z\"") != std::string::npos);
  CHECK(json.find("\"time\":{\"approximate\":true,\"at\":\"2026-11-28T13:30:00Z\"}") != std::string::npos);
  auto parsed = ticket::parse(json, project_forms(), ctx());
  for (const auto& e : parsed.errors) MESSAGE(e.field, " ", e.code, " ", e.message.en);
  REQUIRE(parsed.ticket);
  CHECK(parsed.ticket->category == "withdrawal-not-received");
  CHECK(parsed.ticket->fields.at("amount").text == "1250.5");
  CHECK(parsed.ticket->fields.at("screenshots").attachments == std::vector<std::string>{"att_1"});
  CHECK(parsed.ticket->attachments.at(0).size == 1234);
  CHECK(parsed.ticket->user->user_id == "u_1");
  CHECK(ticket::to_json(*parsed.ticket, form) == json);
}

TEST_CASE("ticket: a required field that is missing names the field in both languages") {
  const forms::Form& form = *project_forms().find("withdrawal-not-received");
  auto values = withdrawal_values();
  values.erase("amount");
  auto errors = forms::check_values(form, values, ctx());
  REQUIRE(has_code(errors, "amount", "required"));
  for (const auto& e : errors) {
    if (e.field != "amount") continue;
    CHECK(e.message.en.find("Amount") != std::string::npos);
    CHECK(e.message.zh.find("数量") != std::string::npos);
  }
}

TEST_CASE("ticket: conditions decide which fields exist") {
  const forms::Form& form = *project_forms().find("withdrawal-not-received");
  auto values = withdrawal_values();
  // Still processing: there is no TxID yet, so the field is hidden and must not be sent.
  values["status"].text = "processing";
  CHECK(has_code(forms::check_values(form, values, ctx()), "txid", "hidden_field"));
  values.erase("txid");
  CHECK(forms::check_values(form, values, ctx()).empty());
  // The memo/tag field appears only for chains that use one.
  CHECK_FALSE(forms::visible(form, *form.field("memo"), values));
  values["chain"].text = "xrp";
  CHECK(forms::visible(form, *form.field("memo"), values));
}

TEST_CASE("ticket: chain-aware mistakes are caught with helpful messages") {
  const forms::Form& form = *project_forms().find("withdrawal-not-received");
  auto values = withdrawal_values();
  values["txid"].text = kTronAddress;  // an address pasted where the TxID belongs
  auto errors = forms::check_values(form, values, ctx());
  CHECK(has_code(errors, "txid", "txid.looks_like_address"));
  values = withdrawal_values();
  values["amount"].text = "1,23.4";
  CHECK(has_code(forms::check_values(form, values, ctx()), "amount", "amount.grouping"));
  values = withdrawal_values();
  values["amount"].text = "1.1234567";  // USDT has 6 decimals
  CHECK(has_code(forms::check_values(form, values, ctx()), "amount", "amount.decimals"));
  values = withdrawal_values();
  values["time"].text = "2027-01-01 10:00";
  CHECK(has_code(forms::check_values(form, values, ctx()), "time", "time.future"));
  values = withdrawal_values();
  forms::CheckContext c = ctx();
  c.open_tickets.push_back({"T-20261120-0007", kTxid});
  CHECK(has_code(forms::check_values(form, values, c), "txid", "txid.duplicate"));
}

TEST_CASE("ticket: a seed phrase in the description blocks the ticket") {
  const forms::Form& form = *project_forms().find("withdrawal-not-received");
  auto values = withdrawal_values();
  values["description"].text =
      "support asked for my words: abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
  auto errors = forms::check_values(form, values, ctx());
  REQUIRE(has_code(errors, "description", "secret.mnemonic"));
  for (const auto& e : errors) {
    if (e.code == "secret.mnemonic") {
      CHECK(e.blocking);
      CHECK(e.message.en.find("scam") != std::string::npos);
    }
  }
  auto parsed = ticket::parse(ticket::to_json(make_ticket(values), form), project_forms(), ctx());
  CHECK_FALSE(parsed.ticket);
  CHECK(has_code(parsed.errors, "description", "secret.mnemonic"));
}

TEST_CASE("ticket: the parser refuses wrong shapes with field-level errors") {
  const forms::Form& form = *project_forms().find("withdrawal-not-received");
  std::string good = ticket::to_json(make_ticket(withdrawal_values()), form);
  auto parse = [&](const std::string& j) { return ticket::parse(j, project_forms(), ctx()); };
  auto swap = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    auto at = s.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    return s.replace(at, from.size(), to);
  };
  CHECK(has_code(parse("{oops").errors, "", "json"));
  CHECK(has_code(parse("[]").errors, "", "type"));
  CHECK(has_code(parse(swap("\"withdrawal-not-received\"", "\"teleport\"")).errors, "category", "unknown_category"));
  CHECK(has_code(parse(swap("\"amount\":\"1250.5\"", "\"amount\":1250.5")).errors, "amount", "type"));
  CHECK(has_code(parse(swap("\"amount\":\"1250.5\"", "\"amount\":\"1250.5\",\"pin\":\"1234\"")).errors, "pin", "unknown_field"));
  CHECK(has_code(parse(swap("\"schema\":\"lantern.ticket/1\"", "\"schema\":\"lantern.ticket/9\"")).errors, "schema", "schema"));
  CHECK(has_code(parse(swap("\"schema\":", "\"extra\":1,\"schema\":")).errors, "extra", "unknown_key"));
  CHECK(has_code(parse(swap("\"amount\":\"1250.5\"", "\"amount\":\"" + std::string(9000, '1') + "\"")).errors, "amount", "too_long"));
  CHECK(has_code(parse(std::string(300 * 1024, ' ')).errors, "", "too_large"));
  CHECK(has_code(parse(swap("\"attachments\":[]", "\"attachments\":[{\"id\":\"a\",\"sha256\":\"xyz\",\"type\":\"image/gif\",\"size\":-1}]")).errors, "attachments[0].sha256", "format"));
}

TEST_CASE("ticket: UTC formatting") {
  CHECK(ticket::format_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(ticket::format_utc(kNow) == "2026-11-29T02:40:00Z");
  CHECK(ticket::format_utc(951782400000) == "2000-02-29T00:00:00Z");
}
