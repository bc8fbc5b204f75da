#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lantern/encoding.h"
#include "lantern/secret_guard.h"

using namespace lantern::forms;

namespace {

std::vector<SecretFinding> scan(std::string_view s, FieldKind kind = FieldKind::free_text) {
  return scan_secrets(s, kind);
}

std::string covered(std::string_view s, const SecretFinding& f) {
  return std::string(s.substr(f.begin, f.end - f.begin));
}

// The single finding of a text, checked to be of `kind`; returns the highlighted text.
std::string only(std::string_view s, SecretKind kind, FieldKind field = FieldKind::free_text) {
  auto f = scan(s, field);
  REQUIRE_MESSAGE(f.size() == 1, std::string(s));
  CHECK_MESSAGE(f[0].kind == kind, secret_kind_name(f[0].kind), " in ", std::string(s));
  return covered(s, f[0]);
}

std::string join(const std::vector<std::string>& words, const char* sep) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

// BIP-39 from entropy, computed here with SHA-256 directly (not through the guard's checksum code).
std::vector<std::uint16_t> indices_from_entropy(const std::vector<std::uint8_t>& entropy) {
  std::uint8_t hash[32];
  lantern::encoding::sha256(entropy.data(), entropy.size(), hash);
  std::vector<bool> bits;
  for (auto b : entropy)
    for (int i = 7; i >= 0; --i) bits.push_back((b >> i) & 1);
  for (std::size_t i = 0; i < entropy.size() * 8 / 32; ++i) bits.push_back((hash[i / 8] >> (7 - i % 8)) & 1);
  std::vector<std::uint16_t> out;
  for (std::size_t i = 0; i < bits.size(); i += 11) {
    std::uint16_t v = 0;
    for (std::size_t k = 0; k < 11; ++k) v = std::uint16_t(v << 1 | bits[i + k]);
    out.push_back(v);
  }
  return out;
}

// Trezor's BIP-39 vectors (python-mnemonic vectors.json, English): 12, 18 and 24 words.
const char* const kTrezorVectors[] = {
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
    "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
    "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
    "gravity machine north sort system female filter attitude volume fold club stay feature office "
    "ecology stable narrow fog",
    "hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel "
    "tennis maple dilemma loan word shrug inflict delay length",
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
    "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
};

// python-mnemonic's Mnemonic("chinese_simplified" / "chinese_traditional").to_mnemonic() of the
// entropy of Trezor vectors 9e885d952ad362caeb4efe34a8e91bd2 (12 words) and f585c11aec520db5...
// 9d8f (24 words).
const char* const kChinese12 = "蒙 台 脱 纪 构 硫 浆 霉 感 仅 鱼 汤";
const char* const kChinese12Traditional = "蒙 台 脫 紀 構 硫 漿 黴 感 僅 魚 湯";
const char* const kChinese24 = "柄 需 固 姆 色 斥 霍 握 宾 琴 况 团 抵 经 摸 郭 沙 鸣 拖 妙 阳 辈 掉 迁";

std::string without_spaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

const char* const kWif = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ";              // Bitcoin wiki
const char* const kWifCompressed = "KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617";  // same key
// BIP-32 test vector 1, chain m.
const char* const kXprv =
    "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
const char* const kXpub =
    "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8";
const char* const kHex64 = "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d";

}  // namespace

TEST_CASE("secret guard: BIP-39 word tables and checksum") {
  CHECK(bip39_word(Bip39List::english, 0) == "abandon");
  CHECK(bip39_word(Bip39List::english, 2047) == "zoo");
  CHECK(bip39_word(Bip39List::chinese_simplified, 0) == "的");
  CHECK(bip39_word(Bip39List::chinese_traditional, 2047) == "歇");
  CHECK(bip39_word(Bip39List::english, 2048).empty());
  std::vector<std::uint16_t> about(11, 0);
  about.push_back(3);  // "about"
  CHECK(bip39_checksum_ok(about));
  about.back() = 0;  // twelve times "abandon"
  CHECK_FALSE(bip39_checksum_ok(about));
  CHECK_FALSE(bip39_checksum_ok(std::vector<std::uint16_t>(11, 0)));
}

TEST_CASE("secret guard: Trezor BIP-39 vectors are blocked as recovery phrases") {
  for (const char* v : kTrezorVectors) {
    CAPTURE(v);
    CHECK(only(v, SecretKind::mnemonic) == v);
    auto f = scan(v);
    CHECK(f[0].severity == Severity::block);
    CHECK(f[0].message_en.find("never ask") != std::string::npos);
    CHECK(f[0].message_zh.find("骗子") != std::string::npos);
  }
}

