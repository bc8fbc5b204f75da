#include "widget_analytics.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "lantern/secret_guard.h"
#include "lantern/text.h"

namespace lantern::widget {

using nlohmann::json;

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Valid UTF-8 (bad bytes become U+FFFD: the relay refuses invalid text), whitespace runs collapsed,
// trimmed, and cut at a character boundary.
std::string clean_query(const std::string& raw) {
  std::string out;
  bool space = false;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    char32_t c = text::decode_utf8(raw, pos);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000 || c < 0x20) {
      space = !out.empty();
      continue;
    }
    std::string cp;
    text::append_utf8(cp, c);
    if (out.size() + (space ? 1 : 0) + cp.size() > Analytics::kMaxQueryBytes) break;
    if (space) out += ' ', space = false;
    out += cp;
  }
  return out;
}

}  // namespace

Analytics::Analytics(Platform& platform, std::string relay) : platform_(platform) {
  if (!relay.empty()) endpoint_ = relay + "/v1/analytics/events";
}

void Analytics::set_enabled(bool on) {
  enabled_ = on;
  if (!enabled()) {
    // "Keep nothing": forget what waits, including a batch waiting for its retry.
    queue_.clear();
    search_.reset();
    flow_.reset();
    retry_body_.clear();
    retry_at_ms_ = 0;
  }
}

void Analytics::push(std::string event) {
  if (!enabled()) return;
  if (queue_.size() >= kMaxQueued) {
    ++dropped_;
    return;
  }
  if (queue_.empty()) first_queued_ms_ = platform_.clock().now_ms();
  queue_.push_back(std::move(event));
  if (queue_.size() >= kBatchEvents) send(false);
}

// [SECTION] Searches

void Analytics::query_changed(const std::string& query, const std::string& lang, int results) {
  if (!enabled()) return;
  const std::int64_t now = platform_.clock().now_ms();
  if (search_ && search_->query == query) {
    // The same text again (language switch re-runs the search): not a new search.
    search_->lang = lang, search_->results = results;
    return;
  }
  if (search_ && !search_->done) {
    bool settled = search_->settled || now - search_->changed_ms >= kSettleMs;
    // The box cleared in one step (select all + delete) is the user leaving a shown query;
    // backspacing one character at a time is not.
    std::size_t chars = 0;
    for (std::size_t p = 0; p < search_->query.size();) text::decode_utf8(search_->query, p), ++chars;
    if (query.empty() && chars > 1) settled = true;
    if (settled) emit_search("");
  }
  search_.reset();
  if (clean_query(query).empty()) return;
  search_ = Search{query, lang, results, now, false, false};
}

void Analytics::result_opened(const std::string& article_id) {
  if (!enabled() || !search_ || search_->done) return;
  emit_search(article_id);
}

void Analytics::leave_search() {
  if (!enabled() || !search_ || search_->done) return;
  emit_search("");
}

void Analytics::emit_search(const std::string& opened) {
  search_->done = true;
  std::string q = clean_query(search_->query);
  if (q.empty()) return;
  // A query that looks like a secret (seed phrase, key, code, password) is never sent; the relay
  // would drop it too, but it should not leave the device at all.
  if (!forms::scan_secrets(search_->query).empty()) return;
  json e = {{"kind", "search"}, {"query", q}, {"lang", search_->lang}, {"results", std::max(0, search_->results)},
            {"opened", opened.empty() ? json() : json(opened)}};
  push(dump(e));
}

// [SECTION] Votes and contact flows

void Analytics::vote(const std::string& article_id, bool helpful, const std::string& lang) {
  if (!enabled() || article_id.empty()) return;
  push(dump(json{{"kind", "article_vote"}, {"article_id", article_id}, {"helpful", helpful}, {"lang", lang}}));
}

void Analytics::contact_started(const std::string& category) {
  if (!enabled()) return;
  if (flow_ && flow_->ticket_key.empty()) contact_left();
  flow_ = Flow{category, "", article_opened_};
}

void Analytics::contact_submitted(const std::string& key) {
  if (flow_ && flow_->ticket_key.empty()) flow_->ticket_key = key;
}

void Analytics::contact_left() {
  if (!flow_ || !flow_->ticket_key.empty()) return;  // a submitted flow waits for the relay
  Flow f = std::move(*flow_);
  flow_.reset();
  if (!enabled()) return;
  push(dump(json{{"kind", "contact"}, {"category", f.category}, {"article_opened_before", f.article_before}, {"ticket_filed", false}}));
}

