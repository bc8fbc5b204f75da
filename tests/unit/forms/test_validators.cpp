#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lantern/encoding.h"
#include "lantern/validate.h"

using namespace lantern::validate;

namespace {

const Chain& chain(std::string_view id) {
  const Chain* c = find_chain(id);
  REQUIRE_MESSAGE(c != nullptr, std::string(id));
  return *c;
}

// The error code of a refused value ("" if it was accepted).
template <class T>
std::string code_of(const Checked<T>& r) {
  return r.ok() ? std::string() : r.error().code;
}

std::string address_code(std::string_view chain_id, std::string_view text) { return code_of(validate_address(chain(chain_id), text)); }
std::string txid_code(std::string_view chain_id, std::string_view text) { return code_of(validate_txid(chain(chain_id), text)); }

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

const char* kGenesisCoinbase = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
const char* kPizza = "a1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48d";  // 10,000 BTC for two pizzas
const char* kFirstEthTransfer = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060";
const char* kSolanaDocsSignature = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW";

}  // namespace

// [SECTION] Catalogue

TEST_CASE("validate: the catalogue finds chains by id and by the names users know") {
  CHECK(find_chain("bitcoin")->native_coin == "BTC");
  CHECK(find_chain("ETH")->id == "ethereum");
  CHECK(find_chain("erc20")->id == "ethereum");
  CHECK(find_chain("TRC20")->id == "tron");
  CHECK(find_chain("bep20")->id == "bsc");
  CHECK(find_chain(" xlm ")->id == "stellar");
  CHECK(find_chain("dogecoin2") == nullptr);
  CHECK(find_chain("") == nullptr);
  for (const char* id : {"bitcoin", "litecoin", "dogecoin", "bitcoin-cash", "ethereum", "bsc", "polygon", "arbitrum", "optimism",
                         "avalanche-c", "base", "tron", "solana", "xrp", "stellar", "cosmos", "ton"}) {
    CAPTURE(id);
    const Chain* c = find_chain(id);
    REQUIRE(c);
    CHECK_FALSE(c->name_en.empty());
    CHECK_FALSE(c->name_zh.empty());
  }
  auto bad = validate_chain("bitcoin2", "network");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().field == "network");
  CHECK(bad.error().code == "chain.unknown");
}

TEST_CASE("validate: memo chains are XRP, Stellar, Cosmos and TON, with their native decimals") {
  CHECK(chain("xrp").needs_memo());
  CHECK(chain("stellar").needs_memo());
  CHECK(chain("cosmos").needs_memo());
  CHECK(chain("ton").needs_memo());
  CHECK_FALSE(chain("bitcoin").needs_memo());
  CHECK_FALSE(chain("ethereum").needs_memo());
  CHECK_FALSE(chain("tron").needs_memo());
  CHECK(coin_decimals("BTC") == 8);
  CHECK(coin_decimals("eth") == 18);
  CHECK(coin_decimals("USDT") == 6);
  CHECK(coin_decimals("TRX") == 6);
  CHECK(coin_decimals("SOL") == 9);
  CHECK(coin_decimals("XLM") == 7);
  CHECK_FALSE(coin_decimals("NOPE"));
  CHECK(*validate_coin(" usdt ") == "USDT");
  CHECK(code_of(validate_coin("US DT")) == "coin.format");
}

// [SECTION] TxIDs

