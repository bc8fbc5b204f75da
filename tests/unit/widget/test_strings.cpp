#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "ui_strings.h"
#include "widget_fixture.h"

using namespace lantern;
using namespace lantern::widget;

TEST_CASE("widget strings: the user's language first, then English, then the key itself") {
  Strings s;
  REQUIRE(s.load(R"({"version":1,"languages":{"en":{"a":"Apple","b":"Banana"},"zh-CN":{"a":"苹果"}}})"));
  s.set_language("zh-CN");
  CHECK(std::string(s.get("a")) == "苹果");
  CHECK(std::string(s.get("b")) == "Banana");
  CHECK(std::string(s.get("nobody.translated")) == "nobody.translated");
  s.set_language("en");
  CHECK(std::string(s.get("a")) == "Apple");
}

TEST_CASE("widget strings: loose language tags find the bundle's language") {
  Strings s;
  REQUIRE(s.load(R"({"version":1,"languages":{"en":{},"zh-CN":{}}})"));
  CHECK(s.match_language("zh") == "zh-CN");
  CHECK(s.match_language("zh-Hans-CN") == "zh-CN");
  CHECK(s.match_language("ZH_cn") == "zh-CN");
  CHECK(s.match_language("en-GB") == "en");
  CHECK(s.match_language("fr-FR") == "en");
}

TEST_CASE("widget strings: placeholders are filled; bad sections are refused with a reason") {
  Strings s;
  REQUIRE(s.load(R"({"version":1,"languages":{"en":{"n":"{n} tickets will be sent, {n} left"}}})"));
  CHECK(s.format("n", {{"n", "2"}}) == "2 tickets will be sent, 2 left");
  auto bad = s.load(R"({"version":1,"languages":{"zh-CN":{}}})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("English") != std::string::npos);
  CHECK_FALSE(s.load("[1,2]"));
}

TEST_CASE("widget strings: the shipped en and zh-CN strings have the same keys") {
  auto keys = [](const char* lang) {
    std::ifstream in(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/strings/" + lang + ".json");
    auto j = nlohmann::json::parse(in, nullptr, false);
    std::set<std::string> out;
    for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
    return out;
  };
  CHECK(keys("en").size() > 50);
  CHECK(keys("en") == keys("zh-CN"));
  testing::FakePlatform p;
  App app(p, Config{});
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  app.set_language("zh-CN");
  CHECK(std::string(app.S("home.search_label")) == "搜索帮助文章");
  app.set_language("en");
  CHECK(std::string(app.S("home.search_label")) == "Search help articles");
}
