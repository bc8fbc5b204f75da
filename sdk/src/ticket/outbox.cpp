#include "lantern/outbox.h"

#include <time.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace lantern::ticket {

namespace {

constexpr const char* kEntryPrefix = "outbox/";
constexpr const char* kReceiptPrefix = "receipt/";
constexpr std::size_t kMaxTicketBytes = 256 * 1024;

bool valid_key(std::string_view key) {
  if (key.size() < 16 || key.size() > 64) return false;
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-')) return false;
  }
  return true;
}

std::string to_json(const OutboxEntry& e) {
  nlohmann::json j = {{"v", 1},
                      {"key", e.key},
                      {"body", e.body},
                      {"state", e.state == EntryState::pending ? "pending" : "rejected"},
                      {"attempts", e.attempts},
                      {"created_ms", e.created_ms},
                      {"next_attempt_ms", e.next_attempt_ms},
                      {"last_error", e.last_error}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<OutboxEntry> from_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  OutboxEntry e;
  auto str = [&](const char* k, std::string& out) {
    auto it = j.find(k);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  auto num = [&](const char* k, std::int64_t& out) {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_integer()) return false;
    out = it->get<std::int64_t>();
    return true;
  };
  std::string state;
  std::int64_t attempts = 0;
  if (!str("key", e.key) || !str("body", e.body) || !str("state", state) || !num("attempts", attempts) ||
      !num("created_ms", e.created_ms) || !num("next_attempt_ms", e.next_attempt_ms)) {
    return std::nullopt;
  }
  str("last_error", e.last_error);
  e.attempts = int(attempts);
  e.state = state == "rejected" ? EntryState::rejected : EntryState::pending;
  return e;
}

}  // namespace

std::int64_t parse_retry_after_ms(std::string_view v, std::int64_t now_ms) {
  constexpr std::int64_t kDayMs = 86'400'000;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return 0;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (v.size() > 5) return kDayMs;
    return std::min<std::int64_t>(std::stoll(std::string(v)) * 1000, kDayMs);
  }
  // HTTP-date (IMF-fixdate), e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  std::string s(v);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end) return 0;
  std::int64_t at = std::int64_t(timegm(&tm)) * 1000;
  return std::clamp<std::int64_t>(at - now_ms, 0, kDayMs);
}

Delivery::Outcome classify_http(int status) {
  if (status == 200 || status == 201) return Delivery::Outcome::accepted;
  if (status == 0 || status == 408 || status == 425 || status == 429 || status >= 500) return Delivery::Outcome::retry;
  return Delivery::Outcome::rejected;
}

Outbox::Outbox(Storage& storage, Clock& clock, Random& random, BackoffPolicy policy)
    : storage_(storage), clock_(clock), random_(random), policy_(policy) {}

Result<std::string> Outbox::new_key() {
  std::uint8_t b[16];
  if (auto st = random_.fill(b, sizeof b); !st) return st.error();
  static const char* hex = "0123456789abcdef";
  std::string key;
  for (auto c : b) {
    key.push_back(hex[c >> 4]);
    key.push_back(hex[c & 15]);
  }
  return key;
}

Status Outbox::enqueue(std::string_view key, std::string_view ticket_json) {
  if (!valid_key(key)) return make_error(ErrorCode::invalid_argument, "idempotency key must be 16-64 letters, digits or '-'");
  if (ticket_json.size() > kMaxTicketBytes) return make_error(ErrorCode::too_large, "ticket is over 256 KiB");
  auto existing = load(key);
  if (!existing) return existing.error();
  if (*existing) {
    // The same key twice is the same ticket: keep the first body, never a second entry.
    if ((*existing)->body != ticket_json) return make_error(ErrorCode::duplicate, "a different ticket already uses this idempotency key");
    return ok_status();
  }
  OutboxEntry e;
  e.key = std::string(key);
  e.body = std::string(ticket_json);
  e.created_ms = clock_.now_ms();
  e.next_attempt_ms = e.created_ms;
  return save(e);
}

Result<std::optional<OutboxEntry>> Outbox::load(std::string_view key) {
  auto raw = storage_.get(kEntryPrefix + std::string(key));
  if (!raw) return raw.error();
  if (!*raw) return std::optional<OutboxEntry>();
  auto e = from_json(**raw);
  if (!e) return make_error(ErrorCode::parse_error, "outbox entry " + std::string(key) + " is unreadable");
  return std::optional<OutboxEntry>(std::move(*e));
}

