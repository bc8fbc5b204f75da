// Field validators for support forms: chains, transaction IDs, addresses, memos and tags, amounts
// and times. Each check knows the real format of each network (checksums included), and when a
// value fails it says what it looks like instead ("this is a TRON address, but the network is
// Ethereum"), in English and Chinese, so the user can fix it before the ticket is sent.
//
// [SECTION] Errors, results and input folding
// [SECTION] Chain catalogue
// [SECTION] Transaction IDs
// [SECTION] Addresses
// [SECTION] Memos and tags
// [SECTION] Amounts
// [SECTION] Date and time
//
// All functions are pure and thread-safe. Nothing reads a clock: "now" is a parameter. Inputs are
// trimmed of ASCII whitespace first; the canonical values returned are what a ticket should carry.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lantern::validate {

// [SECTION] Errors, results and input folding

// One rejected value: the field it belongs to, a stable code (listed below, tested word for word,
// never reused for another meaning) and a message in each language that names what was expected.
// Messages do not repeat the field's label; the form prefixes it.
//
// Codes: chain.unknown, coin.format,
//   txid.empty, txid.format, txid.length, txid.url, txid.looks_like_address, txid.chain_mismatch,
//   txid.duplicate,
//   address.empty, address.format, address.length, address.checksum, address.chain_mismatch,
//   address.looks_like_txid, address.url,
//   memo.format, memo.range, memo.too_long, memo.not_used,
//   amount.empty, amount.format, amount.negative, amount.zero, amount.exponent, amount.grouping,
//   amount.decimals, amount.too_large,
//   time.empty, time.format, time.range, time.zone, time.future, time.approximate.
struct FieldError {
  std::string field;
  std::string code;
  std::string message_en;
  std::string message_zh;
  bool blocking = true;  // false: a warning the user may confirm
};

// A checked value or the reason it was refused; mirrors lantern::Result, with a FieldError.
template <class T>
class [[nodiscard]] Checked {
 public:
  Checked(T value) : v_(std::move(value)) {}
  Checked(FieldError error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(v_); }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  const FieldError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, FieldError> v_;
};

// Full-width ASCII forms (U+FF01..U+FF5E: "１２３", "ＡＢＣ", "：") to ASCII and the ideographic space to
// a space, leaving everything else as it is: what a Chinese input method types for digits.
std::string to_halfwidth(std::string_view utf8);

// [SECTION] Chain catalogue

// How addresses and transaction IDs are written; every chain in a family shares the rules.
enum class Family : std::uint8_t { utxo, evm, tron, solana, xrp, stellar, cosmos, ton };

// The extra field a deposit to a shared exchange address needs, and its rules.
enum class MemoKind : std::uint8_t {
  none,
  xrp_tag,      // destination tag: an integer 0..4294967295
  stellar,      // MEMO_ID (0..2^64-1), MEMO_TEXT (at most 28 bytes) or MEMO_HASH (64 hex digits)
  cosmos,       // memo text, at most 256 bytes (Cosmos SDK's default MaxMemoCharacters)
  ton_comment,  // text comment, at most 123 bytes (what fits in one cell after the 4-byte opcode)
};

struct Chain {
  std::string_view id;           // "bitcoin": the value the chain field carries
  std::string_view name_en;      // "Bitcoin"
  std::string_view name_zh;      // "比特币"
  std::string_view native_coin;  // "BTC"
  Family family = Family::utxo;
  int native_decimals = 8;       // the native coin's smallest unit: 8 for BTC (satoshi)
  MemoKind memo = MemoKind::none;
  // utxo: Base58Check version bytes (-1: none), the segwit hrp ("" if none), the CashAddr prefix.
  int p2pkh = -1, p2sh = -1, p2sh_legacy = -1;
  std::string_view segwit_hrp;
  std::string_view cashaddr_prefix;
  std::uint64_t evm_chain_id = 0;  // evm: EIP-155 chain id, for display and deep links
  std::string_view aliases;        // comma-separated, lower case: "btc,xbt"

  bool needs_memo() const { return memo != MemoKind::none; }
};

// Every chain, in display order. The array lives for the whole program.
const std::vector<Chain>& chains();
// By id or alias, ignoring case ("ETH", "erc20", "TRC20", "bep20"); nullptr if unknown.
const Chain* find_chain(std::string_view id_or_alias);
Checked<const Chain*> validate_chain(std::string_view text, std::string_view field = "chain");

// Decimals a coin's amounts may have: USDT and USDC 6, a chain's native coin its own (BTC 8,
// ETH 18, ...); nullopt for a coin we do not know. Case-insensitive.
std::optional<int> coin_decimals(std::string_view coin);
// 1-12 letters and digits, returned in upper case ("usdt" -> "USDT").
Checked<std::string> validate_coin(std::string_view text, std::string_view field = "coin");

// [SECTION] Transaction IDs

