#include "app.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "lantern/secret_guard.h"
#include "lantern/signing.h"
#include "lantern/ticket.h"

namespace lantern::widget {

using nlohmann::json;

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
std::string str(const json& j, const char* k) { return j.is_object() && j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); }

json values_json(const forms::Values& values) {
  json j = json::object();
  for (const auto& [k, v] : values) {
    j[k] = {{"text", v.text}, {"approximate", v.approximate}, {"attachments", v.attachments}};
  }
  return j;
}
forms::Values values_from(const json& j) {
  forms::Values out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    forms::FieldValue v;
    v.text = str(*it, "text");
    v.approximate = it->contains("approximate") && (*it)["approximate"].is_boolean() && (*it)["approximate"].get<bool>();
    if (it->contains("attachments") && (*it)["attachments"].is_array()) {
      for (const auto& a : (*it)["attachments"]) {
        if (a.is_string()) v.attachments.push_back(a.get<std::string>());
      }
    }
    out[it.key()] = std::move(v);
  }
  return out;
}

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = std::uint8_t(in[i]) << 16 | std::uint8_t(in[i + 1]) << 8 | std::uint8_t(in[i + 2]);
    out += kB64[v >> 18], out += kB64[(v >> 12) & 63], out += kB64[(v >> 6) & 63], out += kB64[v & 63];
  }
  if (i + 1 == in.size()) {
    std::uint32_t v = std::uint8_t(in[i]) << 16;
    out += kB64[v >> 18], out += kB64[(v >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    std::uint32_t v = std::uint8_t(in[i]) << 16 | std::uint8_t(in[i + 1]) << 8;
    out += kB64[v >> 18], out += kB64[(v >> 12) & 63], out += kB64[(v >> 6) & 63], out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const char* p = c ? std::strchr(kB64, c) : nullptr;
    if (!p) continue;  // '=', whitespace
    acc = acc << 6 | std::uint32_t(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  return out;
}

App::App(Platform& platform, Config config) : platform_(platform), config_(std::move(config)) {
  outbox_ = std::make_unique<ticket::Outbox>(platform_.storage(), platform_.clock(), platform_.random());
  analytics_ = std::make_unique<Analytics>(platform_, config_.relay);
  if (auto saved = platform_.storage().get("settings/analytics"); saved && *saved && **saved == "0") analytics = false;
  analytics_->set_enabled(analytics);
}

App::~App() {
  for (auto& s : shots_) {
    if (s.texture) platform_.free_texture(s.texture);
  }
}

// [SECTION] Bundle and language

Status App::open_bundle(std::string bytes, const std::string& public_key_pem) {
  auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  Status st = public_key_pem.empty() ? kb::check_integrity(data, bytes.size())
                                     : kb::verify_bundle(data, bytes.size(), public_key_pem);
  if (!st) return st.error();
  return open_checked_bundle(std::move(bytes));
}

Status App::open_checked_bundle(std::string bytes) {
  bundle_bytes_ = std::move(bytes);
  auto* data = reinterpret_cast<const std::uint8_t*>(bundle_bytes_.data());
  auto b = kb::Bundle::open(data, bundle_bytes_.size());
  if (!b) return b.error();
  bundle_ = std::make_unique<kb::Bundle>(std::move(*b));
  searcher_ = std::make_unique<search::Searcher>(*bundle_);
  auto uist = bundle_->section_json(kb::tag("UIST"));
  if (uist.empty()) return make_error(ErrorCode::bad_format, "the bundle has no UI strings (build it with --strings)");
  if (auto s = strings_.load(uist); !s) return s.error();
  auto form_text = bundle_->section_json(kb::tag("FORM"));
  if (form_text.empty()) return make_error(ErrorCode::bad_format, "the bundle has no form schemas (build it with --forms)");
  auto set = forms::parse_form_set(form_text);
  if (!set) return set.error();
  forms_ = std::move(*set);
  triager_ = std::make_unique<forms::Triager>(*searcher_, forms_);
  std::string lang = config_.language;
  if (auto saved = platform_.storage().get("settings/lang"); saved && *saved) lang = **saved;
  strings_.set_language(lang.empty() ? "en" : lang);
  screen_ = Screen::home;
  history_.clear();
  want_frames(3);
  return ok_status();
}

void App::show_error(std::string message) {
  alert_line = std::move(message);
  screen_ = Screen::error;
  want_frames(3);
}

void App::set_language(const std::string& tag) {
  strings_.set_language(tag);
  (void)platform_.storage().put("settings/lang", strings_.language());
  set_query(query_);  // results in the new language
  if (form_) recheck();
  want_frames(3);
}

// [SECTION] Navigation

void App::go(Screen s) {
  if (s == screen_) return;
  history_.push_back(screen_);
  screen_ = s;
  alert_line.clear();
  screen_changed();
  want_frames(3);
}

void App::screen_changed() {
  if (screen_ != Screen::home) analytics_->leave_search();
  if (screen_ != Screen::form && screen_ != Screen::review && screen_ != Screen::submitted) analytics_->contact_left();
}

void App::close() {
  analytics_->leave_search();
  analytics_->contact_left();
  analytics_->flush();
  platform_.post_to_host("{\"lantern\":1,\"type\":\"close\"}");
}

void App::back() {
  if (history_.empty()) {
    if (screen_ != Screen::home && bundle_) screen_ = Screen::home;
    else {
      close();
      want_frames(3);
      return;
    }
  } else {
    screen_ = history_.back();
    history_.pop_back();
    // The submitted page is not a place to go back to.
    if (screen_ == Screen::review && !submitted_key_.empty()) screen_ = Screen::home, history_.clear();
  }
  screen_changed();
  alert_line.clear();
  want_frames(3);
}

// [SECTION] Home and articles

void App::set_query(std::string q) {
  query_ = std::move(q);
  hits_.clear();
  struct Report {  // analytics hear of every change, with the results it found
    App& a;
    ~Report() { a.analytics_->query_changed(a.query_, a.language(), int(a.hits_.size())); }
  } report{*this};
  if (!searcher_ || query_.empty()) return;
  search::Options opt;
  opt.lang = language();
  opt.top = 8;
  auto r = searcher_->search(query_, opt);
  if (r) hits_ = std::move(*r);
  want_frames(2);
}

std::vector<std::string> App::categories() const {
  std::vector<std::string> out;
  if (!bundle_) return out;
  std::string l = language().substr(0, 2);
  for (std::uint32_t i = 0; i < bundle_->article_count(); ++i) {
    auto a = bundle_->article(i);
    if (a.lang.substr(0, 2) != l) continue;
    std::string c(a.category);
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint32_t> App::articles_in(const std::string& category) const {
  std::vector<std::uint32_t> out;
  std::string l = language().substr(0, 2);
  for (std::uint32_t i = 0; i < bundle_->article_count(); ++i) {
    auto a = bundle_->article(i);
    if (a.lang.substr(0, 2) == l && a.category == category) out.push_back(i);
  }
  return out;
}

bool App::open_article(std::string_view id) {
  if (!bundle_) return false;
  if (id.substr(0, 3) == "kb:") id.remove_prefix(3);
  auto idx = bundle_->find_article(id);
  if (idx < 0) idx = bundle_->find_article(std::string(id) + "@" + language());
  if (idx < 0) idx = bundle_->find_article(std::string(id) + "@en");
  if (idx < 0) return false;
  auto b = bundle_->blocks(std::uint32_t(idx));
  if (!b) return false;
  std::string aid(bundle_->article(std::uint32_t(idx)).id);
  if (screen_ == Screen::home) {
    for (const auto& h : hits_) {
      if (h.id == aid) analytics_->result_opened(aid);
    }
  }
  analytics_->article_opened();
  article_ = idx;
  blocks_ = std::move(*b);
  helpful = 0;
  if (screen_ == Screen::article) {
    history_.push_back(Screen::article);  // article to article: Back returns to the first
    want_frames(3);
  } else {
    go(Screen::article);
  }
  return true;
}

void App::vote(bool yes) {
  if (helpful != 0 || article_ < 0) return;
  helpful = yes ? 1 : -1;
  status_line = S(yes ? "article.thanks" : "article.sorry");
  auto a = bundle_->article(std::uint32_t(article_));
  analytics_->vote(std::string(a.id), yes, std::string(a.lang));
  want_frames(3);
}

std::vector<std::uint32_t> App::related() const {
  std::vector<std::uint32_t> out;
  if (article_ < 0) return out;
  auto a = bundle_->article(std::uint32_t(article_));
  for (std::uint32_t i : articles_in(std::string(a.category))) {
    if (std::int64_t(i) != article_ && out.size() < 4) out.push_back(i);
  }
  return out;
}

// [SECTION] Contact

void App::start_contact() {
  description.clear();
  form_ = nullptr;
  values.clear();
  touched.clear();
  review_attempted = false;
  for (auto& s : shots_) {
    if (s.texture) platform_.free_texture(s.texture);
  }
  shots_.clear();
  submitted_key_.clear();
  go(Screen::describe);
}

std::vector<forms::FieldError> App::secrets_in_description() const {
  std::vector<forms::FieldError> out;
  for (const auto& f : forms::scan_secrets(description)) {
    out.push_back({"description", std::string("secret.") + forms::secret_kind_name(f.kind), {f.message_en, f.message_zh},
                   f.severity == forms::Severity::block});
  }
  return out;
}

void App::run_triage() {
  triage_ = {};
  if (triager_) {
    auto r = triager_->triage(description, language(), 3);
    if (r) triage_ = std::move(*r);
  }
  go(Screen::choose);
}

bool App::choose_form(const std::string& form_id, const std::map<std::string, std::string>& prefill) {
  const forms::Form* f = forms_.find(form_id);
  if (!f) return false;
  form_ = f;
  replacing_key_.clear();
  values.clear();
  touched.clear();
  review_attempted = false;
  for (const auto& field : f->fields) {
    if (field.id == "description" && !description.empty()) values[field.id].text = description;
  }
  for (const auto& [k, v] : prefill) {
    if (f->field(k)) values[k].text = v, touched.insert(k);
  }
  analytics_->contact_started(f->id);
  recheck();
  go(Screen::form);
  return true;
}

void App::set_field(const std::string& id, std::string text) {
  values[id].text = std::move(text);
  touched.insert(id);
  recheck();
}

void App::set_approximate(const std::string& id, bool approximate) {
  values[id].approximate = approximate;
  recheck();
}

forms::Values App::effective_values() const {
  forms::Values out;
  if (!form_) return out;
  for (const auto& f : form_->fields) {
    auto it = values.find(f.id);
    if (it == values.end()) continue;
    bool empty = f.type == forms::FieldType::attachments ? it->second.attachments.empty() : it->second.text.empty();
    if (empty) continue;
    if (forms::visible(*form_, f, out)) out[f.id] = it->second;
  }
  return out;
}

forms::CheckContext App::context() const {
  forms::CheckContext ctx;
  ctx.now_ms = platform_.clock().now_ms();
  return ctx;
}

void App::recheck() {
  errors_.clear();
  if (!form_) return;
  // Attachments: the local ids of the screenshots of each field.
  for (const auto& f : form_->fields) {
    if (f.type != forms::FieldType::attachments) continue;
    auto& v = values[f.id].attachments;
    v.clear();
    for (const auto& s : shots_) {
      if (s.field == f.id) v.push_back(s.local_id);
    }
  }
  errors_ = forms::check_values(*form_, effective_values(), context());
  want_frames(2);
}

const forms::FieldError* App::error_for(const std::string& field) const {
  if (!review_attempted && !touched.count(field)) {
    // Secrets are shown at once, wherever they are.
    for (const auto& e : errors_) {
      if (e.field == field && e.code.rfind("secret.", 0) == 0) return &e;
    }
    return nullptr;
  }
  for (const auto& e : errors_) {
    if (e.field == field) return &e;
  }
  return nullptr;
}

bool App::to_review() {
  review_attempted = true;
  recheck();
  for (const auto& e : errors_) {
    if (e.blocking) {
      alert_line = S("contact.fix_errors");
      want_frames(3);
      return false;
    }
  }
  alert_line.clear();
  go(Screen::review);
  return true;
}

void App::add_image(const std::string& field, PickedImage image) {
  if (!image.error.empty() || image.rgba.size() != std::size_t(image.width) * image.height * 4 || !image.width) {
    image_error = image.error.empty() ? S("contact.image_broken") : image.error;
    alert_line = image_error;
    want_frames(3);
    return;
  }
  const forms::Field* f = form_ ? form_->field(field) : nullptr;
  int count = 0;
  for (const auto& s : shots_) count += s.field == field;
  if (f && f->max_files > 0 && count >= f->max_files) {
    image_error = strings_.format("contact.too_many_images", {{"n", std::to_string(f->max_files)}});
    alert_line = image_error;
    want_frames(3);
    return;
  }
  Shot s;
  s.local_id = "local-" + std::to_string(next_local_++);
  s.width = image.width;
  s.height = image.height;
  s.rgba = std::move(image.rgba);
  s.texture = platform_.make_texture(s.width, s.height, s.rgba.data());
  s.field = field;
  shots_.push_back(std::move(s));
  image_error.clear();
  alert_line.clear();
  status_line = S("contact.image_added");
  recheck();
}

void App::remove_image(const std::string& local_id) {
  for (auto it = shots_.begin(); it != shots_.end(); ++it) {
    if (it->local_id == local_id) {
      if (it->texture) platform_.free_texture(it->texture);
      shots_.erase(it);
      break;
    }
  }
  recheck();
}

void App::submit() {
  if (!form_) return;
  recheck();
  for (const auto& e : errors_) {
    if (e.blocking) {
      alert_line = S("contact.fix_errors");
      screen_ = Screen::form;
      return;
    }
  }
  stage_ticket();
}

// A staged ticket: everything needed to build the ticket once its screenshots are uploaded.
// Kept in storage ("staged/<key>") so a closed tab or an offline device loses nothing; the
// screenshots' bytes sit beside it ("blob/<key>/<n>", base64).
void App::stage_ticket() {
  auto key = outbox_->new_key();
  if (!key) {
    alert_line = key.error().message;
    return;
  }
  json staged = {{"key", *key},
                 {"category", form_->id},
                 {"language", language()},
                 {"created_ms", platform_.clock().now_ms()},
                 {"values", values_json(effective_values())},
                 {"user", user_id.empty() ? json() : json{{"id", user_id}, {"hash", user_hash}}},
                 {"attachments", json::array()}};
  submitted_key_ = *key;
  std::string replaces = std::move(replacing_key_);  // the refused ticket this one corrects
  replacing_key_.clear();
  analytics_->contact_submitted(*key);
  status_line = S("submitted.sending");
  go(Screen::submitted);
  history_.clear();
  // Screenshots: redaction boxes are applied to the pixels, then the platform encodes them.
  auto pending = std::make_shared<int>(int(shots_.size()));
  auto record = std::make_shared<json>(std::move(staged));
  auto finish = [this, record, replaces]() {
    if (auto st = platform_.storage().put("staged/" + (*record)["key"].get<std::string>(), dump(*record)); !st) {
      alert_line = st.error().message;
      return;
    }
    if (!replaces.empty()) remove_not_sent(replaces);  // only once its correction is stored
    pump();
  };
  if (shots_.empty()) {
    finish();
    return;
  }
  int n = 0;
  for (auto& s : shots_) {
    std::vector<std::uint8_t> px = s.rgba;
    for (const auto& b : s.boxes) {
      std::uint32_t x0 = std::uint32_t(std::clamp(std::min(b[0], b[2]), 0.f, float(s.width)));
      std::uint32_t x1 = std::uint32_t(std::clamp(std::max(b[0], b[2]), 0.f, float(s.width)));
      std::uint32_t y0 = std::uint32_t(std::clamp(std::min(b[1], b[3]), 0.f, float(s.height)));
      std::uint32_t y1 = std::uint32_t(std::clamp(std::max(b[1], b[3]), 0.f, float(s.height)));
      for (std::uint32_t y = y0; y < y1; ++y) {
        for (std::uint32_t x = x0; x < x1; ++x) {
          std::uint8_t* p = &px[(std::size_t(y) * s.width + x) * 4];
          p[0] = p[1] = p[2] = 0, p[3] = 255;
        }
      }
    }
    std::string blob_key = "blob/" + *key + "/" + std::to_string(n++);
    std::string local = s.local_id, field = s.field;
    platform_.encode_image(s.width, s.height, std::move(px), [this, record, pending, finish, blob_key, local, field](EncodedImage img) {
      if (img.error.empty()) {
        if (platform_.storage().put(blob_key, base64_encode(img.bytes))) {
          (*record)["attachments"].push_back({{"blob", blob_key}, {"local", local}, {"field", field}, {"type", img.type}, {"size", img.bytes.size()}});
        }
      } else {
        delivery_note = img.error;
      }
      if (--*pending == 0) finish();
    });
  }
}

std::string App::ticket_json_for(const std::string& staged_text, std::string& error) {
  json st = json::parse(staged_text, nullptr, false);
  const forms::Form* f = forms_.find(str(st, "category"));
  if (!f) {
    error = "unknown category";
    return {};
  }
  ticket::Ticket t;
  t.idempotency_key = str(st, "key");
  t.created_ms = st.contains("created_ms") && st["created_ms"].is_number() ? st["created_ms"].get<std::int64_t>() : 0;
  t.language = str(st, "language");
  t.category = f->id;
  t.form_version = f->version;
  forms::Values v = values_from(st["values"]);
  for (auto& [k, fv] : v) fv.attachments.clear();
  for (const auto& a : st["attachments"]) {
    std::string id = str(a, "id");
    if (id.empty()) continue;  // an image that never uploaded is left out rather than blocking
    t.attachments.push_back({id, str(a, "sha256"), str(a, "type"), a.contains("size") && a["size"].is_number() ? a["size"].get<std::uint64_t>() : 0});
    v[str(a, "field")].attachments.push_back(id);
  }
  forms::CheckContext ctx = context();
  t.fields = forms::canonical_values(*f, v, ctx);
  t.client = {config_.client_name, config_.client_version, ""};
  if (st.contains("user") && st["user"].is_object()) t.user = ticket::Identity{str(st["user"], "id"), str(st["user"], "hash")};
  return ticket::to_json(t, *f);
}

// [SECTION] Delivery

void App::pump() {
  bool now = retry_now_;
  retry_now_ = false;
  pump_staged(now);
  pump_outbox(now);
  analytics_->pump();  // its own requests, never in the way of the outbox's
}

void App::pump_staged(bool retry_now) {
  auto keys = platform_.storage().keys("staged/");
  if (!keys) return;
  const std::int64_t now = platform_.clock().now_ms();
  for (const auto& sk : *keys) {
    if (in_flight_.count(sk)) continue;
    if (!retry_now && staged_retry_at_.count(sk) && staged_retry_at_[sk] > now) continue;
    auto text = platform_.storage().get(sk);
    if (!text || !*text) continue;
    json st = json::parse(**text, nullptr, false);
    if (!st.is_object()) {
      (void)platform_.storage().remove(sk);
      continue;
    }
    // Upload the first screenshot without a relay id, one at a time.
    std::size_t i = 0;
    for (; i < st["attachments"].size(); ++i) {
      if (str(st["attachments"][i], "id").empty()) break;
    }
    if (i < st["attachments"].size() && !config_.relay.empty()) {
      auto bytes = platform_.storage().get(str(st["attachments"][i], "blob"));
      if (!bytes || !*bytes) {
        st["attachments"].erase(i);  // lost bytes cannot be sent; the ticket still goes
        (void)platform_.storage().put(sk, dump(st));
        continue;
      }
      HttpRequest req;
      req.method = "POST";
      req.url = config_.relay + "/v1/attachments";
      req.headers = {{"Content-Type", str(st["attachments"][i], "type")}};
      req.body = base64_decode(**bytes);
      in_flight_.insert(sk);
      platform_.http(std::move(req), [this, sk, i](HttpResponse r) {
        in_flight_.erase(sk);
        auto text = platform_.storage().get(sk);
        if (!text || !*text) return;
        json st = json::parse(**text, nullptr, false);
        if (r.status == 201 || r.status == 200) {
          json a = json::parse(r.body, nullptr, false);
          if (i < st["attachments"].size() && a.is_object()) {
            st["attachments"][i]["id"] = str(a, "id");
            st["attachments"][i]["sha256"] = str(a, "sha256");
            st["attachments"][i]["type"] = str(a, "type");
            if (a.contains("size")) st["attachments"][i]["size"] = a["size"];
            (void)platform_.storage().remove(str(st["attachments"][i], "blob"));
          }
          (void)platform_.storage().put(sk, dump(st));
          staged_attempts_.erase(sk);
          staged_retry_at_.erase(sk);
        } else if (ticket::classify_http(r.status) == ticket::Delivery::Outcome::rejected) {
          // The relay refuses this image (too big, not an image): send the ticket without it.
          delivery_note = S("delivery.image_refused");
          (void)platform_.storage().remove(str(st["attachments"][i], "blob"));
          st["attachments"].erase(i);
          (void)platform_.storage().put(sk, dump(st));
        } else {
          int n = ++staged_attempts_[sk];
          std::int64_t delay = std::min<std::int64_t>(2000LL << std::min(n, 8), 10 * 60'000);
          staged_retry_at_[sk] = platform_.clock().now_ms() + std::max(delay, r.retry_after_ms);
          delivery_note = S(r.untrusted ? "delivery.untrusted" : "delivery.offline");
        }
        pump();
        platform_.wake();
      });
      continue;
    }
    if (i < st["attachments"].size()) continue;  // no relay configured: keep waiting
    // All screenshots are uploaded: the ticket itself goes into the outbox.
    std::string error;
    std::string body = ticket_json_for(**text, error);
    if (body.empty()) continue;
    if (outbox_->enqueue(str(st, "key"), body)) {
      (void)platform_.storage().remove(sk);
      // What the user typed stays beside it, so a refused ticket can be corrected, not retyped.
      (void)platform_.storage().put("pending/" + str(st, "key"),
                                    dump(json{{"category", str(st, "category")}, {"created_ms", st["created_ms"]}, {"values", st["values"]}}));
    }
  }
}

void App::pump_outbox(bool retry_now) {
  if (config_.relay.empty()) return;
  if (retry_now) {
    // The network is back: every ticket waiting for its back-off is due now. Entries with an
    // attempt still in flight are left alone (they would be handed out a second time).
    if (auto es = outbox_->entries()) {
      for (const auto& e : *es) {
        if (e.state == ticket::EntryState::pending && !in_flight_.count("outbox/" + e.key)) (void)outbox_->make_due(e.key);
      }
    }
  }
  auto due = outbox_->take_due();
  if (!due) return;
  for (const auto& e : *due) {
    HttpRequest req;
    req.method = "POST";
    req.url = config_.relay + "/v1/tickets";
    req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", e.key}};
    req.body = e.body;
    std::string key = e.key;
    in_flight_.insert("outbox/" + key);
    platform_.http(std::move(req), [this, key](HttpResponse r) {
      in_flight_.erase("outbox/" + key);
      ticket::Delivery d;
      d.outcome = ticket::classify_http(r.status);
      d.http_status = r.status;
      d.answer = r.body;
      d.error = r.status ? "HTTP " + std::to_string(r.status) : r.error;
      d.retry_after_ms = r.retry_after_ms;
      if (d.outcome == ticket::Delivery::Outcome::rejected) {
        json a = json::parse(r.body, nullptr, false);
        if (a.is_object() && a.contains("error")) d.error = str(a["error"], "message");
      }
      (void)outbox_->report(key, d);
      if (d.outcome == ticket::Delivery::Outcome::accepted) {
        json a = json::parse(r.body, nullptr, false);
        auto pend = platform_.storage().get("pending/" + key);
        json p = pend && *pend ? json::parse(**pend, nullptr, false) : json::object();
        Receipt rc{key, str(a, "id"), str(a, "access_token"), str(p, "category"),
                   p.is_object() && p.contains("created_ms") && p["created_ms"].is_number() ? p["created_ms"].get<std::int64_t>() : 0};
        (void)platform_.storage().put("receipt/" + key, dump(json{{"key", key}, {"id", rc.id}, {"token", rc.token}, {"category", rc.category}, {"created_ms", rc.created_ms}}));
        (void)platform_.storage().remove("pending/" + key);
        json ev = {{"lantern", 1}, {"type", "ticket"}, {"id", rc.id}, {"status", str(a, "status").empty() ? "open" : str(a, "status")}, {"category", rc.category}};
        platform_.post_to_host(dump(ev));
        analytics_->ticket_accepted(key);
        if (key == submitted_key_) status_line = strings_.format("submitted.number", {{"id", rc.id}});
      } else if (d.outcome == ticket::Delivery::Outcome::rejected) {
        delivery_note = d.error;
        if (key == submitted_key_) alert_line = strings_.format("delivery.rejected", {{"reason", d.error}});
      } else {
        // Not "offline" when the network is fine but the server could not be trusted: the user
        // (or the exchange) has something to look at, and it is still kept and retried.
        delivery_note = S(r.untrusted ? "delivery.untrusted" : "delivery.offline");
        if (key == submitted_key_) status_line = S(r.untrusted ? "submitted.untrusted" : "submitted.queued");
      }
      want_frames(3);
      platform_.wake();
    });
  }
}

std::optional<std::int64_t> App::next_timer_ms() {
  std::optional<std::int64_t> t;
  if (auto r = outbox_->next_due(); r && *r) t = **r;
  for (const auto& [k, at] : staged_retry_at_) {
    if (!t || at < *t) t = at;
  }
  if (auto a = analytics_->next_timer_ms(); a && (!t || *a < *t)) t = a;
  return t;
}

int App::pending_count() {
  int n = 0;
  if (auto e = outbox_->entries()) {
    for (const auto& x : *e) n += x.state == ticket::EntryState::pending;
  }
  if (auto k = platform_.storage().keys("staged/")) n += int(k->size());
  return n;
}

std::optional<Receipt> App::receipt_for(const std::string& key) {
  auto r = platform_.storage().get("receipt/" + key);
  if (!r || !*r) return std::nullopt;
  json j = json::parse(**r, nullptr, false);
  return Receipt{key, str(j, "id"), str(j, "token"), str(j, "category"),
                 j.contains("created_ms") && j["created_ms"].is_number() ? j["created_ms"].get<std::int64_t>() : 0};
}

std::vector<Receipt> App::receipts() {
  std::vector<Receipt> out;
  auto keys = platform_.storage().keys("receipt/");
  if (!keys) return out;
  for (const auto& k : *keys) {
    if (auto r = receipt_for(k.substr(8))) out.push_back(*r);
  }
  std::sort(out.begin(), out.end(), [](const Receipt& a, const Receipt& b) { return a.created_ms > b.created_ms; });
  return out;
}

std::vector<NotSent> App::not_sent() {
  std::vector<NotSent> out;
  auto entries = outbox_->entries();
  if (!entries) return out;
  for (const auto& e : *entries) {
    if (e.state != ticket::EntryState::rejected) continue;
    json body = json::parse(e.body, nullptr, false);
    out.push_back({e.key, str(body, "category"), e.last_error, e.created_ms});
  }
  std::sort(out.begin(), out.end(), [](const NotSent& a, const NotSent& b) { return a.created_ms > b.created_ms; });
  return out;
}

bool App::edit_not_sent(const std::string& key) {
  NotSent n;
  for (auto& x : not_sent()) {
    if (x.key == key) n = x;
  }
  if (n.key.empty()) return false;
  forms::Values typed;
  if (auto p = platform_.storage().get("pending/" + key); p && *p) {
    json j = json::parse(**p, nullptr, false);
    if (j.is_object() && j.contains("values")) typed = values_from(j["values"]);
  }
  std::map<std::string, std::string> prefill;
  for (const auto& [k, v] : typed) {
    if (!v.text.empty()) prefill[k] = v.text;
  }
  if (!choose_form(n.category, prefill)) return false;
  for (const auto& [k, v] : typed) {
    if (v.approximate && form_->field(k)) values[k].approximate = true;
  }
  replacing_key_ = key;
  recheck();
  return true;
}

void App::remove_not_sent(const std::string& key) {
  (void)outbox_->discard(key);
  (void)platform_.storage().remove("pending/" + key);
  want_frames(3);
}

// [SECTION] Follow-up

void App::open_ticket(const std::string& id) {
  ticket_id_ = id;
  go(Screen::ticket);
  refresh_ticket(id);
}

void App::refresh_ticket(const std::string& id) {
  std::string token;
  for (const auto& r : receipts()) {
    if (r.id == id) token = r.token;
  }
  TicketView& v = views_[id];
  if (config_.relay.empty() || token.empty()) {
    v.error = S("tickets.offline");
    return;
  }
  v.loading = true;
  HttpRequest req;
  req.url = config_.relay + "/v1/tickets/" + id;
  req.headers = {{"Authorization", "Bearer " + token}};
  platform_.http(std::move(req), [this, id](HttpResponse r) {
    TicketView& v = views_[id];
    v.loading = false;
    json a = json::parse(r.body, nullptr, false);
    if (r.status == 200 && a.is_object()) {
      v.error.clear();
      v.status = str(a, "status");
      v.messages.clear();
      if (a.contains("messages") && a["messages"].is_array()) {
        for (const auto& m : a["messages"]) v.messages.push_back({str(m, "author"), str(m, "body"), str(m, "created_at")});
      }
    } else {
      v.error = S("tickets.offline");
    }
    want_frames(3);
    platform_.wake();
  });
}

void App::send_message(const std::string& id) {
  TicketView& v = views_[id];
  if (v.reply.empty() || v.sending) return;
  // The secret guard applies to follow-up messages too.
  for (const auto& f : forms::scan_secrets(v.reply)) {
    if (f.severity == forms::Severity::block) {
      v.error = language().rfind("zh", 0) == 0 ? f.message_zh : f.message_en;
      alert_line = v.error;
      return;
    }
  }
  std::string token;
  for (const auto& r : receipts()) {
    if (r.id == id) token = r.token;
  }
  if (config_.relay.empty() || token.empty()) {
    v.error = S("tickets.offline");
    return;
  }
  HttpRequest req;
  req.method = "POST";
  req.url = config_.relay + "/v1/tickets/" + id + "/messages";
  req.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  req.body = dump(json{{"body", v.reply}});
  v.sending = true;
  platform_.http(std::move(req), [this, id](HttpResponse r) {
    TicketView& v = views_[id];
    v.sending = false;
    if (r.status == 201 || r.status == 200) {
      v.reply.clear();
      v.error.clear();
      status_line = S("tickets.message_sent");
      refresh_ticket(id);
    } else {
      v.error = S("tickets.message_failed");
      alert_line = v.error;
    }
    want_frames(3);
    platform_.wake();
  });
}

// [SECTION] Embedding

void App::on_host_message(const std::string& text) {
  json m = json::parse(text, nullptr, false);
  if (!m.is_object() || !m.contains("lantern") || m["lantern"] != 1) return;
  std::string type = str(m, "type");
  if (type == "open") {
    std::string cat = str(m, "category");
    std::map<std::string, std::string> prefill;
    if (m.contains("fields") && m["fields"].is_object()) {
      for (auto it = m["fields"].begin(); it != m["fields"].end(); ++it) {
        if (it->is_string()) prefill[it.key()] = it->get<std::string>();
        else if (it->is_number()) prefill[it.key()] = it->dump();
      }
    }
    if (!bundle_) return;
    if (!cat.empty() && forms_.find(cat)) {
      description.clear();
      submitted_key_.clear();
      history_.clear();
      screen_ = Screen::home;
      choose_form(cat, prefill);
    } else if (!cat.empty()) {
      start_contact();
    }
  } else if (type == "identify") {
    user_id = str(m, "userId");
    user_hash = str(m, "userHash");
  } else if (type == "theme") {
    if (!str(m, "accent").empty()) accent = str(m, "accent");
    if (!str(m, "mode").empty()) theme = str(m, "mode");
  } else if (type == "analytics") {
    bool on = m.contains("enabled") && m["enabled"].is_boolean() && m["enabled"].get<bool>();
    if (str(m, "source") == "dnt") {
      dnt_ = dnt_ || !on;  // the browser's Do Not Track: this page only, never stored
    } else {
      analytics = on;
      (void)platform_.storage().put("settings/analytics", analytics ? "1" : "0");
    }
    analytics_->set_enabled(analytics && !dnt_);
  } else if (type == "hidden") {
    analytics_->page_hidden(m.contains("unloading") && m["unloading"] == true);
  }
  want_frames(3);
}

bool App::take_action(std::uint32_t id, A11yAction::Kind kind, A11yAction* out) {
  for (auto it = actions_.begin(); it != actions_.end(); ++it) {
    if (it->id == id && it->kind == kind) {
      if (out) *out = std::move(*it);
      actions_.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace lantern::widget