Status Outbox::save(const OutboxEntry& e) { return storage_.put(kEntryPrefix + e.key, to_json(e)); }

Result<std::vector<OutboxEntry>> Outbox::entries() {
  auto keys = storage_.keys(kEntryPrefix);
  if (!keys) return keys.error();
  std::vector<OutboxEntry> out;
  for (const auto& k : *keys) {
    auto raw = storage_.get(k);
    if (!raw) return raw.error();
    if (!*raw) continue;
    // An unreadable entry (a torn write from an old crash) is skipped, not fatal: the others
    // must still go out.
    if (auto e = from_json(**raw)) out.push_back(std::move(*e));
  }
  std::stable_sort(out.begin(), out.end(), [](const OutboxEntry& a, const OutboxEntry& b) { return a.created_ms < b.created_ms; });
  return out;
}

Result<std::vector<OutboxEntry>> Outbox::take_due() {
  auto all = entries();
  if (!all) return all.error();
  const std::int64_t now = clock_.now_ms();
  std::vector<OutboxEntry> due;
  for (auto& e : *all) {
    if (e.state != EntryState::pending || e.next_attempt_ms > now) continue;
    OutboxEntry marked = e;
    marked.next_attempt_ms = now + policy_.in_flight_ms;
    if (auto st = save(marked); !st) return st.error();
    due.push_back(std::move(e));
  }
  return due;
}

Status Outbox::report(std::string_view key, const Delivery& d) {
  auto loaded = load(key);
  if (!loaded) return loaded.error();
  if (!*loaded) return ok_status();  // already acknowledged (a late duplicate report)
  OutboxEntry e = std::move(**loaded);
  const std::int64_t now = clock_.now_ms();
  switch (d.outcome) {
    case Delivery::Outcome::accepted:
      // Receipt first, then removal: a crash in between leaves the entry, which is resent with
      // the same key and answered with the same ticket.
      if (auto st = storage_.put(kReceiptPrefix + e.key, d.answer); !st) return st;
      return storage_.remove(kEntryPrefix + e.key);
    case Delivery::Outcome::rejected:
      e.state = EntryState::rejected;
      e.attempts += 1;
      e.last_error = d.error.empty() ? "rejected with HTTP " + std::to_string(d.http_status) : d.error;
      return save(e);
    case Delivery::Outcome::retry: {
      e.attempts += 1;
      e.last_error = d.error.empty() ? (d.http_status ? "HTTP " + std::to_string(d.http_status) : "no answer") : d.error;
      // Exponential back-off with jitter in [50%, 100%], so clients that went offline together
      // do not come back together.
      std::int64_t delay = policy_.base_ms;
      for (int i = 1; i < e.attempts && delay < policy_.cap_ms; ++i) delay *= 2;
      delay = std::min(delay, policy_.cap_ms);
      std::uint8_t r[2] = {0, 0};
      (void)random_.fill(r, 2);
      double jitter = 0.5 + 0.5 * double(r[0] | (r[1] << 8)) / 65535.0;
      delay = std::int64_t(double(delay) * jitter);
      delay = std::max(delay, d.retry_after_ms);
      e.next_attempt_ms = now + delay;
      return save(e);
    }
  }
  return ok_status();
}

Status Outbox::discard(std::string_view key) { return storage_.remove(kEntryPrefix + std::string(key)); }

Status Outbox::make_due(std::string_view key) {
  auto loaded = load(key);
  if (!loaded) return loaded.error();
  if (!*loaded || (*loaded)->state != EntryState::pending) return ok_status();
  const std::int64_t now = clock_.now_ms();
  if ((*loaded)->next_attempt_ms <= now) return ok_status();
  OutboxEntry e = std::move(**loaded);
  e.next_attempt_ms = now;
  return save(e);
}

Result<std::optional<std::int64_t>> Outbox::next_due() {
  auto all = entries();
  if (!all) return all.error();
  std::optional<std::int64_t> next;
  for (const auto& e : *all) {
    if (e.state != EntryState::pending) continue;
    if (!next || e.next_attempt_ms < *next) next = e.next_attempt_ms;
  }
  return next;
}

Result<std::optional<std::string>> Outbox::receipt(std::string_view key) {
  return storage_.get(kReceiptPrefix + std::string(key));
}

}  // namespace lantern::ticket
