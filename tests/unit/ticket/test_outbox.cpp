#include <doctest/doctest.h>

#include "lantern/outbox.h"

using namespace lantern;
using namespace lantern::ticket;

namespace {
struct FakeClock : Clock {
  std::int64_t t = 1'700'000'000'000;
  std::int64_t now_ms() override { return t; }
};
struct FakeRandom : Random {
  std::uint8_t next = 0;
  Status fill(std::uint8_t* out, std::size_t n) override {
    for (std::size_t i = 0; i < n; ++i) out[i] = next++;
    return ok_status();
  }
};
// Storage that fails writes on demand, as a full disk would.
struct FlakyStorage : Storage {
  std::unique_ptr<Storage> inner = make_memory_storage();
  bool full = false;
  Result<std::optional<std::string>> get(std::string_view k) override { return inner->get(k); }
  Status put(std::string_view k, std::string_view v) override {
    if (full) return make_error(ErrorCode::io_error, "disk full");
    return inner->put(k, v);
  }
  Status remove(std::string_view k) override { return inner->remove(k); }
  Result<std::vector<std::string>> keys(std::string_view p) override { return inner->keys(p); }
};
Delivery retry(int status = 0) { return {Delivery::Outcome::retry, status, "", "", 0}; }
}  // namespace

TEST_CASE("outbox: a ticket waits until the relay accepts it, then leaves a receipt") {
  auto storage = make_memory_storage();
  FakeClock clock;
  FakeRandom random;
  Outbox box(*storage, clock, random);
  auto key = box.new_key();
  REQUIRE(key.ok());
  CHECK(key->size() == 32);
  REQUIRE(box.enqueue(*key, R"({"category":"deposit"})").ok());
  auto due = box.take_due();
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK((*due)[0].body == R"({"category":"deposit"})");
  // While in flight it is not handed out again.
  CHECK(box.take_due()->empty());
  REQUIRE(box.report(*key, {Delivery::Outcome::accepted, 201, R"({"id":"T-1"})", "", 0}).ok());
  CHECK(box.entries()->empty());
  CHECK(**box.receipt(*key) == R"({"id":"T-1"})");
  CHECK_FALSE(box.next_due()->has_value());
}

TEST_CASE("outbox: survives a restart (a new Outbox over the same storage)") {
  auto storage = make_memory_storage();
  FakeClock clock;
  FakeRandom random;
  {
    Outbox box(*storage, clock, random);
    REQUIRE(box.enqueue("0123456789abcdef0123", "{}").ok());
    REQUIRE(box.take_due()->size() == 1);  // in flight when the process dies
  }
  Outbox box(*storage, clock, random);
  CHECK(box.entries()->size() == 1);
  CHECK(box.take_due()->empty());       // the lost attempt is presumed in flight...
  clock.t += 60'001;
  auto due = box.take_due();            // ...until its time-out, then retried with the same key
  REQUIRE(due->size() == 1);
  CHECK((*due)[0].key == "0123456789abcdef0123");
}

