// Guided issue forms: schemas as data (kb-bundle/forms/*.json, compiled into the bundle), checked
// strictly when the bundle is built and parsed again, cheaply, when it is opened.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"

namespace lantern::forms {

enum class FieldType { text, choice, coin, chain, txid, address, memo, amount, datetime, email, uid, attachments };
const char* field_type_name(FieldType t);
std::optional<FieldType> field_type_from(std::string_view name);

// A text in the two languages every schema must carry.
struct Text {
  std::string en, zh;
  // The text for a loose language tag ("zh-CN", "zh", "en-US"); English for anything else.
  const std::string& in(std::string_view lang) const;
};

struct Condition {
  enum class Kind { set, memo_chain, equals, in } kind = Kind::set;
  std::string field;
  std::vector<std::string> values;  // equals: one; in: several
};

struct Option {
  std::string value;
  Text label;
};

struct Field {
  std::string id;
  FieldType type = FieldType::text;
  bool required = false;
  Text label, help;
  std::optional<Text> placeholder;
  std::optional<Condition> when;
  std::string chain_field;  // txid, address, memo: which field holds the chain
  std::string coin_field;   // amount: which field holds the coin
  bool allow_about = false; // datetime: the user may say the time is approximate
  bool multiline = false;
  int max_files = 0;        // attachments
  std::size_t min_length = 0, max_length = 0;  // text (max 0: the default limit)
  std::vector<Option> options;                 // choice
  std::map<std::string, Text> errors;          // message overrides by error code
};

struct Form {
  std::string id;
  int version = 1;
  int order = 0;
  Text title, intro;
  std::vector<std::string> article_categories;  // knowledge-base categories this form answers
  std::vector<std::string> triage_en, triage_zh;
  std::vector<Field> fields;
  const Field* field(std::string_view id) const;
};

struct FormSet {
  std::vector<Form> forms;  // sorted by order
  const Form* find(std::string_view id) const;
};

constexpr std::size_t kDefaultTextMax = 4000;

// [SECTION] Values and their checks

// What the user entered in one field. Text-like fields use `text`; datetime also `approximate`;
// attachments list the ids of attachments (see ticket.h).
struct FieldValue {
  std::string text;
  bool approximate = false;
  std::vector<std::string> attachments;
};
using Values = std::map<std::string, FieldValue>;

// One rejection: which field, a stable code ("required", "txid.format", "secret.mnemonic"...) and
// the message in both languages, naming what is expected.
struct FieldError {
  std::string field;
  std::string code;
  Text message;
  bool blocking = true;  // false: a warning the user may confirm (e.g. a possible seed phrase)
};

// What a form needs besides the values: the clock (a time cannot be in the future) and the
// user's open tickets (the same TxID already reported).
struct OpenTicket {
  std::string id;    // "T-…"
  std::string txid;
};
struct CheckContext {
  std::int64_t now_ms = 0;
  int default_utc_offset_minutes = 0;  // for times typed without a zone: the device's zone
  std::vector<OpenTicket> open_tickets;
};

// Whether a field is shown for these values (its `when` condition holds).
bool visible(const Form& form, const Field& field, const Values& values);
// Checks every visible field: required, type and format, limits, and secrets in free text.
// Values for hidden or unknown fields are errors too (code "unknown_field"), so nothing the user
// did not see travels with the ticket.
std::vector<FieldError> check_values(const Form& form, const Values& values, const CheckContext& ctx);
// The values as a ticket carries them: only visible fields, trimmed, and in canonical form where
// the type has one (amount "1,234.50" -> "1234.5", times in UTC, chain ids, EIP-55 addresses).
// Values that do not pass check_values are kept as typed.
Values canonical_values(const Form& form, const Values& values, const CheckContext& ctx);

// One schema, checked strictly: unknown keys or field types, a condition on a field that does
// not exist (or comes later), a missing translation, duplicate ids. Errors name origin and path,
// e.g. "forms/kyc.json: fields[3] (txid): condition refers to unknown field 'network'".
Result<Form> parse_form(std::string_view json, const std::string& origin);
// The bundle's FORM section: {"version":1,"forms":[...]}.
Result<FormSet> parse_form_set(std::string_view json);

}  // namespace lantern::forms
