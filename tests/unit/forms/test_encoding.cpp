#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "lantern/encoding.h"

using namespace lantern::encoding;

namespace {

std::string hex(const std::vector<std::uint8_t>& v) { return hex_encode(v.data(), v.size()); }
std::vector<std::uint8_t> bytes(std::string_view h) { return *hex_decode(h); }
std::string keccak_hex(std::string_view s) {
  std::uint8_t out[32];
  keccak256(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), out);
  return hex_encode(out, 32);
}
std::string sha256_hex(std::string_view s) {
  std::uint8_t out[32];
  sha256(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), out);
  return hex_encode(out, 32);
}
// BIP-173/350 witness scriptPubKey: OP_n (0x00 or 0x50+n), push length, program.
std::string script_pubkey(const SegwitProgram& p) {
  std::vector<std::uint8_t> s{static_cast<std::uint8_t>(p.version ? 0x50 + p.version : 0), static_cast<std::uint8_t>(p.program.size())};
  s.insert(s.end(), p.program.begin(), p.program.end());
  return hex(s);
}

}  // namespace

TEST_CASE("encoding: Base58 round-trips Bitcoin Core's base58_encode_decode.json vectors") {
  const std::pair<const char*, const char*> vectors[] = {
      {"61", "2g"},
      {"626262", "a3gV"},
      {"636363", "aPEr"},
      {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
      {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
      {"516b6fcd0f", "ABnLTmg"},
      {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
      {"572e4794", "3EFU7m"},
      {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
      {"10c8511e", "Rt5zm"},
      {"00000000000000000000", "1111111111"},
  };
  for (auto [h, b58] : vectors) {
    CAPTURE(b58);
    auto decoded = base58_decode(b58);
    REQUIRE(decoded);
    CHECK(hex(*decoded) == h);
    CHECK(base58_encode(bytes(h)) == b58);
  }
}

TEST_CASE("encoding: Base58 refuses empty input, symbols outside the alphabet and overlong input") {
  CHECK_FALSE(base58_decode(""));
  CHECK_FALSE(base58_decode("0OIl"));              // the four excluded look-alikes
  CHECK_FALSE(base58_decode("1A1zP1eP5QGefi2DMP ")); // a space
  CHECK_FALSE(base58_decode(std::string(257, '2')));
  CHECK(base58_decode(std::string(256, '2')));
}

TEST_CASE("encoding: Base58Check decodes the genesis address and the Bitcoin wiki's example") {
  // Genesis block coinbase output: version 0x00 + HASH160 of Satoshi's key.
  auto genesis = base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
  REQUIRE(genesis);
  CHECK(hex(*genesis) == "0062e907b15cbf27d5425399ebf6f0fb50ebb88f18");
  // en.bitcoin.it "Technical background of version 1 Bitcoin addresses".
  auto wiki = base58check_decode("16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvM");
  REQUIRE(wiki);
  CHECK(hex(*wiki) == "00010966776006953d5567439e5e39f86a0d273bee");
  CHECK(base58check_encode(*wiki) == "16UwLL9Risc3QfPqBUvKofHmBQ7wMtjvM");
  // Bitcoin Core's plain Base58 vector ends in 4 bytes that are not the checksum.
  CHECK_FALSE(base58check_decode("1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"));
}

TEST_CASE("encoding: Base58Check refuses a changed character, a short string and the wrong alphabet") {
  CHECK_FALSE(base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));  // last character changed
  CHECK_FALSE(base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN"));   // one dropped
  CHECK_FALSE(base58check_decode("2g"));                                  // shorter than a checksum
  CHECK_FALSE(base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", kRippleAlphabet));
}

TEST_CASE("encoding: Base58Check with the Ripple alphabet decodes XRP Ledger's special accounts") {
  // ACCOUNT_ZERO and ACCOUNT_ONE (xrpl.org "Special addresses"): version 0x00 and a 20-byte id.
  auto zero = base58check_decode("rrrrrrrrrrrrrrrrrrrrrhoLvTp", kRippleAlphabet);
  REQUIRE(zero);
  CHECK(hex(*zero) == "00" + std::string(40, '0'));
  auto one = base58check_decode("rrrrrrrrrrrrrrrrrrrrBZbvji", kRippleAlphabet);
  REQUIRE(one);
  CHECK(hex(*one) == "00" + std::string(38, '0') + "01");
  // The genesis account.
  auto genesis = base58check_decode("rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", kRippleAlphabet);
  REQUIRE(genesis);
  CHECK(genesis->size() == 21);
  CHECK(base58check_encode(*genesis, kRippleAlphabet) == "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh");
}

TEST_CASE("encoding: SHA-256 matches FIPS 180-2's examples") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("encoding: Keccak-256 is Ethereum's, not SHA3-256") {
  CHECK(keccak_hex("") == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  CHECK(keccak_hex("abc") == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // SHA3-256("") would be a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a.
  CHECK(keccak_hex("") != "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  // Solidity function selectors are the first four bytes: ERC-20 transfer is a9059cbb.
  CHECK(keccak_hex("transfer(address,uint256)").substr(0, 8) == "a9059cbb");
  CHECK(keccak_hex("balanceOf(address)").substr(0, 8) == "70a08231");
}

TEST_CASE("encoding: Keccak-256 absorbs inputs across the 136-byte block boundary") {
  // Lengths 135, 136 and 137 pad into one or two blocks; each must differ and be stable.
  std::string a135(135, 'a'), a136(136, 'a'), a137(137, 'a');
  CHECK(keccak_hex(a135) != keccak_hex(a136));
  CHECK(keccak_hex(a136) != keccak_hex(a137));
  CHECK(keccak_hex(a136) == keccak_hex(std::string(136, 'a')));
}

TEST_CASE("encoding: Bech32 accepts BIP-173's valid strings and Bech32m BIP-350's") {
  const char* bech32[] = {
      "A12UEL5L",
      "a12uel5l",
      "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
      "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
      "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
      "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
      "?1ezyfcl",
  };
  const char* bech32m[] = {
      "A1LQFN3A",
      "a1lqfn3a",
      "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
      "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
      "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
      "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
      "?1v759aa",
  };
  for (const char* s : bech32) {
    CAPTURE(s);
    auto r = bech32_decode(s);
    REQUIRE(r);
    CHECK_FALSE(r->bech32m);
    // Flipping one bit of the first data symbol breaks the checksum (sipa/bech32 tests.py).
    std::string t = s;
    auto pos = t.rfind('1');
    const std::string charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(t[pos + 1])));
    char flipped = charset[charset.find(c) ^ 1];
    t[pos + 1] = std::isupper(static_cast<unsigned char>(t[pos + 1])) ? static_cast<char>(std::toupper(flipped)) : flipped;
    CHECK_FALSE(bech32_decode(t));
  }
  for (const char* s : bech32m) {
    CAPTURE(s);
    auto r = bech32_decode(s);
    REQUIRE(r);
    CHECK(r->bech32m);
  }
  auto abc = bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw");
  REQUIRE(abc);
  CHECK(abc->hrp == "abcdef");
  REQUIRE(abc->data5.size() == 32);
  for (std::uint8_t i = 0; i < 32; ++i) CHECK(abc->data5[i] == i);
  CHECK(bech32_decode("A12UEL5L")->hrp == "a");  // hrp is returned in lower case
}

TEST_CASE("encoding: Bech32 and Bech32m refuse BIP-173's and BIP-350's invalid strings") {
  const std::string invalid[] = {
      // BIP-173
      " 1nwldj5", std::string("\x7f") + "1axkwrx", std::string("\x80") + "1eym55h",
      "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
      "pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", std::string("de1lg7wt") + "\xff", "A1G7SGD8", "10a06t8",
      "1qzzfhee",
      // BIP-350
      " 1xj0phk", std::string("\x7f") + "1g6xzxy", std::string("\x80") + "1vctc34",
      "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4", "qyrz8wqd2c9m",
      "1qyrz8wqd2c9m", "y1b0jsk6g", "lt1igcx5c0", "in1muywd", "mm1crxm3i", "au1s5cgom", "M1VUXWEZ", "16plkw9", "1p2gdwpf",
  };
  for (const auto& s : invalid) {
    CAPTURE(s);
    CHECK_FALSE(bech32_decode(s));
  }
}

TEST_CASE("encoding: segwit addresses decode to BIP-350's scriptPubKeys") {
  const std::pair<const char*, const char*> valid[] = {
      {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
      {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
      {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
       "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
      {"BC1SW50QGDZ25J", "6002751e"},
      {"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
      {"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
      {"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
      {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
  };
  for (auto [addr, script] : valid) {
    CAPTURE(addr);
    auto p = segwit_decode("bc", addr);
    if (!p) p = segwit_decode("tb", addr);
    REQUIRE(p);
    CHECK(script_pubkey(*p) == script);
  }
}

TEST_CASE("encoding: segwit decoding refuses BIP-350's invalid addresses") {
  const char* invalid[] = {
      "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",            // invalid hrp
      "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",            // v1 with Bech32
      "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",            // v2 with Bech32
      "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",            // v16 with Bech32
      "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",                                // v0 with Bech32m
      "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",            // v0 with Bech32m
      "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",            // invalid character
      "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",            // version 17
      "bc1pw5dgrnzv",                                                              // 1-byte program
      "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",  // 41 bytes
      "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",                                      // v0, 16 bytes
      "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",            // mixed case
      "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",          // more than 4 padding bits
      "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",            // non-zero padding
      "bc1gmk9yu",                                                                 // empty data
  };
  for (const char* s : invalid) {
    CAPTURE(s);
    CHECK_FALSE(segwit_decode("bc", s));
    CHECK_FALSE(segwit_decode("tb", s));
  }
}

TEST_CASE("encoding: CashAddr and legacy Base58 of the CashAddr spec's examples carry the same hash") {
  const std::pair<const char*, const char*> pairs[] = {
      {"1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"},
      {"1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR", "bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy"},
      {"16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb", "bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r"},
      {"3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC", "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq"},
  };
  for (auto [legacy, cash] : pairs) {
    CAPTURE(cash);
    auto b58 = base58check_decode(legacy);
    auto ca = cashaddr_decode(cash, "bitcoincash");
    REQUIRE(b58);
    REQUIRE(ca);
    CHECK(ca->prefix == "bitcoincash");
    CHECK(ca->type == ((*b58)[0] == 0x05 ? 1 : 0));
    CHECK(hex(ca->hash) == hex(*b58).substr(2));
    // The prefix may be left out, and upper case is as valid as lower case.
    std::string bare = std::string(cash).substr(12);
    CHECK(cashaddr_decode(bare, "bitcoincash"));
    std::string upper = cash;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(cashaddr_decode(upper, "bitcoincash"));
  }
  CHECK_FALSE(cashaddr_decode("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6b", "bitcoincash"));  // checksum
  CHECK_FALSE(cashaddr_decode("bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "bitcoincash"));     // prefix is checksummed
  CHECK_FALSE(cashaddr_decode("bitcoincash:Qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a", "bitcoincash"));  // mixed case
}

TEST_CASE("encoding: hex, Base32 and Base64 decode strictly") {
  CHECK(is_hex("00ffAB"));
  CHECK_FALSE(is_hex(""));
  CHECK_FALSE(is_hex("0x00"));
  CHECK_FALSE(is_hex("12g4"));
  CHECK(hex(bytes("00ffAB")) == "00ffab");
  CHECK_FALSE(hex_decode("abc"));
  // RFC 4648 section 10 vectors, without padding.
  CHECK(base32_decode("MZXW6YTBOI") == std::vector<std::uint8_t>{'f', 'o', 'o', 'b', 'a', 'r'});
  CHECK(base32_decode("MY") == std::vector<std::uint8_t>{'f'});
  CHECK_FALSE(base32_decode("MZ"));  // non-zero trailing bits
  CHECK_FALSE(base32_decode("M"));   // length 1 mod 8
  CHECK_FALSE(base32_decode("mzxw6ytboi"));
  CHECK(base64_decode("Zm9vYmFy") == std::vector<std::uint8_t>{'f', 'o', 'o', 'b', 'a', 'r'});
  CHECK(base64_decode("Zm8=") == std::vector<std::uint8_t>{'f', 'o'});
  CHECK(base64_decode("Zm8") == std::vector<std::uint8_t>{'f', 'o'});
  CHECK(base64_decode("-_8") == std::vector<std::uint8_t>{0xfb, 0xff});
  CHECK(base64_decode("+/8") == std::vector<std::uint8_t>{0xfb, 0xff});
  CHECK_FALSE(base64_decode("Zm9=="));
  CHECK_FALSE(base64_decode("Zm9"+std::string("!")));
}

TEST_CASE("encoding: CRC-16/XMODEM gives the catalogue check value") {
  const std::string s = "123456789";
  CHECK(crc16_xmodem(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) == 0x31C3);
}