// A ticket the user already has open, and the TxID it reports (empty if none).
struct OpenTicket {
  std::string ticket_id;  // "T-20240514-0042"
  std::string txid;
};

// The TxID in its chain's format, canonical: hex in lower case (EVM with "0x"; Cosmos's upper-case
// hashes are lowered too), Solana signatures as typed (Base58 is case-sensitive).
//   utxo, tron, xrp, stellar, cosmos: 64 hex digits; evm: 0x + 64 hex digits;
//   solana: Base58 decoding to a 64-byte signature; ton: 64 hex digits or 44 Base64 characters
//   (32 bytes, as tonscan shows it).
// On failure the error says what the text looks like instead: an address, another chain's hash, an
// explorer link. If it is already reported in one of `open_tickets`, the error is txid.duplicate.
Checked<std::string> validate_txid(const Chain& chain, std::string_view text,
                                   const std::vector<OpenTicket>& open_tickets = {}, std::string_view field = "txid");
// Whether two TxIDs name the same transaction (case and a "0x" prefix ignored for hex hashes).
bool same_txid(std::string_view a, std::string_view b);
// Whether the text has the shape of any chain's TxID (64 hex, 0x + 64 hex, Base58 64 bytes).
bool looks_like_txid(std::string_view text);

// [SECTION] Addresses

// The address in its canonical form: EVM in EIP-55 mixed case, Bech32 in lower case, Base58 and
// StrKey as typed. Checksums are verified: Base58Check (utxo P2PKH/P2SH with the chain's version
// bytes, TRON 0x41, XRP with the Ripple alphabet), Bech32/Bech32m segwit (BIP-173/350), CashAddr,
// EIP-55 (all lower or all upper case is accepted as "no checksum"), Stellar StrKey CRC16 (G...,
// and M... muxed accounts), TON user-friendly CRC16 (or raw "0:<hex>"), Cosmos Bech32 "cosmos1".
// Solana addresses have no checksum: 32 bytes of Base58 is all that can be checked.
Checked<std::string> validate_address(const Chain& chain, std::string_view text, std::string_view field = "address");
// Every catalogue chain on which the text is a valid address (all EVM chains for a 0x address).
std::vector<const Chain*> address_chains(std::string_view text);
// EIP-55 checksummed form of 40 hex digits (without "0x"); empty if not 40 hex digits.
std::string eip55_checksum(std::string_view hex40);

// [SECTION] Memos and tags

// The memo, tag or comment for chains that need one (canonical: XRP and Stellar ids without
// leading zeros, full-width digits folded; text exactly as typed, since the receiving exchange
// matches it byte for byte). Empty is accepted (whether a memo is required is the form's rule);
// memo.not_used for a non-empty memo on a chain without memos.
Checked<std::string> validate_memo(const Chain& chain, std::string_view text, std::string_view field = "memo");

// [SECTION] Amounts

// An exact decimal amount, never through a float. Accepts "1234.5", "1,234.5" (groups of three
// only), full-width digits and punctuation ("１２３．４５"), "。" as the decimal point (Chinese
// keyboards), and a trailing coin symbol equal to `coin` ("100 USDT"). Refuses empty, negative,
// zero, exponents and more than `max_decimals` decimals (trailing zeros do not count). Returns the
// canonical text: no grouping, no leading or trailing zeros ("0,001,234.50" is refused for its
// grouping; "001234.50" -> "1234.5"). `coin` names the coin in messages.
Checked<std::string> validate_amount(std::string_view text, int max_decimals, std::string_view coin = "",
                                     std::string_view field = "amount");
// Same, with the coin's decimals from coin_decimals() (18, the most any common token uses, when
// the coin is unknown).
Checked<std::string> validate_amount(std::string_view text, std::string_view coin, std::string_view field = "amount");

// [SECTION] Date and time

struct Moment {
  std::int64_t epoch_seconds = 0;  // UTC
  bool approximate = false;
};

struct TimeOptions {
  std::int64_t now_epoch_seconds = 0;  // the device's clock, read by the caller
  int default_offset_minutes = 0;      // zone for times typed without one (UTC+8: 480)
  bool allow_approximate = false;      // the form lets the user say "about"
  bool approximate = false;            // the user ticked "about"
};

// "2024-05-14 21:30", "2024-05-14T21:30:00+08:00", "2024/5/14 9:30", "2024年5月14日 21:30",
// with an optional zone (Z, +08:00, +0800, +08, "UTC+8"); without one, default_offset_minutes.
// A leading "about", "~", "约", "大约" or a trailing "左右" marks the time approximate (only if
// allowed). Refuses times before 2009 (no blockchain transfer is older) and more than five minutes
// after `now` (the slack absorbs a device clock a little behind the one the user read).
Checked<Moment> validate_time(std::string_view text, const TimeOptions& options, std::string_view field = "time");

}  // namespace lantern::validate
