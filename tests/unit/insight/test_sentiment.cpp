// Sentiment and urgency of ticket texts (lantern/sentiment.h): the behaviours agents rely on.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "builder.h"
#include "lantern/bundle.h"
#include "lantern/sentiment.h"
#include "lantern/signing.h"

using namespace lantern;
using insight::CueKind;
using insight::Sentiment;
using insight::SentimentScorer;
using insight::Urgency;
using insight::Valence;

namespace {

const SentimentScorer& scorer() {
  static SentimentScorer s = [] {
    auto r = SentimentScorer::builtin();
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return std::move(*r);
  }();
  return s;
}

Sentiment score(const std::string& text, const std::string& lang = "") {
  auto r = scorer().score(text, lang);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return *r;
}

bool has_cue(const Sentiment& s, CueKind kind, const std::string& text = "") {
  for (const auto& c : s.cues) {
    if (c.kind == kind && (text.empty() || c.text == text)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("sentiment: the built-in lexicons parse and are not trivial") {
  CHECK(scorer().entry_count() > 500);
  CHECK(scorer().source() == "builtin");
  CHECK(!insight::builtin_lexicon("en").empty());
  CHECK(!insight::builtin_lexicon("zh").empty());
  CHECK(insight::builtin_lexicon("fr").empty());
}

TEST_CASE("sentiment: negation flips a positive word, in English and Chinese") {
  CHECK(score("I am happy with the service").label == Valence::positive);
  auto neg = score("I am not happy with the service");
  CHECK(neg.label == Valence::negative);
  CHECK(has_cue(neg, CueKind::negative, "not happy"));
  CHECK(score("I don't like this at all").valence < 0);
  CHECK(score("满意", "zh").label == Valence::positive);
  CHECK(score("不满意", "zh").label == Valence::negative);
  CHECK(score("我对处理结果不是很满意", "zh").label == Valence::negative);
}

TEST_CASE("sentiment: a negated complaint is calm, not praise") {
  auto en = score("I'm not angry, just asking about the fee");
  CHECK(en.label == Valence::neutral);
  CHECK(en.valence > 0);
  CHECK(score("我没有生气，只是问一下手续费", "zh").label == Valence::neutral);
  // "No problem" and 没有问题 are phrases of their own: they are not negated complaints.
  CHECK(score("没有问题，谢谢", "zh").label == Valence::positive);
  CHECK(score("no problem, thanks").label == Valence::positive);
}

TEST_CASE("sentiment: intensifiers raise the magnitude and diminishers lower it") {
  const float angry = score("I am angry").valence;
  CHECK(score("I am very angry").valence < angry);
  CHECK(score("I am extremely angry").valence < score("I am very angry").valence);
  CHECK(score("I am slightly angry").valence > angry);
  CHECK(score("I am slightly angry").valence < 0);
  CHECK(score("非常生气", "zh").valence < score("生气", "zh").valence);
  CHECK(score("太差了", "zh").valence < score("差", "zh").valence);
  CHECK(score("有点失望", "zh").valence > score("失望", "zh").valence);
  CHECK(score("very happy").valence > score("happy").valence);
}

TEST_CASE("sentiment: traditional Chinese scores exactly as simplified") {
  auto s = score("我的账户被盗了，资金全部被转走，请紧急处理！！", "zh-CN");
  auto t = score("我的帳戶被盜了，資金全部被轉走，請緊急處理！！", "zh-TW");
  CHECK(s.valence == t.valence);
  CHECK(s.urgency == t.urgency);
  CHECK(s.label == t.label);
  CHECK(s.urgency_label == t.urgency_label);
  REQUIRE(s.cues.size() == t.cues.size());
  for (std::size_t i = 0; i < s.cues.size(); ++i) CHECK(s.cues[i].kind == t.cues[i].kind);
  CHECK(t.label == Valence::negative);
  CHECK(t.urgency_label == Urgency::high);
  CHECK(has_cue(t, CueKind::negative, "被盜"));
  CHECK(has_cue(t, CueKind::urgency, "緊急"));
}

TEST_CASE("sentiment: urgency words, money at risk and time pressure make a ticket urgent") {
  CHECK(score("How do I enable 2FA?").urgency_label == Urgency::normal);
  CHECK(score("请问怎么开启谷歌验证？", "zh").urgency_label == Urgency::normal);
  CHECK(score("urgent: my account was hacked").urgency_label == Urgency::high);
  CHECK(score("账户被盗，紧急", "zh").urgency_label == Urgency::high);
  auto savings = score("somebody took all my savings");
  CHECK(savings.urgency_label == Urgency::high);
  CHECK(has_cue(savings, CueKind::urgency, "all my savings"));
  CHECK(score("马上帮我处理", "zh").urgency > score("帮我处理", "zh").urgency);
}

TEST_CASE("sentiment: amounts and waits are cues with their own words") {
  auto s = score("my withdrawal of 5000 USDT has been pending for 3 days");
  CHECK(has_cue(s, CueKind::amount, "5000 USDT"));
  CHECK(has_cue(s, CueKind::wait, "3 days"));
  CHECK(s.urgency > score("my withdrawal is pending").urgency);
  CHECK(has_cue(score("I lost $20k"), CueKind::amount, "$20k"));
  auto zh = score("提现5万U，已经等了3天", "zh");
  CHECK(has_cue(zh, CueKind::amount, "5万U"));
  CHECK(has_cue(zh, CueKind::wait, "3天"));
  CHECK(score("等了十天", "zh").urgency > score("等了一天", "zh").urgency);
  CHECK(score("waiting 10 days").urgency > score("waiting 1 day").urgency);
}

TEST_CASE("sentiment: a negator right before an urgency word cancels it") {
  CHECK(score("not urgent, just a question about fees").urgency < score("urgent, just a question about fees").urgency);
  CHECK(score("not urgent, just a question about fees").urgency_label == Urgency::normal);
}

TEST_CASE("sentiment: repeated punctuation, shouting and emoji are cues") {
  auto bangs = score("my deposit is missing!!!");
  CHECK(has_cue(bangs, CueKind::exclamation, "!!!"));
  CHECK(bangs.urgency > score("my deposit is missing").urgency);
  CHECK(bangs.valence < score("my deposit is missing").valence);
  auto full_width = score("我的钱呢？？？", "zh");
  CHECK(has_cue(full_width, CueKind::question, "？？？"));
  auto shout = score("WHERE IS MY MONEY");
  CHECK(has_cue(shout, CueKind::shouting, "WHERE IS MY MONEY"));
  CHECK(shout.valence < score("where is my money").valence);
  // Tickers and short acronyms are not shouting.
  CHECK(!has_cue(score("KYC for USDT and BTC on API"), CueKind::shouting));
  CHECK(score("😡😡").label == Valence::negative);
  CHECK(score("works now :)").label == Valence::positive);
  CHECK(score("thanks 👍").valence > score("thanks").valence);
}

TEST_CASE("sentiment: what follows 'but' counts more than the thanks before it") {
  auto s = score("Thanks for your help, but I still haven't received my deposit and nobody replies");
  CHECK(s.label == Valence::negative);
  CHECK(score("谢谢，但是提现到现在还没到账，太慢了", "zh").label == Valence::negative);
}

TEST_CASE("sentiment: cues point at the words of the scored text") {
  const std::string text = "Hi. I am NOT happy, this is a scam!!";
  auto s = score(text);
  REQUIRE(!s.cues.empty());
  for (const auto& c : s.cues) {
    REQUIRE(c.end <= text.size());
    CHECK(text.substr(c.begin, c.end - c.begin) == c.text);
  }
  CHECK(has_cue(s, CueKind::negative, "NOT happy"));
  CHECK(has_cue(s, CueKind::negative, "scam"));
}

TEST_CASE("sentiment: empty and blank text is neutral without cues") {
  for (std::string t : {"", "   ", "\n\t", "12345", "...."}) {
    auto s = score(t);
    CHECK(s.label == Valence::neutral);
    CHECK(s.urgency_label == Urgency::normal);
    CHECK(s.valence == 0);
    CHECK(s.cues.empty());
  }
}

TEST_CASE("sentiment: text over the limit is refused with a clear error") {
  std::string big(insight::kMaxTextBytes, 'a');
  CHECK(scorer().score(big).ok());
  big.push_back('a');
  auto r = scorer().score(big);
  REQUIRE(!r.ok());
  CHECK(r.error().code == ErrorCode::too_large);
  CHECK(r.error().message.find("65536") != std::string::npos);
}

TEST_CASE("sentiment: binary input is scored without crashing and stays in range") {
  std::string bin;
  for (int i = 0; i < 4096; ++i) bin.push_back(char((i * 131 + 7) % 256));
  bin += std::string("\0\xff\xfe not happy \xe4\xb8", 16);
  auto s = score(bin);
  CHECK(std::isfinite(s.valence));
  CHECK(s.valence >= -1.f);
  CHECK(s.valence <= 1.f);
  CHECK(s.urgency >= 0.f);
  CHECK(s.urgency < 1.f);
  CHECK(s.cues.size() <= insight::kMaxCues);
  auto j = nlohmann::json::parse(insight::to_json(s), nullptr, false);
  CHECK(j.is_object());
}

TEST_CASE("sentiment: many cues are capped") {
  std::string t;
  for (int i = 0; i < 200; ++i) t += "terrible ";
  auto s = score(t);
  CHECK(s.cues.size() == insight::kMaxCues);
  CHECK(s.label == Valence::negative);
}

TEST_CASE("sentiment: languages without a lexicon and bad tags are errors") {
  CHECK(scorer().score("bonjour", "fr").error().code == ErrorCode::unknown_language);
  CHECK(scorer().score("bonjour", "fr").error().message.find("'fr'") != std::string::npos);
  CHECK(scorer().score("hello", "not a tag!").error().code == ErrorCode::invalid_argument);
  CHECK(scorer().score("hello", "en-US").ok());
  CHECK(scorer().score("你好", "zh-Hant").ok());
  CHECK(scorer().score("hello", "auto").ok());
  // Mixed text: both lexicons apply whatever the tag.
  CHECK(score("USDT 提现一直 pending, this is a scam", "zh").label == Valence::negative);
}

TEST_CASE("sentiment: the JSON form carries labels and cues") {
  auto s = score("I am not happy!!");
  auto j = nlohmann::json::parse(insight::to_json(s), nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["label"] == "negative");
  CHECK(j["urgency_label"].is_string());
  CHECK(j["valence"].is_number());
  REQUIRE(j["cues"].is_array());
  REQUIRE(!j["cues"].empty());
  CHECK(j["cues"][0]["kind"] == "negative");
  CHECK(j["cues"][0]["text"] == "not happy");
  CHECK(j["cues"][0]["begin"] == 5);
}

TEST_CASE("sentiment: lexicon errors name the lexicon, the line and the problem") {
  auto r = SentimentScorer::from_lexicons("# comment\nhappy | q=1\n", "", "");
  REQUIRE(!r.ok());
  CHECK(r.error().code == ErrorCode::parse_error);
  CHECK(r.error().message.find("en, line 2") != std::string::npos);
  CHECK(r.error().message.find("unknown field 'q=1'") != std::string::npos);
  CHECK(SentimentScorer::from_lexicons("happy | v=9\n", "", "").error().message.find("outside -4..4") != std::string::npos);
  CHECK(SentimentScorer::from_lexicons("happy\n", "", "").error().message.find("PHRASE | FIELDS") != std::string::npos);
  CHECK(SentimentScorer::from_lexicons("happy | v=1\nhappy | v=2\n", "", "").error().message.find("twice") != std::string::npos);
  CHECK(SentimentScorer::from_lexicons("", "满意abc | v=1\n", "").error().message.find("zh, line 1") != std::string::npos);
  CHECK(!SentimentScorer::from_lexicons("happy | v=abc\n", "", "").ok());
}

TEST_CASE("sentiment: a bundle's SENT section replaces the lexicons it names") {
  auto build = [](const std::string* section) {
    kbtool::BundleBuilder b;
    REQUIRE(b.add_markdown("---\nid: a\nlang: en\ntitle: Deposits\n---\nHow deposits work.\n", "a.md").ok());
    if (section) REQUIRE(b.add_json_section("SENT", *section, "test").ok());
    auto bytes = b.build(1700000000);
    REQUIRE(bytes.ok());
    REQUIRE(kb::seal_bundle(*bytes, "").ok());
    return *bytes;
  };
  SUBCASE("without a section: the built-in lexicons") {
    std::string bytes = build(nullptr);
    auto bundle = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    REQUIRE(bundle.ok());
    auto s = SentimentScorer::from_bundle(*bundle);
    REQUIRE(s.ok());
    CHECK(s->source() == "builtin");
    CHECK(s->score("not happy")->label == Valence::negative);
  }
  SUBCASE("with a section: its English words, the built-in Chinese ones") {
    nlohmann::json j = {{"format", 1}, {"lexicons", {{"en", "rekt | v=-3 u=2\nnot | neg\n"}}}};
    std::string section = j.dump();
    std::string bytes = build(&section);
    auto bundle = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    REQUIRE(bundle.ok());
    auto s = SentimentScorer::from_bundle(*bundle);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
    CHECK(s->source() == "bundle");
    auto rekt = s->score("got rekt");
    CHECK(rekt->label == Valence::negative);
    CHECK(rekt->urgency_label == Urgency::high);
    CHECK(s->score("I am happy")->label == Valence::neutral);  // "happy" is not in this lexicon
    CHECK(s->score("不满意", "zh")->label == Valence::negative);
  }
  SUBCASE("a malformed section is a clear error") {
    CHECK(SentimentScorer::from_section_json("[]").error().code == ErrorCode::bad_format);
    CHECK(SentimentScorer::from_section_json(R"({"format":2,"lexicons":{}})").error().message.find("format") != std::string::npos);
    CHECK(SentimentScorer::from_section_json(R"({"format":1,"lexicons":{"fr":"x | v=1"}})").error().message.find("'fr'") != std::string::npos);
    CHECK(SentimentScorer::from_section_json(R"({"format":1,"lexicons":{"en":"x | bogus"}})").error().message.find("bogus") != std::string::npos);
  }
}

TEST_CASE("sentiment: a scorer moves and keeps scoring") {
  auto a = SentimentScorer::builtin();
  REQUIRE(a.ok());
  SentimentScorer b = std::move(*a);
  CHECK(b.score("terrible")->label == Valence::negative);
  insight::Thresholds t;
  t.negative = -0.99f;
  b.set_thresholds(t);
  CHECK(b.score("terrible")->label == Valence::neutral);
}
