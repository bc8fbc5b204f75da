// Secret guard: finds wallet recovery phrases, private keys, one-time codes and passwords in the
// text of a support ticket before it leaves the device (and again on the relay, with the same code).
// A ticket holding a blocking finding cannot be submitted until the user removes it; the messages
// say, in English and Chinese, that support never asks for these and that whoever does is a scammer.
//
// [SECTION] Field kinds and findings
// [SECTION] Scanning one text, scanning a ticket
// [SECTION] BIP-39 helpers
//
// The detection rules and the reasoning against false alarms are at the top of
// sdk/src/forms/secret_guard.cpp. All functions are pure and thread-safe; nothing is kept between
// calls.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lantern/result.h"

namespace lantern::forms {

// [SECTION] Field kinds and findings

// What a field is meant to hold. It only decides whether a bare 64-hex string is expected there:
// every other rule applies to every field (a recovery phrase is never a valid TxID or address).
enum class FieldKind : std::uint8_t {
  free_text,  // description, subject, chat message
  txid,       // a transaction hash: 64 hex digits are expected, not a key
  address,    // a wallet address (Aptos and Sui addresses are 0x + 64 hex digits)
  memo,       // memo, tag or payment id (legacy Monero payment ids are 64 hex digits)
};

enum class SecretKind : std::uint8_t {
  mnemonic,              // 12-24 BIP-39 words (English or Chinese) with a valid checksum
  possible_mnemonic,     // 12+ BIP-39 words in a row whose checksum fails: maybe a mistyped phrase
  private_key_hex,       // 64 hex digits in free text not marked as a TxID
  private_key_wif,       // Base58Check, version 0x80, 32-byte key (+0x01 when compressed)
  extended_private_key,  // BIP-32 xprv / tprv / yprv / zprv (and the other SLIP-132 "prv" forms)
  one_time_code,         // a 2FA / SMS code right after words that name it ("2FA code is 123456")
  password,              // a value right after "password is", "密码：", "pwd:" ...
};

// block: submission is refused until the text is removed. warn: shown to the user, who may confirm
// and send anyway (only possible_mnemonic warns; see the .cpp for why).
enum class Severity : std::uint8_t { block, warn };

struct SecretFinding {
  SecretKind kind = SecretKind::mnemonic;
  Severity severity = Severity::block;
  std::uint32_t begin = 0;  // byte range in the scanned text to highlight, e.g. the 12 words or
  std::uint32_t end = 0;    // the password itself (not the words "my password is")
  std::string message_en;   // what it is, that support never asks for it, what to do
  std::string message_zh;
};

// Stable ids for logs and tests: "mnemonic", "private_key_hex", ...
const char* secret_kind_name(SecretKind kind);

// [SECTION] Scanning one text, scanning a ticket

// Findings in byte order; empty when the text is clean. Ranges never overlap. The text is UTF-8
// (invalid bytes are tolerated and simply match nothing).
std::vector<SecretFinding> scan_secrets(std::string_view text, FieldKind kind = FieldKind::free_text);

// One field of a ticket; the views must stay valid for the duration of the call only.
struct TicketField {
  std::string_view name;  // e.g. "description"; used in messages and in check_ticket_secrets()
  FieldKind kind = FieldKind::free_text;
  std::string_view text;
};

struct FieldFinding {
  std::size_t field = 0;  // index into the fields passed in
  SecretFinding finding;
};

// Every finding of every field, fields in order.
std::vector<FieldFinding> scan_ticket(const std::vector<TicketField>& fields);

// True when at least one finding blocks submission (warnings only need the user's confirmation).
bool blocks_submission(const std::vector<FieldFinding>& findings);

// For the relay and the C ABI: ok, or invalid_argument naming the first field with a blocking
// finding ("field 'description': This looks like a wallet recovery phrase ...", English message).
Status check_ticket_secrets(const std::vector<TicketField>& fields);

// [SECTION] BIP-39 helpers (the tables are generated from python3-mnemonic at build time)

enum class Bip39List : std::uint8_t { english, chinese_simplified, chinese_traditional };

// The word at a BIP-39 index (0-2047), UTF-8; empty for an index out of range. Static storage.
std::string_view bip39_word(Bip39List list, std::uint16_t index);

// True for 12, 15, 18, 21 or 24 word indices whose checksum bits match SHA-256 of the entropy.
bool bip39_checksum_ok(const std::vector<std::uint16_t>& indices);

}  // namespace lantern::forms