TEST_CASE("validate: TxIDs in each chain's own format are accepted and made canonical") {
  CHECK(*validate_txid(chain("bitcoin"), kGenesisCoinbase) == kGenesisCoinbase);
  CHECK(*validate_txid(chain("bitcoin"), kPizza) == kPizza);
  CHECK(*validate_txid(chain("litecoin"), std::string(kPizza)) == kPizza);
  CHECK(*validate_txid(chain("ethereum"), kFirstEthTransfer) == kFirstEthTransfer);
  CHECK(*validate_txid(chain("bsc"), "0X5C504ED432CB51138BCF09AA5E8A410DD4A1E204EF84BFED1BE16DFBA1B22060") == kFirstEthTransfer);
  CHECK(*validate_txid(chain("tron"), "7c2d4206c03a883dd9066d620335dc1be272a8dc733cfa3f6d10308faa37facc") ==
        "7c2d4206c03a883dd9066d620335dc1be272a8dc733cfa3f6d10308faa37facc");
  CHECK(*validate_txid(chain("solana"), kSolanaDocsSignature) == kSolanaDocsSignature);
  // XRP Ledger and Cosmos explorers show upper case; the ticket carries lower case.
  CHECK(*validate_txid(chain("xrp"), "E08D6E9754025BA2534A78707605E0601F03ACE063687A0CA1BDDACFCD1698C7") ==
        "e08d6e9754025ba2534a78707605e0601f03ace063687a0ca1bddacfcd1698c7");
  CHECK(validate_txid(chain("cosmos"), "  4A5E1E4BAAB89F3A32518A88C31BC87F618F76673E2CC77AB2127B7AFDEDA33B\n").ok());
  CHECK(validate_txid(chain("stellar"), kGenesisCoinbase).ok());
  // TON: hex, or the same 32 bytes in Base64 / Base64url as tonscan shows them.
  CHECK(*validate_txid(chain("ton"), "g9/VUuY3KbRy/LzIxF68xmkXAlWLaOx1J+G6QDoPMag=") ==
        "83dfd552e63729b472fcbcc8c45ebcc6691702558b68ec7527e1ba403a0f31a8");
  CHECK(*validate_txid(chain("ton"), "Sl4eS6q4nzoyUYqIwxvIf2GPdmc-LMd6shJ7ev3tozs=") == kGenesisCoinbase);
}

TEST_CASE("validate: a TxID of the wrong shape is refused with what a TxID looks like") {
  auto r = validate_txid(chain("bitcoin"), std::string(kGenesisCoinbase).substr(1), {}, "hash");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().field == "hash");
  CHECK(r.error().code == "txid.length");
  CHECK(contains(r.error().message_en, "63"));
  CHECK(contains(r.error().message_en, "64 hexadecimal"));
  CHECK(contains(r.error().message_zh, "64 位十六进制"));
  CHECK(txid_code("bitcoin", "") == "txid.empty");
  CHECK(txid_code("bitcoin", "not a hash at all") == "txid.format");
  CHECK(txid_code("ethereum", "0x123") == "txid.length");
  CHECK(txid_code("solana", "abc") == "txid.format");
  CHECK(txid_code("ethereum", std::string("https://etherscan.io/tx/") + kFirstEthTransfer) == "txid.url");
}

