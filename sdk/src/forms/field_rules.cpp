#include "field_rules.h"

#include "lantern/validate.h"
#include "lantern/ticket.h"

namespace lantern::forms::rules {

namespace {
RuleError from(const validate::FieldError& e) { return RuleError{e.code, Text{e.message_en, e.message_zh}, e.blocking}; }

RuleError need_chain() {
  return RuleError{"chain.required", Text{"choose the network first: the format depends on it.", "请先选择网络，格式取决于网络。"}, true};
}
}  // namespace

bool chain_needs_memo(std::string_view chain_id) {
  const validate::Chain* c = validate::find_chain(chain_id);
  return c && c->needs_memo();
}

Outcome check_typed(const Request& r) {
  Outcome out;
  const validate::Chain* chain = r.chain.empty() ? nullptr : validate::find_chain(r.chain);
  auto take = [&](const auto& checked, auto&& to_string) {
    if (checked) out.canonical = to_string(*checked);
    else out.errors.push_back(from(checked.error()));
  };
  switch (r.type) {
    case FieldType::coin:
      take(validate::validate_coin(r.value), [](const std::string& s) { return s; });
      break;
    case FieldType::chain:
      take(validate::validate_chain(r.value), [](const validate::Chain* c) { return std::string(c->id); });
      break;
    case FieldType::txid: {
      if (!chain) {
        out.errors.push_back(need_chain());
        break;
      }
      std::vector<validate::OpenTicket> open;
      if (r.open_tickets) {
        for (const auto& t : *r.open_tickets) open.push_back({t.id, t.txid});
      }
      take(validate::validate_txid(*chain, r.value, open), [](const std::string& s) { return s; });
      break;
    }
    case FieldType::address:
      if (!chain) out.errors.push_back(need_chain());
      else take(validate::validate_address(*chain, r.value), [](const std::string& s) { return s; });
      break;
    case FieldType::memo:
      if (!chain) out.errors.push_back(need_chain());
      else take(validate::validate_memo(*chain, r.value), [](const std::string& s) { return s; });
      break;
    case FieldType::amount:
      take(validate::validate_amount(r.value, r.coin), [](const std::string& s) { return s; });
      break;
    case FieldType::datetime: {
      validate::TimeOptions o;
      o.now_epoch_seconds = r.now_ms / 1000;
      o.default_offset_minutes = r.default_utc_offset_minutes;
      o.allow_approximate = r.allow_about;
      o.approximate = r.approximate;
      auto m = validate::validate_time(r.value, o);
      if (m) {
        out.canonical = ticket::format_utc(m->epoch_seconds * 1000);
        out.approximate = m->approximate;
      } else {
        out.errors.push_back(from(m.error()));
      }
      break;
    }
    default:
      out.canonical = r.value;
      break;
  }
  return out;
}

}  // namespace lantern::forms::rules
