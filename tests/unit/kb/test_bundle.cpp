#include <doctest/doctest.h>

#include <cstring>

#include "../helpers.h"
#include "kb/bytes.h"

using namespace lantern;

namespace {
std::string sample(const std::string& key = "") {
  kbtool::BundleBuilder b;
  REQUIRE(b.add_markdown(test::md("w@en", "en", "Withdrawal pending", "Your withdrawal is being reviewed."), "w.md").ok());
  REQUIRE(b.add_markdown(test::md("w@zh-CN", "zh-CN", "提币处理中", "您的提币正在审核。", "translation_of: w@en\n"), "w.zh.md").ok());
  return test::build_bytes(b, key);
}
const std::uint8_t* u8(const std::string& s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }
}  // namespace

TEST_CASE("bundle: opens in place and gives back what was built") {
  auto bytes = sample();
  auto b = test::open_bundle(bytes);
  REQUIRE(b.article_count() == 2);
  CHECK(b.article(0).id == "w@en");
  CHECK(b.article(1).lang == "zh");
  CHECK(b.article(1).translation_of == "w@en");
  CHECK(b.find_article("w@zh-CN") == 1);
  CHECK(b.find_article("nope") == -1);
  CHECK(b.find_term("withdraw") >= 0);
  CHECK(b.find_term("提币") >= 0);
  CHECK(b.metadata_json().find("\"articles\":2") != std::string_view::npos);
  CHECK(kb::check_integrity(u8(bytes), bytes.size()).ok());
}

TEST_CASE("bundle: a truncated file is refused as truncated") {
  auto bytes = sample();
  for (std::size_t keep : {std::size_t(0), std::size_t(10), std::size_t(100), bytes.size() / 2, bytes.size() - 1}) {
    std::string cut = bytes.substr(0, keep);
    auto b = kb::Bundle::open(u8(cut), cut.size());
    REQUIRE_FALSE(b.ok());
    CHECK_MESSAGE(b.error().code == ErrorCode::truncated, "kept ", keep, ": ", b.error().message);
    auto st = kb::check_integrity(u8(cut), cut.size());
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("truncated") != std::string::npos);
  }
}

TEST_CASE("bundle: something that is not a bundle says so") {
  std::string junk(4096, 'x');
  auto b = kb::Bundle::open(u8(junk), junk.size());
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message.find("not a Lantern bundle") != std::string::npos);
}

TEST_CASE("bundle: a newer major version is refused with both versions named") {
  auto bytes = sample();
  bytes[8] = 2;
  auto b = kb::Bundle::open(u8(bytes), bytes.size());
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message.find("format 2.0") != std::string::npos);
}

TEST_CASE("bundle: an altered byte fails the integrity check") {
  auto bytes = sample();
  bytes[bytes.size() / 2] ^= 0x40;
  auto st = kb::check_integrity(u8(bytes), bytes.size());
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::tampered);
}

TEST_CASE("bundle: out-of-range offsets are refused, never read") {
  auto bytes = sample();
  // Point the first section far past the end.
  kb::set32(bytes, kb::kHeaderSize + 8, 0x7FFFFFF0u);
  auto b = kb::Bundle::open(u8(bytes), bytes.size());
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().code == ErrorCode::bad_format);
}

TEST_CASE("bundle: a content size that wraps around when the trailer is added is refused") {
  // Found by libFuzzer: content + trailer overflowed 64 bits and matched the file size.
  auto bytes = sample();
  for (std::uint64_t content : {~std::uint64_t(0), ~std::uint64_t(0) - kb::kTrailerSize + 1,
                                std::uint64_t(bytes.size()) - kb::kTrailerSize + 1}) {
    std::string bad = bytes;
    for (int i = 0; i < 8; ++i) bad[16 + i] = char((content >> (8 * i)) & 0xFF);
    auto b = kb::Bundle::open(u8(bad), bad.size());
    REQUIRE_FALSE(b.ok());
    CHECK_MESSAGE(b.error().code == ErrorCode::truncated, b.error().message);
    auto st = kb::check_integrity(u8(bad), bad.size());
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::truncated);
  }
}

TEST_CASE("signing: a signed bundle verifies with its key; each failure says which") {
  auto kp = kb::generate_keypair();
  REQUIRE(kp.ok());
  auto other = kb::generate_keypair();
  REQUIRE(other.ok());
  auto bytes = sample(kp->private_pem);

  CHECK(kb::verify_bundle(u8(bytes), bytes.size(), kp->public_pem).ok());

  SUBCASE("wrong key") {
    auto st = kb::verify_bundle(u8(bytes), bytes.size(), other->public_pem);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::wrong_key);
    CHECK(st.error().message.find("different key") != std::string::npos);
  }
  SUBCASE("altered content") {
    bytes[200] ^= 1;
    auto st = kb::verify_bundle(u8(bytes), bytes.size(), kp->public_pem);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::tampered);
  }
  SUBCASE("altered content with a recomputed hash: the signature catches it") {
    bytes[200] ^= 1;
    REQUIRE(kb::seal_bundle(bytes, "").ok());  // rehash, keep the old signature
    auto st = kb::verify_bundle(u8(bytes), bytes.size(), kp->public_pem);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::tampered);
    CHECK(st.error().message.find("signature") != std::string::npos);
  }
  SUBCASE("truncated") {
    auto st = kb::verify_bundle(u8(bytes), bytes.size() - 7, kp->public_pem);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::truncated);
  }
  SUBCASE("appended bytes") {
    bytes += "extra";
    auto st = kb::verify_bundle(u8(bytes), bytes.size(), kp->public_pem);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::tampered);
  }
  SUBCASE("unsigned") {
    auto plain = sample();
    auto st = kb::verify_bundle(u8(plain), plain.size(), kp->public_pem);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::unsigned_bundle);
  }
  SUBCASE("a key that is not a key") {
    auto st = kb::verify_bundle(u8(bytes), bytes.size(), "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == ErrorCode::crypto_error);
  }
}

TEST_CASE("signing: key ids are stable for a key and differ between keys") {
  auto a = kb::generate_keypair();
  auto b = kb::generate_keypair();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto ia = kb::public_key_id(a->public_pem);
  REQUIRE(ia.ok());
  CHECK(ia->size() == 16);
  CHECK(*ia == kb::public_key_id(a->public_pem).value());
  CHECK(*ia != kb::public_key_id(b->public_pem).value());
}
