#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "../helpers.h"

using namespace lantern;

namespace {

// The project's knowledge base with its synonyms, built once for all search tests.
struct Kb {
  std::string bytes;
  kb::Bundle bundle;
  search::Searcher searcher;
  static Kb& get() {
    static Kb* kb = [] {
      kbtool::BundleBuilder b;
      REQUIRE(b.add_input(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/content").ok());
      std::ifstream in(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/synonyms.txt");
      std::stringstream ss;
      ss << in.rdbuf();
      REQUIRE(b.add_synonyms(ss.str(), "synonyms.txt").ok());
      auto bytes = test::build_bytes(b);
      return new Kb(std::move(bytes));
    }();
    return *kb;
  }
  explicit Kb(std::string b) : bytes(std::move(b)), bundle(test::open_bundle(bytes)), searcher(bundle) {}
};

std::vector<search::Hit> find(const std::string& q, const std::string& lang = "", std::size_t top = 5) {
  search::Options o;
  o.lang = lang;
  o.top = top;
  auto r = Kb::get().searcher.search(q, o);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return *r;
}

bool in_top(const std::vector<search::Hit>& hits, const std::string& id, std::size_t k) {
  for (std::size_t i = 0; i < hits.size() && i < k; ++i) {
    if (hits[i].id == id) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("search: bigram query finds 提币 in 提币未到账") {
  kbtool::BundleBuilder b;
  REQUIRE(b.add_markdown(test::md("a", "zh-CN", "提币未到账怎么办", "请先查看交易哈希。"), "a.md").ok());
  REQUIRE(b.add_markdown(test::md("b", "zh-CN", "充值说明", "充值需要区块确认。"), "b.md").ok());
  auto bytes = test::build_bytes(b);
  auto bundle = test::open_bundle(bytes);
  search::Searcher s(bundle);
  auto hits = s.search("提币", {});
  REQUIRE(hits.ok());
  REQUIRE(hits->size() == 1);
  CHECK((*hits)[0].id == "a");
}

TEST_CASE("search: Chinese questions find the right article first") {
  CHECK(find("提币未到账", "zh-CN")[0].category == "withdrawal");
  CHECK(in_top(find("充值没到账怎么办", "zh-CN"), "deposit-not-credited@zh-CN", 2));
  CHECK(in_top(find("谷歌验证器丢了", "zh-CN"), "2fa-lost@zh-CN", 2));
  CHECK(in_top(find("实名认证被拒绝", "zh-CN"), "kyc-rejected@zh-CN", 2));
  CHECK(in_top(find("转错链了", "zh-CN"), "deposit-wrong-network@zh-CN", 3));
}

TEST_CASE("search: traditional Chinese queries find simplified articles") {
  CHECK(in_top(find("提幣未到賬", "zh-TW"), "withdrawal-not-received@zh-CN", 3));
}

TEST_CASE("search: English questions find the right article first") {
  CHECK(in_top(find("withdrawal still processing", "en"), "withdrawal-pending@en", 2));
  CHECK(in_top(find("lost my authenticator phone", "en"), "2fa-lost@en", 2));
  CHECK(in_top(find("forgot memo tag deposit", "en"), "deposit-missing-memo@en", 2));
}

TEST_CASE("search: synonyms carry a query across wordings") {
  // "提现" is not the articles' word (they say 提币) but the synonym group links them.
  auto hits = find("提现一直处理中", "zh-CN");
  CHECK(in_top(hits, "withdrawal-pending@zh-CN", 3));
  // 2FA and 二次验证 / Google Authenticator are one group.
  CHECK(in_top(find("two-factor reset", "en"), "2fa-reset@en", 3));
}

TEST_CASE("search: typos within one or two edits still match") {
  CHECK(in_top(find("withdrawl pending", "en"), "withdrawal-pending@en", 3));      // one edit
  CHECK(in_top(find("confirmatoins deposit", "en"), "deposit-confirmations@en", 3));  // transposition
  CHECK(in_top(find("authentcator lost", "en"), "2fa-lost@en", 3));
  // Three-letter words are never fuzzed: "fee" must not turn into "feel".
  CHECK(find("xyz", "en").empty());
}

TEST_CASE("search: the last word matches as a prefix while typing") {
  CHECK(in_top(find("withdrawal pend", "en"), "withdrawal-pending@en", 3));
  CHECK(in_top(find("how do I recognise phis", "en"), "phishing-sites@en", 3));
  CHECK(in_top(find("实名认", "zh-CN"), "kyc-levels@zh-CN", 5));
}

TEST_CASE("search: mixed-language query USDT 提币 works") {
  auto hits = find("USDT 提币", "zh-CN", 3);
  REQUIRE_FALSE(hits.empty());
  CHECK(hits[0].lang == "zh");
  bool both = false;
  for (const auto& h : hits) {
    both |= h.snippet.find("<mark>USDT</mark>") != std::string::npos && h.snippet.find("<mark>提币</mark>") != std::string::npos;
  }
  CHECK(both);
}

TEST_CASE("search: the other language follows only when the user's has no good hit") {
  // English words with no Chinese synonym, in the Chinese UI: the English articles follow.
  auto hits = find("congestion wallet maintenance", "zh-CN");
  REQUIRE_FALSE(hits.empty());
  CHECK(std::all_of(hits.begin(), hits.end(), [](const search::Hit& h) { return h.fallback && h.lang == "en"; }));
  CHECK(in_top(hits, "withdrawal-pending@en", 2));
  // Cross-language synonyms: "withdrawal pending" finds the Chinese article in the Chinese UI.
  CHECK(in_top(find("withdrawal pending", "zh-CN"), "withdrawal-pending@zh-CN", 1));
  // A Chinese query in the Chinese UI gets Chinese only.
  for (const auto& h : find("提币处理中", "zh-CN")) CHECK(h.lang == "zh");
}

TEST_CASE("search: snippets mark the matched words and are HTML-safe") {
  auto hits = find("withdrawal fee", "en");
  REQUIRE_FALSE(hits.empty());
  CHECK(hits[0].snippet.find("<mark>") != std::string::npos);
  auto zh = find("手续费", "zh-CN");
  REQUIRE_FALSE(zh.empty());
  CHECK(zh[0].snippet.find("手续费</mark>") != std::string::npos);

  kbtool::BundleBuilder b;
  REQUIRE(b.add_jsonl(R"({"id":"x","lang":"en","title":"Script","body":"a <script>alert(1)</script> wallet"})", "x.jsonl").ok());
  auto bytes = test::build_bytes(b);
  auto bundle = test::open_bundle(bytes);
  auto r = search::Searcher(bundle).search("wallet", {});
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].snippet.find("<script>") == std::string::npos);
  CHECK((*r)[0].snippet.find("&lt;script&gt;") != std::string::npos);
}

TEST_CASE("search: bad queries get an error or an empty answer, never a crash") {
  auto& s = Kb::get().searcher;
  SUBCASE("empty and blank") {
    CHECK(s.search("", {})->empty());
    CHECK(s.search("   \n\t ,.", {})->empty());
  }
  SUBCASE("huge") {
    auto r = s.search(std::string(100 * 1024, 'a'), {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::too_large);
    CHECK(r.error().message.find("102400 bytes") != std::string::npos);
  }
  SUBCASE("binary") {
    std::string bin;
    for (int i = 0; i < 2000; ++i) bin.push_back(char((i * 7919) & 0xFF));
    auto r = s.search(bin, {});
    CHECK(r.ok());
  }
  SUBCASE("unknown language") {
    search::Options o;
    o.lang = "fr";
    auto r = s.search("wallet", o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::unknown_language);
    CHECK(r.error().message.find("en, zh") != std::string::npos);
  }
  SUBCASE("top out of range") {
    search::Options o;
    o.top = 0;
    CHECK_FALSE(s.search("wallet", o).ok());
  }
}

TEST_CASE("search: the public corpus is searchable in both languages") {
  kbtool::BundleBuilder b;
  REQUIRE(b.add_input(LANTERN_CORPUS).ok());
  auto bytes = test::build_bytes(b);
  auto bundle = test::open_bundle(bytes);
  search::Searcher s(bundle);
  search::Options en, zh;
  en.lang = "en";
  zh.lang = "zh";
  auto a = s.search("what is bitcoin", en);
  REQUIRE(a.ok());
  REQUIRE_FALSE(a->empty());
  CHECK((*a)[0].id == "btcorg/faq/whatisbitcoin@en");
  auto c = s.search("什么是比特币", zh);
  REQUIRE(c.ok());
  REQUIRE_FALSE(c->empty());
  CHECK(in_top(*c, "btcorg/faq/whatisbitcoin@zh", 3));
}

TEST_CASE("search: JSON output escapes and carries every field") {
  search::Hit h;
  h.id = "a\"b";
  h.lang = "en";
  h.title = "line\nbreak";
  h.snippet = "<mark>x</mark>";
  std::string j = search::hits_to_json({h}, 12.5);
  CHECK(j.find("\"id\":\"a\\\"b\"") != std::string::npos);
  CHECK(j.find("\"title\":\"line\\nbreak\"") != std::string::npos);
  CHECK(j.find("\"took_us\":12.5") != std::string::npos);
  // Invalid UTF-8 from a hostile bundle never reaches the JSON text.
  std::string out;
  search::append_json_string(out, "ok \xC3\x28 \xFF 提币");
  CHECK(out == "\"ok \xEF\xBF\xBD( \xEF\xBF\xBD 提币\"");
}