TEST_CASE("secret guard: a phrase is found through numbering, punctuation, line breaks and upper case") {
  const std::string numbered =
      "1. abandon 2. abandon 3. abandon 4. abandon 5. abandon 6. abandon\n"
      "7. abandon 8. abandon 9. abandon 10. abandon 11. abandon 12. about";
  CHECK(only("My words: " + numbered + " please help!", SecretKind::mnemonic) == "abandon 2. abandon 3. abandon 4. "
        "abandon 5. abandon 6. abandon\n7. abandon 8. abandon 9. abandon 10. abandon 11. abandon 12. about");
  const std::string messy = "LEGAL,  Winner;thank year\n\nwave - sausage WORTH useful legal winner thank yellow.";
  CHECK(only("seed: " + messy, SecretKind::mnemonic) == messy.substr(0, messy.size() - 1));
  // Full-width letters, as some Chinese keyboards type them.
  CHECK(only("ＡＢＡＮＤＯＮ abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
             SecretKind::mnemonic).size() > 0);
}

TEST_CASE("secret guard: a 24-word phrase is one finding, not two 12-word ones") {
  std::string s = std::string("please restore ") + kTrezorVectors[6] + " thanks";
  CHECK(only(s, SecretKind::mnemonic) == kTrezorVectors[6]);
}

TEST_CASE("secret guard: Chinese phrases with or without spaces, simplified and traditional") {
  CHECK(only(kChinese12, SecretKind::mnemonic) == kChinese12);
  CHECK(only(kChinese12Traditional, SecretKind::mnemonic) == kChinese12Traditional);
  CHECK(only(kChinese24, SecretKind::mnemonic) == kChinese24);
  const std::string packed = without_spaces(kChinese12);
  CHECK(only("我的助记词：" + packed + "。请帮我找回", SecretKind::mnemonic) == packed);
  CHECK(only(without_spaces(kChinese24), SecretKind::mnemonic) == without_spaces(kChinese24));
  CHECK(only(without_spaces(kChinese12Traditional), SecretKind::mnemonic) == without_spaces(kChinese12Traditional));
  CHECK(only("蒙台脱纪 构硫浆霉 感仅鱼汤", SecretKind::mnemonic) == "蒙台脱纪 构硫浆霉 感仅鱼汤");  // groups of 4
  // Glued to the words before it, a phrase has no edge to start from: documented limit.
  CHECK(scan("我的助记词是" + packed).empty());
  CHECK(only("助记词\n1、蒙 2、台 3、脱 4、纪 5、构 6、硫\n7、浆 8、霉 9、感 10、仅 11、鱼 12、汤", SecretKind::mnemonic) ==
        "蒙 2、台 3、脱 4、纪 5、构 6、硫\n7、浆 8、霉 9、感 10、仅 11、鱼 12、汤");

  // A phrase built here from entropy, word by word from the list.
  std::vector<std::uint8_t> entropy;
  for (int i = 0; i < 20; ++i) entropy.push_back(std::uint8_t(0x3c * i + 7));
  std::vector<std::string> words;
  for (auto i : indices_from_entropy(entropy)) words.push_back(std::string(bip39_word(Bip39List::chinese_simplified, i)));
  REQUIRE(words.size() == 15);
  CHECK(only(join(words, " "), SecretKind::mnemonic) == join(words, " "));
}

TEST_CASE("secret guard: ordinary English and Chinese support messages pass") {
  const char* const clean[] = {
      "I can not access my account after the update",
      "I can not access my account after the update, please help me unlock it as soon as possible",
      "My USDT withdrawal to Binance has been pending for 3 hours. Network: TRC20. Amount 250.5 USDT.",
      "Deposit of 0.05 BTC not credited, sent from my Ledger to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
      "Please check my ETH deposit to 0x742d35Cc6634C0532925a3b844Bc454e4438f44e, it has 40 confirmations",
      "I lost my phone and my 2FA no longer works, UID 23818822. How can I reset it?",
      "The SMS code never arrives, I waited 30 minutes and asked for a new one 3 times.",
      "My password is wrong and the reset email never came.",
      "Password: Reset does not work",
      "I forgot my password and my fund password; the password was changed on 2024-01-05.",
      "我的USDT提币三个小时了还没到账，请帮忙查一下是什么原因，谢谢。",
      "我换了新手机以后谷歌验证器丢失了，无法登录账户，请问怎么重置二次验证？",
      "验证码一直收不到，已经等了十分钟，重新发送了三次还是没有收到。",
      "密码错误次数太多账户被锁定了，请帮我解锁。",
      "充值的比特币已经有六个确认了但是账户余额还是没有变化，交易所显示处理中。",
      "比特币由世界各地所有的比特币用户控制，开发者们并不拥有比特币网络。",
  };
  for (const char* s : clean) {
    CAPTURE(s);
    CHECK(scan(s).empty());
  }
}