TEST_CASE("validate: an address in the TxID field is named as an address") {
  for (auto [c, addr] : {std::pair{"bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
                         std::pair{"ethereum", "0xdAC17F958D2ee523a2206206994597C13D831ec7"},
                         std::pair{"tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"},
                         std::pair{"solana", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"}}) {
    CAPTURE(addr);
    auto r = validate_txid(chain(c), addr);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "txid.looks_like_address");
    CHECK(contains(r.error().message_en, "this looks like an address, not a transaction ID"));
    CHECK(contains(r.error().message_zh, "这看起来是地址"));
  }
}

TEST_CASE("validate: an Ethereum-style hash on a non-EVM chain, and the reverse, is a chain mismatch") {
  auto r = validate_txid(chain("bitcoin"), kFirstEthTransfer);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "txid.chain_mismatch");
  CHECK(contains(r.error().message_en, "this is an Ethereum-style hash (0x…), but the network you chose is Bitcoin"));
  CHECK(contains(r.error().message_zh, "比特币"));
  CHECK(txid_code("tron", kFirstEthTransfer) == "txid.chain_mismatch");

  auto back = validate_txid(chain("ethereum"), kGenesisCoinbase);
  REQUIRE_FALSE(back.ok());
  CHECK(back.error().code == "txid.chain_mismatch");
  CHECK(contains(back.error().message_en, "no 0x"));
  CHECK(contains(back.error().message_en, "Ethereum"));

  CHECK(txid_code("solana", kGenesisCoinbase) == "txid.chain_mismatch");
  CHECK(txid_code("bitcoin", kSolanaDocsSignature) == "txid.chain_mismatch");
  CHECK(contains(validate_txid(chain("bitcoin"), kSolanaDocsSignature).error().message_en, "Solana"));
}

TEST_CASE("validate: a TxID already in an open ticket names that ticket") {
  std::vector<OpenTicket> open{{"T-20240513-0007", ""}, {"T-20240514-0042", "4A5E1E4BAAB89F3A32518A88C31BC87F618F76673E2CC77AB2127B7AFDEDA33B"}};
  auto r = validate_txid(chain("bitcoin"), kGenesisCoinbase, open);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "txid.duplicate");
  CHECK(contains(r.error().message_en, "this TxID is already in your open ticket T-20240514-0042"));
  CHECK(contains(r.error().message_zh, "T-20240514-0042"));
  CHECK(validate_txid(chain("bitcoin"), kPizza, open).ok());
  // "0x" and case do not make a different transaction.
  std::vector<OpenTicket> eth{{"T-1", "5C504ED432CB51138BCF09AA5E8A410DD4A1E204EF84BFED1BE16DFBA1B22060"}};
  CHECK(code_of(validate_txid(chain("ethereum"), kFirstEthTransfer, eth)) == "txid.duplicate");
  CHECK(same_txid("0xABCD", "abcd"));
  CHECK_FALSE(same_txid("", ""));
  CHECK(looks_like_txid(kGenesisCoinbase));
  CHECK(looks_like_txid(kFirstEthTransfer));
  CHECK(looks_like_txid(kSolanaDocsSignature));
  CHECK_FALSE(looks_like_txid("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
}

// [SECTION] Addresses

TEST_CASE("validate: Bitcoin-family addresses need their chain's version bytes and checksums") {
  for (const char* a : {"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1BitcoinEaterAddressDontSendf59kuE", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
                        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"}) {
    CAPTURE(a);
    CHECK(address_code("bitcoin", a) == "");
  }
  CHECK(*validate_address(chain("bitcoin"), "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4") == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
  // Litecoin: L (0x30), M (0x32), legacy 3 (0x05) and ltc1 (bisq-network/bisq LitecoinTest).
  for (const char* a : {"LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm", "Lg3PX8wRWmApFCoCMAsPF5P9dPHYQHEWKW", "MGEW4aba3tnrVtVhGcmoqqHaLt5ymPSLPi",
                        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "ltc1qxtm55gultqzhqzl2p3ks50hg2478y3hehuj6dz"}) {
    CAPTURE(a);
    CHECK(address_code("litecoin", a) == "");
  }
  // Dogecoin: D (0x1e) (bisq-network/bisq DogecoinTest); 9/A (0x16) built from the same hash.
  for (const char* a : {"DEa7damK8MsbdCJztidBasZKVsDLJifWfE", "DNkkfdUvkCDiywYE98MTVp9nQJTgeZAiFr", "DDWUYQ3GfMDj8hkx8cbnAMYkTzzAunAQxg"}) {
    CAPTURE(a);
    CHECK(address_code("dogecoin", a) == "");
  }
  auto hash = *lantern::encoding::base58check_decode("DEa7damK8MsbdCJztidBasZKVsDLJifWfE");
  hash[0] = 0x16;
  CHECK(address_code("dogecoin", lantern::encoding::base58check_encode(hash)) == "");
  CHECK(address_code("dogecoin", "1DDWUYQ3GfMDj8hkx8cbnAMYkTzzAunAQxg") != "");
  CHECK(address_code("dogecoin", "DDWUYQ3GfMDj8hkx8cbnAMYkTzzAunAQxgs") != "");
  CHECK(address_code("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb") == "address.checksum");
  CHECK(address_code("bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5") == "address.checksum");
  CHECK(address_code("bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh") == "address.format");  // v0 with Bech32m
  CHECK(address_code("bitcoin", "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P") == "address.format");        // v0, 16 bytes
  CHECK(address_code("bitcoin", "1A1zP1eP5QGefi2DMPTfTL5SLmv7") == "address.length");
  CHECK(address_code("bitcoin", "") == "address.empty");
}

TEST_CASE("validate: Bitcoin Cash takes CashAddr with or without its prefix, and legacy addresses") {
  CHECK(*validate_address(chain("bitcoin-cash"), "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a") ==
        "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a");
  CHECK(*validate_address(chain("bitcoin-cash"), "QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A") ==
        "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a");
  CHECK(address_code("bitcoin-cash", "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq") == "");
  CHECK(address_code("bitcoin-cash", "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu") == "");
  CHECK(address_code("bitcoin-cash", "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6c") == "address.checksum");
  CHECK(address_code("bitcoin-cash", "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6b") == "address.format");  // b is not in the charset
  auto r = validate_address(chain("bitcoin"), "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "address.chain_mismatch");
  CHECK(contains(r.error().message_en, "Bitcoin Cash"));
}

TEST_CASE("validate: EVM addresses follow EIP-55's examples; one case throughout means no checksum") {
  // EIP-55: all caps, all lower, and mixed-case checksummed.
  for (const char* a : {"0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
                        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
                        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"}) {
    CAPTURE(a);
    for (const char* c : {"ethereum", "bsc", "polygon", "arbitrum", "optimism", "avalanche-c", "base"}) CHECK(address_code(c, a) == "");
    CHECK(eip55_checksum(std::string_view(a).substr(2)) == *validate_address(chain("ethereum"), a));
  }
  CHECK(eip55_checksum("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  CHECK(eip55_checksum("52908400098527886e0f7030069857d2e4169ee7") == "0x52908400098527886E0F7030069857D2E4169EE7");
  // The canonical form is the checksummed one, whatever case was typed.
  CHECK(*validate_address(chain("ethereum"), "0xdac17f958d2ee523a2206206994597c13d831ec7") == "0xdAC17F958D2ee523a2206206994597C13D831ec7");
  auto bad = validate_address(chain("ethereum"), "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "address.checksum");
  CHECK(contains(bad.error().message_zh, "校验"));
  CHECK(address_code("ethereum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA") == "address.length");
  CHECK(address_code("ethereum", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") == "address.format");
  CHECK(address_code("ethereum", "0xZZAeb6053F3E94C9b9A09f33669435E7Ef1BeAed") == "address.format");
}

TEST_CASE("validate: TRON, Solana and XRP addresses decode to their own lengths and prefixes") {
  CHECK(address_code("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t") == "");  // USDT's TRC-20 contract
  CHECK(address_code("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u") == "address.checksum");
  CHECK(address_code("tron", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") == "address.chain_mismatch");
  for (const char* a : {"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
                        "11111111111111111111111111111111"}) {
    CAPTURE(a);
    CHECK(address_code("solana", a) == "");
  }
  // No checksum: a dropped character can still leave 32 bytes, so only the length is checked.
  CHECK(address_code("solana", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEG") == "address.length");
  CHECK(address_code("solana", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt10") == "address.format");  // 0 is not Base58
  for (const char* a : {"rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", "rrrrrrrrrrrrrrrrrrrrrhoLvTp", "rrrrrrrrrrrrrrrrrrrrBZbvji"}) {
    CAPTURE(a);
    CHECK(address_code("xrp", a) == "");
  }
  CHECK(address_code("xrp", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTi") == "address.checksum");
}

TEST_CASE("validate: Stellar StrKeys follow SEP-23's valid and invalid cases") {
  CHECK(address_code("stellar", "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ") == "");
  CHECK(address_code("stellar", "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ") == "");
  CHECK(address_code("stellar", "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK") == "");
  for (const char* a : {"GAAAAAAAACGC6", "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUR",
                        "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZA", "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUACUSI",
                        "G47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVP2I",
                        "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLKA",
                        "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAAV75I",
                        "M47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUQ",
                        "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUK===",
                        "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUO",
                        // a contract (C...) is valid StrKey but not an account to deposit to
                        "CA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUWDA"}) {
    CAPTURE(a);
    CHECK(address_code("stellar", a) != "");
  }
  CHECK(address_code("stellar", "MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJUAAAAAAAAAAAACJUO") == "address.checksum");
}

TEST_CASE("validate: Cosmos addresses are Bech32 with the cosmos prefix and a 20- or 32-byte payload") {
  CHECK(address_code("cosmos", "cosmos1pkptre7fdkl6gfrzlesjjvhxhlc3r4gmmk8rs6") == "");
  CHECK(address_code("cosmos", "cosmos1yeac5tgm4mqwl4fyrqp34s0gq5fy8ugxcj76vc") == "");
  CHECK(*validate_address(chain("cosmos"), "COSMOS1PKPTRE7FDKL6GFRZLESJJVHXHLC3R4GMMK8RS6") == "cosmos1pkptre7fdkl6gfrzlesjjvhxhlc3r4gmmk8rs6");
  CHECK(address_code("cosmos", "cosmos1pkptre7fdkl6gfrzlesjjvhxhlc3r4gmmk8rs7") == "address.checksum");
  CHECK(address_code("cosmos", "osmo1yeac5tgm4mqwl4fyrqp34s0gq5fy8ugxsfd262") == "address.format");
}

TEST_CASE("validate: TON addresses check the user-friendly CRC16 and match the raw form") {
  const char* bounceable = "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N";
  const char* non_bounceable = "UQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqEBI";
  CHECK(address_code("ton", bounceable) == "");
  CHECK(address_code("ton", non_bounceable) == "");
  CHECK(address_code("ton", "0:83dfd552e63729b472fcbcc8c45ebcc6691702558b68ec7527e1ba403a0f31a8") == "");
  auto raw = *lantern::encoding::base64_decode(bounceable);
  CHECK(lantern::encoding::hex_encode(raw.data() + 2, 32) == "83dfd552e63729b472fcbcc8c45ebcc6691702558b68ec7527e1ba403a0f31a8");
  CHECK(address_code("ton", "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2M") == "address.checksum");
  CHECK(address_code("ton", "1:83dfd552e63729b472fcbcc8c45ebcc6691702558b68ec7527e1ba403a0f31a8") == "address.format");
  CHECK(address_code("ton", "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xq") == "address.length");
}

TEST_CASE("validate: an address from another network is named, with the risk of losing funds") {
  auto r = validate_address(chain("ethereum"), "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "address.chain_mismatch");
  CHECK(contains(r.error().message_en, "this is a TRON (TRC-20) address, but the network you chose is Ethereum (ERC-20)"));
  CHECK(contains(r.error().message_zh, "波场"));
  auto evm = validate_address(chain("tron"), "0xdAC17F958D2ee523a2206206994597C13D831ec7");
  REQUIRE_FALSE(evm.ok());
  CHECK(evm.error().code == "address.chain_mismatch");
  CHECK(contains(evm.error().message_en, "an EVM address"));
  CHECK(address_code("bitcoin", "LTuoeY6RBHV3n3cfhXVVTbJbxzxnXs9ofm") == "address.chain_mismatch");
  CHECK(address_code("solana", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") == "address.chain_mismatch");
  CHECK(address_code("xrp", "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ") == "address.chain_mismatch");
  auto chains_of = address_chains("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy");
  REQUIRE(chains_of.size() == 3);  // Bitcoin, Litecoin's legacy P2SH, Bitcoin Cash's legacy form
  CHECK(chains_of[0]->id == "bitcoin");
}

TEST_CASE("validate: a TxID in the address field is named as a TxID") {
  for (const char* t : {kGenesisCoinbase, kFirstEthTransfer, kSolanaDocsSignature}) {
    CAPTURE(t);
    auto r = validate_address(chain("ethereum"), t);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "address.looks_like_txid");
    CHECK(contains(r.error().message_en, "this looks like a transaction ID (TxID), but this field wants an address"));
  }
  CHECK(address_code("bitcoin", "https://mempool.space/address/1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") == "address.url");
}

// [SECTION] Memos and tags

TEST_CASE("validate: XRP destination tags are integers up to 4294967295") {
  const Chain& xrp = chain("xrp");
  CHECK(*validate_memo(xrp, "0") == "0");
  CHECK(*validate_memo(xrp, "4294967295") == "4294967295");
  CHECK(*validate_memo(xrp, "００１２３") == "123");  // full-width digits, leading zeros
  CHECK(code_of(validate_memo(xrp, "4294967296")) == "memo.range");
  CHECK(code_of(validate_memo(xrp, "99999999999999999999999")) == "memo.range");
  CHECK(code_of(validate_memo(xrp, "-1")) == "memo.format");
  CHECK(code_of(validate_memo(xrp, "12a")) == "memo.format");
  CHECK(*validate_memo(xrp, "") == "");  // whether it is required is the form's rule
}

TEST_CASE("validate: Stellar memos are an id, a text of at most 28 bytes, or a hash") {
  const Chain& xlm = chain("stellar");
  CHECK(*validate_memo(xlm, "18446744073709551615") == "18446744073709551615");
  CHECK(code_of(validate_memo(xlm, "18446744073709551616")) == "memo.range");
  CHECK(*validate_memo(xlm, "Binance 1234") == "Binance 1234");
  CHECK(*validate_memo(xlm, std::string(28, 'a')) == std::string(28, 'a'));
  auto long_text = validate_memo(xlm, std::string(29, 'a'));
  REQUIRE_FALSE(long_text.ok());
  CHECK(long_text.error().code == "memo.too_long");
  CHECK(contains(long_text.error().message_en, "28 bytes"));
  CHECK(code_of(validate_memo(xlm, "提币备注提币备注提币备注")) == "memo.too_long");  // 12 characters, 36 bytes
  CHECK(validate_memo(xlm, kGenesisCoinbase).ok());
}

TEST_CASE("validate: Cosmos memos hold 256 bytes, TON comments 123, and memo-less chains none") {
  CHECK(validate_memo(chain("cosmos"), std::string(256, 'x')).ok());
  CHECK(code_of(validate_memo(chain("cosmos"), std::string(257, 'x'))) == "memo.too_long");
  CHECK(*validate_memo(chain("ton"), "104857600") == "104857600");
  CHECK(code_of(validate_memo(chain("ton"), std::string(124, 'x'))) == "memo.too_long");
  CHECK(code_of(validate_memo(chain("cosmos"), "line\nbreak")) == "memo.format");
  CHECK(code_of(validate_memo(chain("bitcoin"), "123")) == "memo.not_used");
}

// [SECTION] Amounts

TEST_CASE("validate: amounts are exact decimal strings in canonical form") {
  CHECK(*validate_amount("1234.5", "USDT") == "1234.5");
  CHECK(*validate_amount("1,234.5", "USDT") == "1234.5");
  CHECK(*validate_amount("1,234,567.000001", "USDT") == "1234567.000001");
  CHECK(*validate_amount("１２３．４５", "USDT") == "123.45");
  CHECK(*validate_amount("１２３。４５", "USDT") == "123.45");
  CHECK(*validate_amount("１，２３４", "USDT") == "1234");
  CHECK(*validate_amount("00123.4500", "USDT") == "123.45");
  CHECK(*validate_amount(".5", "BTC") == "0.5");
  CHECK(*validate_amount("100 USDT", "USDT") == "100");
  CHECK(*validate_amount("0.000000000000000001", "ETH") == "0.000000000000000001");
  CHECK(*validate_amount("1.10000000", "USDT") == "1.1");  // trailing zeros are not decimals
}

TEST_CASE("validate: amounts refuse bad grouping, signs, exponents, zero and extra decimals") {
  auto grouping = validate_amount("1,23.4", "USDT");
  REQUIRE_FALSE(grouping.ok());
  CHECK(grouping.error().code == "amount.grouping");
  CHECK(contains(grouping.error().message_en, "1,234.5"));
  CHECK(contains(grouping.error().message_en, "'1,23.4'"));
  CHECK(code_of(validate_amount("1234,5", "USDT")) == "amount.grouping");
  CHECK(code_of(validate_amount("1,234.5,6", "USDT")) == "amount.grouping");
  CHECK(code_of(validate_amount(",123", "USDT")) == "amount.grouping");
  CHECK(code_of(validate_amount("-5", "USDT")) == "amount.negative");
  CHECK(code_of(validate_amount("1e-6", "USDT")) == "amount.exponent");
  CHECK(code_of(validate_amount("0", "USDT")) == "amount.zero");
  CHECK(code_of(validate_amount("0.000", "USDT")) == "amount.zero");
  CHECK(code_of(validate_amount("", "USDT")) == "amount.empty");
  CHECK(code_of(validate_amount("  ", "USDT")) == "amount.empty");
  CHECK(code_of(validate_amount("1.2.3", "USDT")) == "amount.format");
  CHECK(code_of(validate_amount("$100", "USDT")) == "amount.format");
  CHECK(code_of(validate_amount("+100", "USDT")) == "amount.format");
  CHECK(code_of(validate_amount("100000000000000000000000", "USDT")) == "amount.too_large");
  auto decimals = validate_amount("1.1234567", "USDT");
  REQUIRE_FALSE(decimals.ok());
  CHECK(decimals.error().code == "amount.decimals");
  CHECK(contains(decimals.error().message_en, "at most 6 decimals for USDT"));
  CHECK(contains(decimals.error().message_zh, "USDT 最多 6 位小数"));
  CHECK(code_of(validate_amount("0.123456789", "BTC")) == "amount.decimals");
  CHECK(code_of(validate_amount("1.5", 0, "NFT")) == "amount.decimals");
}

// [SECTION] Date and time

TEST_CASE("validate: times with a zone, or the default offset, become UTC epoch seconds") {
  TimeOptions o;
  o.now_epoch_seconds = 1715740200;  // 2024-05-15 02:30 UTC
  o.default_offset_minutes = 480;    // UTC+8
  const std::int64_t expected = 1715693400;  // 2024-05-14 13:30:00 UTC
  for (const char* t : {"2024-05-14 21:30", "2024-05-14T21:30:00+08:00", "2024-05-14T13:30:00Z", "2024-05-14 13:30 UTC",
                        "2024-05-14 21:30 UTC+8", "2024-05-14 21:30 +0800", "2024-05-14 08:30-05:00", "2024/5/14 21:30",
                        "2024.05.14 21:30:00", "2024年5月14日 21:30", "２０２４－０５－１４　２１：３０", "2024-05-14t21:30:00.250+08"}) {
    CAPTURE(t);
    auto m = validate_time(t, o);
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message_en));
    CHECK(m->epoch_seconds == expected);
    CHECK_FALSE(m->approximate);
  }
}

TEST_CASE("validate: times refuse the future, impossible dates, bad zones and a missing time") {
  TimeOptions o;
  o.now_epoch_seconds = 1715693400 - 3600;
  o.default_offset_minutes = 480;
  auto future = validate_time("2024-05-14 21:30", o);
  REQUIRE_FALSE(future.ok());
  CHECK(future.error().code == "time.future");
  CHECK(contains(future.error().message_en, "UTC+08:00"));
  o.now_epoch_seconds = 1715693400 - 200;  // within the five minutes of slack
  CHECK(validate_time("2024-05-14 21:30", o).ok());

  o.now_epoch_seconds = 1800000000;
  CHECK(validate_time("2024-02-29 12:00", o).ok());
  CHECK(code_of(validate_time("2023-02-29 12:00", o)) == "time.range");
  CHECK(code_of(validate_time("2024-04-31 12:00", o)) == "time.range");
  CHECK(code_of(validate_time("2024-05-14 24:00", o)) == "time.range");
  CHECK(code_of(validate_time("2008-12-31 12:00", o)) == "time.range");
  CHECK(code_of(validate_time("2024-05-14 21:30 +15:00", o)) == "time.zone");
  CHECK(code_of(validate_time("2024-05-14 21:30 CEST", o)) == "time.zone");
  CHECK(code_of(validate_time("2024-05-14", o)) == "time.format");
  CHECK(code_of(validate_time("14/05/2024 21:30", o)) == "time.format");
  CHECK(code_of(validate_time("yesterday", o)) == "time.format");
  CHECK(code_of(validate_time("", o)) == "time.empty");
}

TEST_CASE("validate: an approximate time is marked, and refused where the form wants the exact one") {
  TimeOptions o;
  o.now_epoch_seconds = 1800000000;
  o.default_offset_minutes = 480;
  o.allow_approximate = true;
  for (const char* t : {"about 2024-05-14 21:30", "~2024-05-14 21:30", "约 2024-05-14 21:30", "大约2024-05-14 21:30", "2024-05-14 21:30左右"}) {
    CAPTURE(t);
    auto m = validate_time(t, o);
    REQUIRE(m.ok());
    CHECK(m->approximate);
    CHECK(m->epoch_seconds == 1715693400);
  }
  o.approximate = true;  // the "about" box, ticked
  CHECK(validate_time("2024-05-14 21:30", o)->approximate);
  o.allow_approximate = false;
  CHECK(code_of(validate_time("2024-05-14 21:30", o)) == "time.approximate");
  o.approximate = false;
  CHECK(code_of(validate_time("about 2024-05-14 21:30", o)) == "time.approximate");
}

TEST_CASE("validate: every error names its field and speaks both languages") {
  TimeOptions o;
  o.now_epoch_seconds = 1800000000;
  std::vector<FieldError> errors{
      validate_txid(chain("bitcoin"), "x", {}, "f").error(),     validate_address(chain("ethereum"), "x", "f").error(),
      validate_memo(chain("xrp"), "x", "f").error(),             validate_amount("x", "USDT", "f").error(),
      validate_time("x", o, "f").error(),                        validate_chain("x", "f").error(),
      validate_coin("", "f").error(),
  };
  for (const auto& e : errors) {
    CAPTURE(e.code);
    CHECK(e.field == "f");
    CHECK_FALSE(e.code.empty());
    CHECK_FALSE(e.message_en.empty());
    CHECK(e.message_zh.find_first_of("\xE4\xE5\xE6\xE7\xE8\xE9") != std::string::npos);  // CJK lead bytes
    CHECK(e.blocking);
  }
}
