// The chain catalogue and coin decimals: data in code until the knowledge bundle carries them.
// Version bytes and prefixes are each chain's mainnet values (chainparams.cpp of Bitcoin Core,
// Litecoin, Dogecoin; the CashAddr spec; TRON's 0x41); testnets are left out on purpose, since a
// support ticket about a testnet transfer is not the exchange's business.
#include <algorithm>

#include "lantern/validate.h"

namespace lantern::validate {

namespace {

Chain utxo(std::string_view id, std::string_view en, std::string_view zh, std::string_view coin, int p2pkh, int p2sh,
           int p2sh_legacy, std::string_view hrp, std::string_view cashaddr, std::string_view aliases) {
  Chain c;
  c.id = id, c.name_en = en, c.name_zh = zh, c.native_coin = coin, c.family = Family::utxo, c.native_decimals = 8;
  c.p2pkh = p2pkh, c.p2sh = p2sh, c.p2sh_legacy = p2sh_legacy, c.segwit_hrp = hrp, c.cashaddr_prefix = cashaddr;
  c.aliases = aliases;
  return c;
}

Chain evm(std::string_view id, std::string_view en, std::string_view zh, std::string_view coin, std::uint64_t chain_id,
          std::string_view aliases) {
  Chain c;
  c.id = id, c.name_en = en, c.name_zh = zh, c.native_coin = coin, c.family = Family::evm, c.native_decimals = 18;
  c.evm_chain_id = chain_id, c.aliases = aliases;
  return c;
}

Chain other(std::string_view id, std::string_view en, std::string_view zh, std::string_view coin, Family family,
            int decimals, MemoKind memo, std::string_view aliases) {
  Chain c;
  c.id = id, c.name_en = en, c.name_zh = zh, c.native_coin = coin, c.family = family, c.native_decimals = decimals;
  c.memo = memo, c.aliases = aliases;
  return c;
}

std::vector<Chain> build() {
  return {
      utxo("bitcoin", "Bitcoin", "比特币", "BTC", 0x00, 0x05, -1, "bc", "", "btc,xbt"),
      // Litecoin moved P2SH from 0x05 ("3...") to 0x32 ("M..."); wallets still show old 3-addresses.
      utxo("litecoin", "Litecoin", "莱特币", "LTC", 0x30, 0x32, 0x05, "ltc", "", "ltc"),
      utxo("dogecoin", "Dogecoin", "狗狗币", "DOGE", 0x1e, 0x16, -1, "", "", "doge"),
      // Bitcoin Cash: CashAddr (the form exchanges show) and the legacy Base58 form of the same hash.
      utxo("bitcoin-cash", "Bitcoin Cash", "比特币现金", "BCH", 0x00, 0x05, -1, "", "bitcoincash", "bch"),
      evm("ethereum", "Ethereum (ERC-20)", "以太坊（ERC-20）", "ETH", 1, "eth,erc20,erc-20"),
      evm("bsc", "BNB Smart Chain (BEP-20)", "BNB 智能链（BEP-20）", "BNB", 56, "bnb,bep20,bep-20,bnb-smart-chain"),
      evm("polygon", "Polygon", "Polygon", "POL", 137, "matic,pol,polygon-pos"),
      evm("arbitrum", "Arbitrum One", "Arbitrum One", "ETH", 42161, "arb,arbitrum-one"),
      evm("optimism", "OP Mainnet (Optimism)", "OP 主网（Optimism）", "ETH", 10, "op,op-mainnet"),
      evm("avalanche-c", "Avalanche C-Chain", "Avalanche C 链", "AVAX", 43114, "avax,avaxc,avax-c,avalanche"),
      evm("base", "Base", "Base", "ETH", 8453, ""),
      other("tron", "TRON (TRC-20)", "波场（TRC-20）", "TRX", Family::tron, 6, MemoKind::none, "trx,trc20,trc-20"),
      other("solana", "Solana", "Solana", "SOL", Family::solana, 9, MemoKind::none, "sol,spl"),
      other("xrp", "XRP Ledger", "瑞波（XRP Ledger）", "XRP", Family::xrp, 6, MemoKind::xrp_tag, "ripple,xrpl"),
      other("stellar", "Stellar", "恒星（Stellar）", "XLM", Family::stellar, 7, MemoKind::stellar, "xlm"),
      other("cosmos", "Cosmos Hub (ATOM)", "Cosmos Hub（ATOM）", "ATOM", Family::cosmos, 6, MemoKind::cosmos, "atom,cosmoshub"),
      other("ton", "TON", "TON", "TON", Family::ton, 9, MemoKind::ton_comment, "toncoin"),
  };
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Tokens (not chains): the precision exchanges accept for them, which is what users see and type.
struct CoinDecimals {
  std::string_view coin;
  int decimals;
};
constexpr CoinDecimals kTokens[] = {{"USDT", 6}, {"USDC", 6}, {"DAI", 18}, {"WBTC", 8}, {"WETH", 18}};

}  // namespace

const std::vector<Chain>& chains() {
  static const std::vector<Chain> kChains = build();  // initialised once, thread-safe (C++11 statics)
  return kChains;
}

const Chain* find_chain(std::string_view id_or_alias) {
  id_or_alias = trim(id_or_alias);
  if (id_or_alias.empty()) return nullptr;
  for (const auto& c : chains()) {
    if (iequals(c.id, id_or_alias)) return &c;
    std::string_view rest = c.aliases;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      if (iequals(rest.substr(0, comma), id_or_alias)) return &c;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return nullptr;
}

Checked<const Chain*> validate_chain(std::string_view text, std::string_view field) {
  if (const Chain* c = find_chain(text)) return c;
  return FieldError{std::string(field), "chain.unknown",
                    "please choose the network from the list (for example Ethereum, TRON or Bitcoin).",
                    "请从列表中选择网络（例如以太坊、波场或比特币）。"};
}

std::optional<int> coin_decimals(std::string_view coin) {
  coin = trim(coin);
  for (const auto& t : kTokens)
    if (iequals(t.coin, coin)) return t.decimals;
  for (const auto& c : chains())
    if (iequals(c.native_coin, coin)) return c.native_decimals;
  return std::nullopt;
}

Checked<std::string> validate_coin(std::string_view text, std::string_view field) {
  text = trim(text);
  bool ok = !text.empty() && text.size() <= 12 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
  if (!ok) {
    return FieldError{std::string(field), "coin.format", "a coin is its ticker symbol, 1 to 12 letters or digits (for example USDT).",
                      "币种请填写代码，1 到 12 位字母或数字（例如 USDT）。"};
  }
  std::string out(text);
  for (char& c : out) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

}  // namespace lantern::validate
