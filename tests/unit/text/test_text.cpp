#include <doctest/doctest.h>

#include "lantern/text.h"

using namespace lantern::text;

static std::vector<std::string> terms(std::string_view s) {
  std::vector<std::string> out;
  for (auto& t : tokenize(s)) out.push_back(t.term);
  return out;
}

TEST_CASE("text: normalize folds case, full-width, accents and traditional Chinese") {
  CHECK(normalize("USDT Withdrawal") == "usdt withdrawal");
  CHECK(normalize("ＵＳＤＴ１２３") == "usdt123");          // full-width letters and digits
  CHECK(normalize("Café Ünïcode") == "cafe unicode");      // combining marks dropped
  CHECK(normalize("提幣未到賬") == "提币未到账");              // traditional -> simplified
  CHECK(normalize("ΣΊΣΥΦΟΣ") == normalize("σίσυφος"));     // Greek final sigma folds too
  CHECK(normalize("Straße") == "strasse");                 // full case folding
  CHECK(normalize("\xff\xfe") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // invalid bytes -> U+FFFD
}

TEST_CASE("text: CJK runs become bigrams, a lone character a unigram") {
  CHECK(terms("提币未到账") == std::vector<std::string>{"提币", "币未", "未到", "到账"});
  CHECK(terms("币") == std::vector<std::string>{"币"});
  auto t = tokenize("提币 到账");
  REQUIRE(t.size() == 2);
  CHECK(t[0].kind == TokenKind::cjk_bigram);
  CHECK(t[0].begin == 0);
  CHECK(t[0].end == 6);
  CHECK(t[1].begin == 7);
}

TEST_CASE("text: English words are stemmed with Snowball, words with digits are kept") {
  CHECK(terms("Withdrawals withdrawing") == std::vector<std::string>{"withdraw", "withdraw"});
  CHECK(terms("confirmations") == std::vector<std::string>{"confirm"});
  CHECK(terms("TRC20 2FA") == std::vector<std::string>{"trc20", "2fa"});
  CHECK(terms("user's") == std::vector<std::string>{"user"});
  CHECK(stem_english("running") == "run");
}

TEST_CASE("text: mixed Chinese and English text splits at the script boundary") {
  auto t = tokenize("USDT提币到账");
  REQUIRE(t.size() == 4);
  CHECK(t[0].term == "usdt");
  CHECK(t[0].surface == "usdt");
  CHECK(t[1].term == "提币");
  CHECK(t[3].term == "到账");
}

TEST_CASE("text: byte ranges point into the original text, also after folding") {
  std::string s = "ＢＴＣ 提幣";
  auto t = tokenize(s);
  REQUIRE(t.size() == 2);
  CHECK(s.substr(t[0].begin, t[0].end - t[0].begin) == "ＢＴＣ");
  CHECK(t[0].term == "btc");
  CHECK(s.substr(t[1].begin, t[1].end - t[1].begin) == "提幣");
  CHECK(t[1].term == "提币");
}

TEST_CASE("text: overlong words are dropped, separators never produce tokens") {
  CHECK(tokenize(std::string(200, 'a')).empty());
  CHECK(tokenize("  ,.;!?-- \n\t").empty());
  CHECK(tokenize("").empty());
}

TEST_CASE("text: language tags are matched loosely") {
  CHECK(canonical_language("zh") == "zh");
  CHECK(canonical_language("zh-CN") == "zh");
  CHECK(canonical_language("zh_Hans") == "zh");
  CHECK(canonical_language("ZH-tw") == "zh");
  CHECK(canonical_language("en-US") == "en");
  CHECK(canonical_language("EN") == "en");
  CHECK(canonical_language("") == "");
  CHECK(canonical_language("1x") == "");
  CHECK(canonical_language("e") == "");
  CHECK(canonical_language("en us") == "");
}

TEST_CASE("text: stopwords are recognised by their stemmed form") {
  CHECK(is_stopword("the"));
  CHECK(is_stopword("how"));
  CHECK_FALSE(is_stopword("wallet"));
}