TEST_CASE("secret guard: the FAQ corpus (310 English, 195 Chinese articles) raises one finding, a real key") {
  std::ifstream in(LANTERN_CORPUS);
  REQUIRE(in.good());
  std::string line;
  int articles = 0;
  std::vector<std::string> found;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE(!j.is_discarded());
    std::string body = j.value("title", "") + "\n" + j.value("body", "");
    ++articles;
    for (const auto& f : scan(body))
      found.push_back(j.value("id", "") + " " + secret_kind_name(f.kind) + " " + covered(body, f));
  }
  CHECK(articles > 500);
  // Monero's wallet walkthrough prints "view key: <64 hex>": a private view key, rightly blocked.
  CHECK(found == std::vector<std::string>{"xmr/moneropedia/account@en private_key_hex "
                                          "4130fa26463d9451781771a8baa5d0b8085c47c4500cefe4746bab48f1d15903"});
}

TEST_CASE("secret guard: 11 words, and 12 list words with a bad checksum") {
  // 11 words: too short to be a phrase, even with list words only.
  CHECK(scan("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about").empty());
  // 12 list words, checksum wrong (the last word of a vector changed): a warning, not a block. It is
  // most likely a mistyped phrase, but 15 of 16 random list-word runs fail the checksum, so the user
  // may confirm that it is not one.
  const char* bad = "legal winner thank year wave sausage worth useful legal winner thank year";
  auto f = scan(bad);
  REQUIRE(f.size() == 1);
  CHECK(f[0].kind == SecretKind::possible_mnemonic);
  CHECK(f[0].severity == Severity::warn);
  CHECK(covered(bad, f[0]) == bad);
  CHECK_FALSE(blocks_submission({{0, f[0]}}));
  // Twelve Han list characters written apart, checksum wrong: the same warning.
  const std::string han_bad = "蒙 台 脱 纪 构 硫 浆 霉 感 仅 鱼 台";
  f = scan(han_bad);
  REQUIRE(f.size() == 1);
  CHECK(f[0].kind == SecretKind::possible_mnemonic);
  CHECK(covered(han_bad, f[0]) == han_bad);
  // Twelve or more Han list characters in a clause with a bad checksum are ordinary prose: nothing.
  CHECK(scan("其中很多是与比特币开放源代码特性的误解有关").empty());
  CHECK(scan(without_spaces(han_bad)).empty());
}

TEST_CASE("secret guard: WIF and BIP-32 extended private keys") {
  CHECK(only(std::string("my key ") + kWif, SecretKind::private_key_wif) == kWif);
  CHECK(only(kWifCompressed, SecretKind::private_key_wif) == kWifCompressed);
  CHECK(only(kWif, SecretKind::private_key_wif, FieldKind::address) == kWif);  // wrong field: still a key
  CHECK(only(std::string("xprv: ") + kXprv + ".", SecretKind::extended_private_key) == kXprv);
  CHECK(only(kXprv, SecretKind::extended_private_key, FieldKind::txid) == kXprv);
  // Public keys and addresses are not secrets.
  CHECK(scan(kXpub).empty());
  CHECK(scan("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", FieldKind::address).empty());
  CHECK(scan("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", FieldKind::address).empty());
  // A key with one wrong character fails its checksum and is not reported (see secret_guard.cpp).
  CHECK(scan("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHj")
            .empty());
}

