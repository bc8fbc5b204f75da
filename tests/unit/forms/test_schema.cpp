#include <doctest/doctest.h>

#include <filesystem>

#include "../helpers.h"
#include "lantern/forms.h"

using namespace lantern;

namespace {
const char* kGood = R"({
  "id": "withdrawal-not-received", "version": 1, "order": 2,
  "title": {"en": "Withdrawal not received", "zh-CN": "提币未到账"},
  "article_categories": ["withdrawal"],
  "triage": {"en": ["withdrawal"], "zh-CN": ["提币"]},
  "fields": [
    {"id": "coin", "type": "coin", "required": true, "label": {"en": "Coin", "zh-CN": "币种"}, "help": {"en": "e.g. USDT", "zh-CN": "例如 USDT"}},
    {"id": "chain", "type": "chain", "required": true, "label": {"en": "Network", "zh-CN": "网络"}, "help": {"en": "h", "zh-CN": "h"}},
    {"id": "txid", "type": "txid", "required": true, "chain_field": "chain", "when": {"field": "chain", "is": "set"},
     "label": {"en": "TxID", "zh-CN": "交易哈希"}, "help": {"en": "h", "zh-CN": "h"}},
    {"id": "memo", "type": "memo", "chain_field": "chain", "when": {"field": "chain", "is": "memo_chain"},
     "label": {"en": "Memo", "zh-CN": "备注"}, "help": {"en": "h", "zh-CN": "h"}},
    {"id": "kind", "type": "choice", "label": {"en": "What happened", "zh-CN": "情况"}, "help": {"en": "h", "zh-CN": "h"},
     "options": [{"value": "pending", "label": {"en": "Pending", "zh-CN": "处理中"}}, {"value": "done", "label": {"en": "Done", "zh-CN": "已完成"}}]},
    {"id": "note", "type": "text", "when": {"field": "kind", "equals": "done"}, "max_length": 200,
     "label": {"en": "Note", "zh-CN": "说明"}, "help": {"en": "h", "zh-CN": "h"},
     "errors": {"required": {"en": "Tell us more", "zh-CN": "请补充说明"}}}
  ]})";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  return s.replace(at, from.size(), to);
}

std::string error_of(const std::string& json) {
  auto r = forms::parse_form(json, "forms/x.json");
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}
}  // namespace

TEST_CASE("forms: a well-formed schema parses with its conditions and options") {
  auto r = forms::parse_form(kGood, "forms/x.json");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  const auto& f = *r;
  CHECK(f.id == "withdrawal-not-received");
  REQUIRE(f.fields.size() == 6);
  CHECK(f.field("txid")->when->kind == forms::Condition::Kind::set);
  CHECK(f.field("memo")->when->kind == forms::Condition::Kind::memo_chain);
  CHECK(f.field("kind")->options.size() == 2);
  CHECK(f.field("note")->errors.at("required").zh == "请补充说明");
  CHECK(f.title.in("zh-CN") == "提币未到账");
  CHECK(f.title.in("zh_Hans") == "提币未到账");
  CHECK(f.title.in("fr") == "Withdrawal not received");
}

TEST_CASE("forms: an unknown field type fails with the known types listed") {
  auto e = error_of(replace(kGood, R"("type": "coin")", R"("type": "coinz")"));
  CHECK(e.find("forms/x.json: fields[0] (coin): unknown field type 'coinz'") != std::string::npos);
  CHECK(e.find("known: text, choice") != std::string::npos);
}

TEST_CASE("forms: a condition on a field that does not exist fails") {
  auto e = error_of(replace(kGood, R"("when": {"field": "chain", "is": "set"})", R"("when": {"field": "network", "is": "set"})"));
  CHECK(e.find("fields[2] (txid).when: condition refers to unknown field 'network'") != std::string::npos);
}

TEST_CASE("forms: a condition on a later field fails too") {
  auto e = error_of(replace(kGood, R"("when": {"field": "kind", "equals": "done"})", R"("when": {"field": "note", "is": "set"})"));
  CHECK(e.find("unknown field 'note'") != std::string::npos);
}

TEST_CASE("forms: a missing translation fails naming the key and language") {
  auto e = error_of(replace(kGood, R"("label": {"en": "Coin", "zh-CN": "币种"})", R"("label": {"en": "Coin"})"));
  CHECK(e.find("fields[0] (coin): 'label' is missing its zh-CN translation") != std::string::npos);
  auto e2 = error_of(replace(kGood, R"("title": {"en": "Withdrawal not received", "zh-CN": "提币未到账"})", R"("title": {"en": "W", "zh-CN": ""})"));
  CHECK(e2.find("'title' is missing its zh-CN translation") != std::string::npos);
}

TEST_CASE("forms: unknown keys, duplicate ids and bad options are refused") {
  CHECK(error_of(replace(kGood, R"("order": 2,)", R"("order": 2, "colour": "red",)")).find("unknown key 'colour'") != std::string::npos);
  CHECK(error_of(replace(kGood, R"({"id": "note")", R"({"id": "coin")")).find("duplicate field id 'coin'") != std::string::npos);
  CHECK(error_of(replace(kGood, R"("equals": "done")", R"("equals": "finished")")).find("'finished' is not an option of field 'kind'") != std::string::npos);
  CHECK(error_of(replace(kGood, R"("type": "txid", "required": true, "chain_field": "chain",)", R"("type": "txid", "required": true,)")).find("need chain_field") != std::string::npos);
  CHECK(error_of("[1,2]").find("must be an object") != std::string::npos);
  CHECK(error_of("{not json").find("not valid JSON") != std::string::npos);
}

TEST_CASE("forms: schemas travel in the bundle and come back the same") {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / "lantern-forms-test";
  fs::create_directories(dir);
  {
    FILE* f = std::fopen((dir / "w.json").c_str(), "w");
    std::fputs(kGood, f);
    std::fclose(f);
  }
  kbtool::BundleBuilder b;
  REQUIRE(b.add_markdown(test::md("a", "en", "A", "b"), "a.md").ok());
  REQUIRE(b.add_forms(dir.string()).ok());
  auto bytes = test::build_bytes(b);
  auto bundle = test::open_bundle(bytes);
  auto set = forms::parse_form_set(bundle.section_json(kb::tag("FORM")));
  REQUIRE(set.ok());
  REQUIRE(set->forms.size() == 1);
  CHECK(set->find("withdrawal-not-received")->fields.size() == 6);
  fs::remove_all(dir);
}
