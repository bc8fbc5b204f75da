// The widget's state and logic (the view-model): bundle, search, articles, the contact flow with
// triage, form checks and the secret guard, ticket delivery through the outbox, and follow-up.
// Drawing lives in ui.cpp (App::frame); everything here runs without a GPU, so unit tests drive it.
//
// Not thread-safe: one App per widget, driven from the UI thread (see platform.h).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "a11y.h"
#include "widget_analytics.h"
#include "lantern/bundle.h"
#include "lantern/forms.h"
#include "lantern/outbox.h"
#include "lantern/search.h"
#include "lantern/triage.h"
#include "platform.h"
#include "ui_strings.h"

namespace lantern::widget {

enum class Screen { loading, error, home, article, describe, choose, form, review, submitted, tickets, ticket };

struct Config {
  std::string relay;          // base URL of the relay, no trailing slash; empty: no delivery
  std::string language;       // the user's (or the page's) preferred language tag
  std::string client_name = "lantern-web";
  std::string client_version = "0.1.0";
  bool web = true;            // the page scrolls the content (web) or ImGui does (desktop)
};

// A screenshot held on the device until the ticket is built. Boxes are in image pixels and are
// blacked out in the pixels before encoding.
struct Shot {
  std::string local_id;  // "local-N" while editing
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
  std::uintptr_t texture = 0;
  std::vector<std::array<float, 4>> boxes;  // x0, y0, x1, y1
  std::string field;                        // the attachments field it belongs to
};

// An accepted ticket the user can follow: the relay's id and access token.
struct Receipt {
  std::string key, id, token, category;
  std::int64_t created_ms = 0;
};

// A ticket the relay refused (a 4xx other than 408/425/429): kept until the user fixes or removes it.
struct NotSent {
  std::string key, category, reason;
  std::int64_t created_ms = 0;
};

struct TicketMessage {
  std::string author, body, created_at;
};
struct TicketView {
  std::string status;
  std::vector<TicketMessage> messages;
  bool loading = false, sending = false;
  std::string error;
  std::string reply;
};

// What the accessibility mirror asks an item to do (web/widget/bridge.js).
struct A11yAction {
  enum class Kind { activate, focus, blur, set_value } kind = Kind::activate;
  std::uint32_t id = 0;
  std::string value;
  int sel_start = -1, sel_end = -1;  // UTF-8 byte offsets
};

class App {
 public:
  App(Platform& platform, Config config);
  ~App();

  // [SECTION] Bundle and language
  // Verifies the bundle's signature against the PEM key (or, with no key, its content hash),
  // opens it and loads forms and UI strings. On error the widget shows the error screen.
  Status open_bundle(std::string bytes, const std::string& public_key_pem);
  // For a bundle whose signature over its content the platform has already checked against the
  // pinned key (the browser's WebCrypto, off the main thread): opens it without checking again.
  Status open_checked_bundle(std::string bytes);
  void show_error(std::string message);
  const Strings& strings() const { return strings_; }
  const char* S(std::string_view key) const { return strings_.get(key); }
  void set_language(const std::string& tag);
  const std::string& language() const { return strings_.language(); }

  // [SECTION] Navigation
  Screen screen() const { return screen_; }
  void go(Screen s);
  void back();  // Escape and the Back button

  // [SECTION] Home and articles
  void set_query(std::string q);
  const std::string& query() const { return query_; }
  const std::vector<search::Hit>& hits() const { return hits_; }
  std::vector<std::string> categories() const;  // article categories in the user's language
  std::vector<std::uint32_t> articles_in(const std::string& category) const;
  bool open_article(std::string_view id_or_link);  // "kb:<id>" links too
  std::int64_t article() const { return article_; }
  const std::vector<kb::Block>& blocks() const { return blocks_; }
  std::vector<std::uint32_t> related() const;
  int helpful = 0;  // 1 yes, -1 no, 0 not asked yet
  void vote(bool yes);  // "Was this helpful?" answered (once per article view)
  const kb::Bundle& bundle() const { return *bundle_; }

  // [SECTION] Contact
  std::string description;
  std::vector<search::Hit> description_secrets_hits;  // unused placeholder for symmetry
  void start_contact();
  void run_triage();  // description -> suggested forms and articles, screen choose
  const forms::Triage& triage() const { return triage_; }
  const forms::FormSet& forms() const { return forms_; }
  // Opens the form; prefill values by field id (deep link or the user's own words).
  bool choose_form(const std::string& form_id, const std::map<std::string, std::string>& prefill = {});
  const forms::Form* form() const { return form_; }
  forms::Values values;
  std::set<std::string> touched;  // fields the user edited: their errors show as they type
  bool review_attempted = false;
  void set_field(const std::string& id, std::string text);
  void set_approximate(const std::string& id, bool approximate);
  void recheck();
  const std::vector<forms::FieldError>& errors() const { return errors_; }
  const forms::FieldError* error_for(const std::string& field) const;  // shown (touched or reviewed)
  std::vector<forms::FieldError> secrets_in_description() const;
  bool visible(const forms::Field& f) const { return form_ && forms::visible(*form_, f, values); }
  forms::Values effective_values() const;  // only visible, non-empty fields
  bool to_review();  // false (and errors shown) when something blocks
  void submit();     // stage the ticket; delivery starts at once
  // Screenshots.
  void add_image(const std::string& field, PickedImage image);
  void remove_image(const std::string& local_id);
  std::vector<Shot>& shots() { return shots_; }
  std::string image_error;