TEST_CASE("secret guard: 64 hex digits are a TxID in its field or next to a TxID word, else a key") {
  const std::string hex = kHex64;
  const std::string hex0x = "0x" + hex;
  CHECK(scan(hex, FieldKind::txid).empty());
  CHECK(scan(hex0x, FieldKind::txid).empty());
  CHECK(scan(hex0x, FieldKind::address).empty());  // Aptos / Sui addresses
  CHECK(scan(hex, FieldKind::memo).empty());

  const std::string txids[] = {
      "TxID: " + hex,
      "transaction hash " + hex0x + " still not credited",
      "交易哈希：" + hex,
      "我的提币交易ID是" + hex + "，请查一下",
      "https://etherscan.io/tx/" + hex0x,
      hex + " is the txid of my deposit",
      "TxIDs:\n" + hex + "\n" + hex0x + ",\n" + hex,
      "SHA256 hashes of the installer I downloaded:\n" + hex,
      "sent 5 APT to my Aptos address " + hex0x,
      "区块哈希 " + hex,
  };
  for (const auto& s : txids) {
    CAPTURE(s);
    CHECK(scan(s).empty());
  }
  CHECK(only(hex, SecretKind::private_key_hex) == hex);  // no cue: the safe reading
  CHECK(only("please help " + hex0x, SecretKind::private_key_hex) == hex0x);
  CHECK(only("my private key is " + hex, SecretKind::private_key_hex) == hex);
  CHECK(only("私钥：" + hex, SecretKind::private_key_hex) == hex);
  CHECK(only("the hash of my key: " + hex, SecretKind::private_key_hex) == hex);  // nearest cue wins
  auto f = scan("TxID " + hex + "\nand my private key is " + hex0x);
  REQUIRE(f.size() == 1);
  CHECK(f[0].begin == 5 + 64 + 23);
  CHECK(f[0].message_en.find("TxID field") != std::string::npos);
  // Longer or shorter hex runs (hashes of other sizes, signatures) are not keys.
  CHECK(scan(hex + "ab").empty());
  CHECK(scan(hex.substr(0, 40)).empty());
}

TEST_CASE("secret guard: one-time codes offered to support") {
  CHECK(only("Hi, my 2FA code is 123456, please log in for me", SecretKind::one_time_code) == "123456");
  CHECK(only("验证码是 483920", SecretKind::one_time_code) == "483920");
  CHECK(only("google code: 123 456", SecretKind::one_time_code) == "123 456");
  CHECK(only("谷歌验证码：778 120", SecretKind::one_time_code) == "778 120");
  CHECK(only("OTP=04718932", SecretKind::one_time_code) == "04718932");
  CHECK(scan("2FA reset requested on 2024-01-05, UID 23818822").empty());
  CHECK(scan("the verification code expired after 60 seconds").empty());
  CHECK(scan("验证码 5 分钟后过期").empty());
  CHECK(scan("2FA code is 1234.56").empty());
  CHECK(scan("I enabled 2FA 2024-01-05 and Google Authenticator 2024/3/1").empty());
}

TEST_CASE("secret guard: passwords offered to support") {
  CHECK(only("my password is hunter2!", SecretKind::password) == "hunter2!");
  CHECK(only("密码：Abc12345", SecretKind::password) == "Abc12345");
  CHECK(only("login pwd: \"s3cr3t-Pass\".", SecretKind::password) == "s3cr3t-Pass");
  CHECK(only("资金密码是246810", SecretKind::password) == "246810");
  CHECK(only("My PIN code is 4821", SecretKind::password) == "4821");
  CHECK(only("Password: CorrectHorse", SecretKind::password) == "CorrectHorse");
  CHECK(scan("My password is wrong").empty());
  CHECK(scan("password reset email goes to me@example.com").empty());
  CHECK(scan("我忘记了登录密码，密码是6位数字").empty());
  CHECK(scan("the password: unknown").empty());
}

TEST_CASE("secret guard: a ticket with a secret cannot be submitted; the error names the field") {
  const std::string desc = "Withdrawal stuck. My password is hunter2! if you need it.";
  std::vector<TicketField> fields = {
      {"subject", FieldKind::free_text, "Withdrawal stuck"},
      {"txid", FieldKind::txid, kHex64},
      {"address", FieldKind::address, "0x742d35Cc6634C0532925a3b844Bc454e4438f44e"},
      {"description", FieldKind::free_text, desc},
  };
  auto findings = scan_ticket(fields);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].field == 3);
  CHECK(covered(desc, findings[0].finding) == "hunter2!");
  CHECK(blocks_submission(findings));
  auto st = check_ticket_secrets(fields);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == lantern::ErrorCode::invalid_argument);
  CHECK(st.error().message.rfind("field 'description': This looks like a password.", 0) == 0);

  fields[3].text = "Withdrawal stuck since yesterday, please check the TxID above.";
  CHECK(scan_ticket(fields).empty());
  CHECK(check_ticket_secrets(fields).ok());
}
