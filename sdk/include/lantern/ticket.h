// The ticket: what the widget sends and the relay stores, as versioned JSON (docs/TICKET.md).
// The same code builds it on the device and parses it again on the relay, so both apply the
// same rules.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/forms.h"

namespace lantern::ticket {

constexpr const char* kSchema = "lantern.ticket/1";
constexpr std::size_t kMaxTicketJsonBytes = 256 * 1024;
constexpr std::size_t kMaxAttachments = 10;

// An attachment travels by reference: uploaded first (POST /v1/attachments), then named here.
struct Attachment {
  std::string id;      // the relay's id for the upload
  std::string sha256;  // 64 lower-case hex digits of the re-encoded bytes
  std::string type;    // image/png, image/jpeg, image/webp
  std::uint64_t size = 0;
};

struct Client {
  std::string name;     // "lantern-web", "lantern-ios"...
  std::string version;
  std::string bundle;   // the knowledge-base bundle's build, e.g. "1.0@1700000000"
};

// Identity as the exchange's backend vouches for it: user_hash = HMAC-SHA256(secret, user_id).
struct Identity {
  std::string user_id;
  std::string user_hash;
};

struct Ticket {
  std::string idempotency_key;  // 32 hex digits from a cryptographic random source
  std::int64_t created_ms = 0;  // device clock, Unix milliseconds
  std::string language;         // the user's language, e.g. "zh-CN"
  std::string category;         // a form id
  int form_version = 1;
  forms::Values fields;         // the description is a field of every form
  std::vector<Attachment> attachments;
  Client client;
  std::optional<Identity> user;
};

// Serialises a ticket. Field values are typed by the form: strings, {"at","approximate"} for
// times, lists of attachment ids. Fields the form does not show for these values are left out.
std::string to_json(const Ticket& ticket, const forms::Form& form);

// Parses and checks a ticket: shape and types first (errors name the JSON path, e.g.
// "fields.amount"), then every field with the form's rules (forms::check_values). A ticket comes
// back only when there are no blocking errors.
struct Parsed {
  std::optional<Ticket> ticket;
  std::vector<forms::FieldError> errors;
};
Parsed parse(std::string_view json, const forms::FormSet& forms, const forms::CheckContext& ctx);

// RFC 3339 UTC with milliseconds dropped: 2026-11-29T02:40:00Z.
std::string format_utc(std::int64_t ms);

}  // namespace lantern::ticket