TEST_CASE("outbox: retries back off exponentially with jitter and honour Retry-After") {
  auto storage = make_memory_storage();
  FakeClock clock;
  FakeRandom random;
  Outbox box(*storage, clock, random, {1000, 60'000, 30'000});
  REQUIRE(box.enqueue("aaaaaaaaaaaaaaaaaaaa", "{}").ok());
  std::int64_t prev = 0;
  for (int i = 1; i <= 8; ++i) {
    REQUIRE(box.take_due()->size() == 1);
    REQUIRE(box.report("aaaaaaaaaaaaaaaaaaaa", retry(503)).ok());
    std::int64_t wait = **box.next_due() - clock.t;
    std::int64_t full = std::min<std::int64_t>(1000LL << (i - 1), 60'000);
    CHECK(wait >= full / 2);
    CHECK(wait <= full);
    if (i <= 5) CHECK(wait > prev / 2);
    prev = wait;
    clock.t += wait;
  }
  CHECK(box.entries()->at(0).attempts == 8);
  CHECK(box.entries()->at(0).last_error == "HTTP 503");
  REQUIRE(box.take_due()->size() == 1);
  REQUIRE(box.report("aaaaaaaaaaaaaaaaaaaa", {Delivery::Outcome::retry, 429, "", "", 120'000}).ok());
  CHECK(**box.next_due() - clock.t == 120'000);
}

TEST_CASE("outbox: the same key is never two tickets") {
  auto storage = make_memory_storage();
  FakeClock clock;
  FakeRandom random;
  Outbox box(*storage, clock, random);
  REQUIRE(box.enqueue("bbbbbbbbbbbbbbbbbbbb", "{\"a\":1}").ok());
  REQUIRE(box.enqueue("bbbbbbbbbbbbbbbbbbbb", "{\"a\":1}").ok());  // a double click
  CHECK(box.entries()->size() == 1);
  auto st = box.enqueue("bbbbbbbbbbbbbbbbbbbb", "{\"a\":2}");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::duplicate);
  // A late second "accepted" report for the same key changes nothing.
  REQUIRE(box.take_due()->size() == 1);
  REQUIRE(box.report("bbbbbbbbbbbbbbbbbbbb", {Delivery::Outcome::accepted, 201, "{\"id\":\"T-9\"}", "", 0}).ok());
  REQUIRE(box.report("bbbbbbbbbbbbbbbbbbbb", {Delivery::Outcome::accepted, 201, "{\"id\":\"T-9\"}", "", 0}).ok());
  CHECK(box.entries()->empty());
}

TEST_CASE("outbox: a rejected ticket stays for the user, is not retried, and can be discarded") {
  auto storage = make_memory_storage();
  FakeClock clock;
  FakeRandom random;
  Outbox box(*storage, clock, random);
  REQUIRE(box.enqueue("cccccccccccccccccccc", "{}").ok());
  REQUIRE(box.take_due()->size() == 1);
  REQUIRE(box.report("cccccccccccccccccccc", {classify_http(422), 422, "", "txid: not a transaction ID", 0}).ok());
  auto all = box.entries();
  REQUIRE(all->size() == 1);
  CHECK(all->at(0).state == EntryState::rejected);
  CHECK(all->at(0).last_error == "txid: not a transaction ID");
  clock.t += 3'600'000;
  CHECK(box.take_due()->empty());
  REQUIRE(box.discard("cccccccccccccccccccc").ok());
  CHECK(box.entries()->empty());
}

TEST_CASE("outbox: make_due ends a back-off at once; rejected and unknown entries stay as they are") {
  auto storage = make_memory_storage();
  FakeClock clock;
  FakeRandom random;
  Outbox box(*storage, clock, random);
  REQUIRE(box.enqueue("dddddddddddddddddddd", "{}").ok());
  REQUIRE(box.enqueue("eeeeeeeeeeeeeeeeeeee", "{}").ok());
  REQUIRE(box.take_due()->size() == 2);
  REQUIRE(box.report("dddddddddddddddddddd", retry()).ok());
  REQUIRE(box.report("eeeeeeeeeeeeeeeeeeee", {classify_http(422), 422, "", "bad", 0}).ok());
  CHECK(box.take_due()->empty());  // in its back-off
  REQUIRE(box.make_due("dddddddddddddddddddd").ok());
  REQUIRE(box.make_due("eeeeeeeeeeeeeeeeeeee").ok());
  REQUIRE(box.make_due("ffffffffffffffffffff").ok());  // gone (accepted meanwhile): nothing to do
  auto due = box.take_due();
  REQUIRE(due->size() == 1);
  CHECK(due->at(0).key == "dddddddddddddddddddd");
  CHECK(due->at(0).attempts == 1);  // the back-off ended, the attempt count stays
  CHECK(box.entries()->at(1).state == EntryState::rejected);
}

TEST_CASE("outbox: Retry-After as seconds or an HTTP date, 0 when unreadable, at most a day") {
  CHECK(parse_retry_after_ms("120", 0) == 120000);
  CHECK(parse_retry_after_ms(" 3 ", 0) == 3000);
  // "Wed, 21 Oct 2015 07:28:00 GMT" is 1445412480 s.
  CHECK(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480000LL - 5000) == 5000);
  CHECK(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480000LL + 5000) == 0);
  CHECK(parse_retry_after_ms("9999999999", 0) == 86400000);
  CHECK(parse_retry_after_ms("soon", 0) == 0);
  CHECK(parse_retry_after_ms("", 0) == 0);
}

TEST_CASE("outbox: HTTP answers map to accept, retry or reject") {
  CHECK(classify_http(201) == Delivery::Outcome::accepted);
  CHECK(classify_http(0) == Delivery::Outcome::retry);
  CHECK(classify_http(429) == Delivery::Outcome::retry);
  CHECK(classify_http(503) == Delivery::Outcome::retry);
  CHECK(classify_http(409) == Delivery::Outcome::rejected);
  CHECK(classify_http(413) == Delivery::Outcome::rejected);
  CHECK(classify_http(422) == Delivery::Outcome::rejected);
}

TEST_CASE("outbox: a full disk refuses the ticket and loses nothing already queued") {
  FlakyStorage storage;
  FakeClock clock;
  FakeRandom random;
  Outbox box(storage, clock, random);
  REQUIRE(box.enqueue("dddddddddddddddddddd", "{\"first\":1}").ok());
  storage.full = true;
  auto st = box.enqueue("eeeeeeeeeeeeeeeeeeee", "{\"second\":1}");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "disk full");
  storage.full = false;
  auto all = box.entries();
  REQUIRE(all->size() == 1);
  CHECK(all->at(0).body == "{\"first\":1}");
}

TEST_CASE("outbox: bad keys and oversized tickets are refused") {
  auto storage = make_memory_storage();
  FakeClock clock;
  FakeRandom random;
  Outbox box(*storage, clock, random);
  CHECK(box.enqueue("short", "{}").error().code == ErrorCode::invalid_argument);
  CHECK(box.enqueue("../../../../etc/passwd!!", "{}").error().code == ErrorCode::invalid_argument);
  CHECK(box.enqueue("ffffffffffffffffffff", std::string(300 * 1024, 'x')).error().code == ErrorCode::too_large);
}

TEST_CASE("drafts: saved on every change, loaded back, cleared after sending") {
  auto storage = make_memory_storage();
  Drafts drafts(*storage);
  CHECK_FALSE(drafts.load("withdrawal")->has_value());
  REQUIRE(drafts.save("withdrawal", R"({"txid":"ab"})").ok());
  REQUIRE(drafts.save("withdrawal", R"({"txid":"abc"})").ok());
  CHECK(**drafts.load("withdrawal") == R"({"txid":"abc"})");
  REQUIRE(drafts.clear("withdrawal").ok());
  CHECK_FALSE(drafts.load("withdrawal")->has_value());
}
