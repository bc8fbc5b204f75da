#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "../helpers.h"
#include "lantern/triage.h"

using namespace lantern;

namespace {
std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct World {
  std::string bytes;
  kb::Bundle bundle;
  search::Searcher searcher;
  forms::FormSet forms;
  forms::Triager triager;
  static World& get() {
    static World* w = [] {
      kbtool::BundleBuilder b;
      REQUIRE(b.add_input(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/content").ok());
      REQUIRE(b.add_synonyms(slurp(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/synonyms.txt"), "synonyms.txt").ok());
      REQUIRE(b.add_forms(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/forms").ok());
      return new World(test::build_bytes(b));
    }();
    return *w;
  }
  explicit World(std::string b)
      : bytes(std::move(b)), bundle(test::open_bundle(bytes)), searcher(bundle),
        forms(forms::parse_form_set(bundle.section_json(kb::tag("FORM"))).value()), triager(searcher, forms) {}
};

std::string top(const std::string& text, const std::string& lang) {
  auto r = World::get().triager.triage(text, lang);
  REQUIRE(r.ok());
  REQUIRE_FALSE(r->categories.empty());
  return r->categories[0].form->id;
}
}  // namespace

TEST_CASE("triage: the project's ten forms are in the bundle, in display order") {
  auto& f = World::get().forms.forms;
  REQUIRE(f.size() == 10);
  CHECK(f.front().id == "deposit-not-credited");
  CHECK(f.back().id == "other");
}

TEST_CASE("triage: the user's own words open the right form, in both languages") {
  CHECK(top("充值三个小时了还没到账", "zh-CN") == "deposit-not-credited");
  CHECK(top("my USDT withdrawal is stuck in processing since this morning", "en") == "withdrawal-not-received");
  CHECK(top("卖家收了钱不放币", "zh-CN") == "p2p-dispute");
  CHECK(top("谷歌验证器丢了 登不上", "zh-CN") == "2fa-or-locked");
  CHECK(top("my KYC verification was rejected twice", "en") == "kyc");
}

TEST_CASE("triage: the articles that may already answer come with it") {
  auto r = World::get().triager.triage("lost my authenticator phone", "en", 3);
  REQUIRE(r.ok());
  REQUIRE(r->articles.size() == 3);
  CHECK(r->articles[0].id == "2fa-lost@en");
}

TEST_CASE("triage: words it cannot place lead to 'other', never a crash") {
  auto r = World::get().triager.triage("", "en");
  REQUIRE(r.ok());
  CHECK(r->categories[0].form->id == "other");
  CHECK(World::get().triager.triage("qwxz zzkv", "en")->categories[0].form->id == "other");
  CHECK_FALSE(World::get().triager.triage("wallet", "fr").ok());
}