void Analytics::ticket_accepted(const std::string& key) {
  if (!flow_ || flow_->ticket_key != key) return;
  Flow f = std::move(*flow_);
  flow_.reset();
  if (!enabled()) return;
  push(dump(json{{"kind", "contact"}, {"category", f.category}, {"article_opened_before", f.article_before}, {"ticket_filed", true}}));
}

// [SECTION] Sending

std::optional<std::int64_t> Analytics::next_timer_ms() const {
  if (!enabled()) return std::nullopt;
  std::optional<std::int64_t> t;
  if (!retry_body_.empty()) t = retry_at_ms_;
  if (!queue_.empty() && !in_flight_) {
    std::int64_t at = first_queued_ms_ + flush_interval_ms;
    if (!t || at < *t) t = at;
  }
  return t;
}

void Analytics::pump() {
  if (!enabled() || in_flight_) return;
  const std::int64_t now = platform_.clock().now_ms();
  if (!retry_body_.empty()) {
    if (now < retry_at_ms_) return;
    std::string body = std::move(retry_body_);
    retry_body_.clear();
    post(std::move(body), retry_count_, retry_attempt_, retry_rate_limited_);
    return;
  }
  if (!queue_.empty() && now - first_queued_ms_ >= flush_interval_ms) send(false);
}

void Analytics::flush() {
  if (!enabled()) return;
  send(true);
}

void Analytics::page_hidden(bool unloading) {
  if (!enabled()) return;
  leave_search();
  if (unloading) {
    contact_left();
    flow_.reset();  // a submitted ticket's answer will not be seen by this page
  }
  send(true);
}

// force: also while another batch is in flight (the page is going away; fetch keepalive).
void Analytics::send(bool force) {
  if (!enabled() || queue_.empty() || (in_flight_ && !force)) return;
  if (!retry_body_.empty() && !force) return;  // one batch at a time
  while (!queue_.empty()) {
    std::string body = "{\"events\":[";
    std::size_t n = 0;
    while (!queue_.empty() && n < kMaxBatchEvents && body.size() + queue_.front().size() + 3 <= kMaxBatchBytes) {
      if (n) body += ',';
      body += queue_.front();
      queue_.pop_front();
      ++n;
    }
    if (n == 0) {  // cannot happen with cut queries; never loop forever
      queue_.pop_front();
      ++dropped_;
      continue;
    }
    body += "]}";
    first_queued_ms_ = platform_.clock().now_ms();
    post(std::move(body), n, 0, false);
    if (!force) break;
  }
}

void Analytics::post(std::string body, std::size_t count, int attempt, bool rate_limited) {
  HttpRequest req;
  req.method = "POST";
  req.url = endpoint_;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = body;
  in_flight_ = true;
  platform_.http(std::move(req), [this, body, count, attempt, rate_limited](HttpResponse r) {
    in_flight_ = false;
    const std::int64_t now = platform_.clock().now_ms();
    if (r.status >= 200 && r.status < 300) {
      last_error_.clear();  // 202, even with "dropped" > 0: the relay sheds load; never resend
    } else if (r.status == 429) {
      if (rate_limited) {
        dropped_ += count, last_error_ = "429 twice: batch dropped";
      } else {
        retry_body_ = body, retry_count_ = count, retry_attempt_ = attempt, retry_rate_limited_ = true;
        retry_at_ms_ = now + std::max<std::int64_t>(r.retry_after_ms, 1000);
      }
    } else if (r.status == 403 && r.body.find("analytics_off") != std::string::npos) {
      last_error_ = "analytics_off";
      relay_off_ = true;  // for the rest of this session
      set_enabled(enabled_);
    } else if (r.status >= 400 && r.status < 500) {
      // 400/413/415/422 and the rest: resending will not fix it.
      dropped_ += count;
      last_error_ = "HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300);
    } else if (attempt + 1 >= kMaxRetries + 1) {
      dropped_ += count;  // network error or 5xx, retries used up
      last_error_ = r.status ? "HTTP " + std::to_string(r.status) : r.error;
    } else {
      retry_body_ = body, retry_count_ = count, retry_attempt_ = attempt + 1, retry_rate_limited_ = rate_limited;
      retry_at_ms_ = now + (std::int64_t(2000) << attempt);
      last_error_ = r.status ? "HTTP " + std::to_string(r.status) : r.error;
    }
    // What queued up meanwhile goes when it is due (pump), not at once.
    platform_.wake();
  });
}

}  // namespace lantern::widget
