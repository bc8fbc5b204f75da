#include <doctest/doctest.h>

#include "../helpers.h"

using namespace lantern;

TEST_CASE("builder: front matter problems are errors that name the file") {
  kbtool::BundleBuilder b;
  SUBCASE("no front matter") {
    auto st = b.add_markdown("# Just a heading\n", "x.md");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("x.md:1: no front matter") != std::string::npos);
  }
  SUBCASE("never closed") {
    auto st = b.add_markdown("---\nid: a\nlang: en\ntitle: T\n", "x.md");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("never closed") != std::string::npos);
  }
  SUBCASE("missing title") {
    auto st = b.add_markdown("---\nid: a\nlang: en\n---\nbody\n", "x.md");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("no 'title'") != std::string::npos);
  }
  SUBCASE("line without a colon") {
    auto st = b.add_markdown("---\nid: a\nnonsense\n---\n", "x.md");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message.find("x.md:3") != std::string::npos);
  }
}

TEST_CASE("builder: a duplicate id names both places") {
  kbtool::BundleBuilder b;
  REQUIRE(b.add_markdown(test::md("same", "en", "One", "a"), "one.md").ok());
  auto st = b.add_markdown(test::md("same", "en", "Two", "b"), "two.md");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::duplicate);
  CHECK(st.error().message.find("two.md") != std::string::npos);
  CHECK(st.error().message.find("one.md") != std::string::npos);
}

TEST_CASE("builder: an unknown language tag is refused") {
  kbtool::BundleBuilder b;
  auto st = b.add_markdown(test::md("a", "e?", "T", "b"), "a.md");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == ErrorCode::unknown_language);
  CHECK(st.error().message.find("'e?'") != std::string::npos);
}

TEST_CASE("builder: JSON Lines errors name the line") {
  kbtool::BundleBuilder b;
  SUBCASE("not JSON") {
    auto st = b.add_jsonl("{\"id\":\"a\",\"lang\":\"en\",\"title\":\"t\",\"body\":\"b\"}\n{oops\n", "c.jsonl");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message == "c.jsonl:2: line is not valid JSON");
  }
  SUBCASE("missing body") {
    auto st = b.add_jsonl("{\"id\":\"a\",\"lang\":\"en\",\"title\":\"t\"}\n", "c.jsonl");
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().message == "c.jsonl:1: \"body\" is missing or not a string");
  }
  SUBCASE("blank lines are fine") {
    CHECK(b.add_jsonl("\n{\"id\":\"a\",\"lang\":\"zh\",\"title\":\"t\",\"body\":\"b\"}\n\n", "c.jsonl").ok());
    CHECK(b.article_count() == 1);
  }
}

TEST_CASE("builder: zh, zh-CN and zh-Hans are one language") {
  kbtool::BundleBuilder b;
  REQUIRE(b.add_markdown(test::md("a", "zh-CN", "提币", "提币未到账"), "a.md").ok());
  REQUIRE(b.add_jsonl("{\"id\":\"b\",\"lang\":\"zh\",\"title\":\"充值\",\"body\":\"充值\"}", "b.jsonl").ok());
  REQUIRE(b.add_markdown(test::md("c", "zh-Hans", "钱包", "钱包"), "c.md").ok());
  auto bytes = test::build_bytes(b);
  auto bundle = test::open_bundle(bytes);
  REQUIRE(bundle.languages().size() == 1);
  CHECK(bundle.languages()[0] == "zh");
}

TEST_CASE("builder: synonyms need two phrases per group") {
  kbtool::BundleBuilder b;
  CHECK(b.add_synonyms("# comment\n提币, withdraw\n\n", "s.txt").ok());
  auto st = b.add_synonyms("lonely\n", "s.txt");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("s.txt:1") != std::string::npos);
}

TEST_CASE("builder: the project's own knowledge base builds, both languages paired") {
  kbtool::BundleBuilder b;
  REQUIRE(b.add_input(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/content").ok());
  CHECK(b.article_count() >= 80);
  auto bytes = test::build_bytes(b);
  auto bundle = test::open_bundle(bytes);
  std::size_t en = 0, zh = 0, paired = 0;
  for (std::uint32_t i = 0; i < bundle.article_count(); ++i) {
    auto a = bundle.article(i);
    en += a.lang == "en";
    zh += a.lang == "zh";
    if (!a.translation_of.empty()) {
      ++paired;
      CHECK_MESSAGE(bundle.find_article(a.translation_of) >= 0, a.id, " is a translation of a missing article");
    }
    CHECK_MESSAGE(!a.category.empty(), a.id, " has no category");
  }
  CHECK(en >= 40);
  CHECK(zh >= 40);
  CHECK(paired == zh);
}
