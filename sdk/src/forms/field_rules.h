// The chain-aware field types (coin, chain, txid, address, memo, amount, datetime) as one call
// for check_values(), over the validators of lantern/validate.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lantern/forms.h"

namespace lantern::forms::rules {

struct Request {
  FieldType type = FieldType::text;
  std::string value;  // trimmed
  std::string chain;  // the chain field's value, when the field has one
  std::string coin;   // the coin field's value, for amounts
  bool approximate = false;
  bool allow_about = false;
  std::int64_t now_ms = 0;
  int default_utc_offset_minutes = 0;
  const std::vector<OpenTicket>* open_tickets = nullptr;
};

struct RuleError {
  std::string code;
  Text message;  // without the field's label; the caller prefixes it
  bool blocking = true;
};

struct Outcome {
  std::vector<RuleError> errors;
  std::string canonical;  // the value as a ticket should carry it (valid values only)
  bool approximate = false;
};
Outcome check_typed(const Request& request);
bool chain_needs_memo(std::string_view chain_id);

}  // namespace lantern::forms::rules