  // [SECTION] Delivery
  void pump();          // uploads, outbox attempts; call on timers and when the network returns
  void on_online() { retry_now_ = true; pump(); }
  std::optional<std::int64_t> next_timer_ms();  // when pump() wants to run again
  int pending_count();  // tickets not yet accepted by the relay
  const std::string& submitted_key() const { return submitted_key_; }
  std::optional<Receipt> receipt_for(const std::string& key);
  std::vector<Receipt> receipts();
  std::vector<NotSent> not_sent();  // newest first
  // Opens the refused ticket's form with what the user typed (screenshots are added again); the
  // refused entry is removed once the corrected one is submitted, not before.
  bool edit_not_sent(const std::string& key);
  void remove_not_sent(const std::string& key);
  std::string delivery_note;  // last delivery problem, for the submitted page

  // [SECTION] Follow-up
  void open_ticket(const std::string& id);
  const std::string& current_ticket() const { return ticket_id_; }
  TicketView& ticket_view(const std::string& id) { return views_[id]; }
  void refresh_ticket(const std::string& id);
  void send_message(const std::string& id);

  // [SECTION] Embedding (messages from the host page)
  // {"lantern":1,"type":"open"|"identify"|"theme"|"analytics",...}; unknown types are ignored.
  // From bridge.js itself: {"type":"analytics","enabled":false,"source":"dnt"} (Do Not Track in the
  // widget page: off for this page, not stored) and {"type":"hidden","unloading":bool} (page hidden:
  // analytics are flushed; unloading also ends an open contact flow).
  void on_host_message(const std::string& json);
  std::string user_id, user_hash;
  bool analytics = true;  // the host's setting (settings/analytics); off also with Do Not Track
  Analytics& analytics_events() { return *analytics_; }
  void close();  // the Close button, Escape on Home: flushes analytics, tells the host
  std::string accent = "#2f6fde", theme = "light";

  // [SECTION] Frames
  // Draws one frame with Dear ImGui (ui.cpp) between NewFrame and Render, which the caller does.
  void frame(float scroll_y, float viewport_w, float viewport_h);
  A11yTree& a11y() { return a11y_; }
  void act(A11yAction action) { actions_.push_back(std::move(action)); }
  bool take_action(std::uint32_t id, A11yAction::Kind kind, A11yAction* out = nullptr);
  std::vector<A11yAction>& pending_actions() { return actions_; }
  // What the input method is composing (pinyin before a candidate is chosen): typed into the
  // hidden DOM field, so the canvas shows it under the focused field. Web only; "" otherwise.
  std::string preedit;
  // Frames still to draw for transitions and settled layout (idle means idle otherwise).
  int frames_wanted = 2;
  void want_frames(int n) { frames_wanted = std::max(frames_wanted, n); }
  float content_height = 0;
  Platform& platform() { return platform_; }
  const Config& config() const { return config_; }
  std::string status_line;  // announced in the live region (status)
  std::string alert_line;   // announced as an alert (errors)

 private:
  void stage_ticket();
  void screen_changed();  // analytics: leaving Home ends a search, leaving the form a contact flow
  void pump_staged(bool now);
  void pump_outbox(bool now);
  void load_receipts();
  forms::CheckContext context() const;
  std::string ticket_json_for(const std::string& staged_json, std::string& error);
  std::string replacing_key_;  // the refused ticket the open form corrects

  Platform& platform_;
  Config config_;
  Strings strings_;
  std::string bundle_bytes_;
  std::unique_ptr<kb::Bundle> bundle_;
  std::unique_ptr<search::Searcher> searcher_;
  forms::FormSet forms_;
  std::unique_ptr<forms::Triager> triager_;
  std::unique_ptr<ticket::Outbox> outbox_;
  std::unique_ptr<Analytics> analytics_;  // in memory only, never in the outbox's storage
  bool dnt_ = false;

  Screen screen_ = Screen::loading;
  std::vector<Screen> history_;
  std::string query_;
  std::vector<search::Hit> hits_;
  std::int64_t article_ = -1;
  std::vector<kb::Block> blocks_;
  forms::Triage triage_;
  const forms::Form* form_ = nullptr;
  std::vector<forms::FieldError> errors_;
  std::vector<Shot> shots_;
  int next_local_ = 1;
  std::string submitted_key_;
  std::string ticket_id_;
  std::map<std::string, TicketView> views_;
  std::set<std::string> in_flight_;  // staged keys being uploaded, outbox keys being posted
  std::map<std::string, std::int64_t> staged_retry_at_;
  std::map<std::string, int> staged_attempts_;
  bool retry_now_ = false;
  A11yTree a11y_;
  std::vector<A11yAction> actions_;
};

std::string base64_encode(std::string_view bytes);
std::string base64_decode(std::string_view text);

}  // namespace lantern::widget
