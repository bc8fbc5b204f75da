#include <doctest/doctest.h>

#include "lantern/bundle.h"
#include "markdown.h"
#include "../helpers.h"

using namespace lantern;

TEST_CASE("markdown: blocks and inline spans survive the round trip through the bundle") {
  kbtool::BundleBuilder b;
  std::string body =
      "## Check the network\n\n"
      "A deposit needs **confirmations** and the `TRC20` network.\n"
      "Soft-wrapped line.\n\n"
      "1. Open [the explorer](kb:txid-find@en)\n"
      "2. Paste the *TxID*\n"
      "  - nested detail\n\n"
      "> Support never asks for your seed phrase.\n\n"
      "```\nabc123\n```\n\n---\n";
  REQUIRE(b.add_markdown(test::md("a@en", "en", "Title", body), "a.md").ok());
  auto bytes = test::build_bytes(b);
  auto bundle = test::open_bundle(bytes);
  auto blocks = bundle.blocks(0);
  REQUIRE(blocks.ok());
  auto& v = *blocks;
  REQUIRE(v.size() == 8);
  CHECK(v[0].type == kb::BlockType::heading);
  CHECK(v[0].level == 2);
  CHECK(v[0].spans[0].text == "Check the network");
  CHECK(v[1].type == kb::BlockType::paragraph);
  REQUIRE(v[1].spans.size() == 5);
  CHECK(v[1].spans[1].type == kb::SpanType::strong);
  CHECK(v[1].spans[1].text == "confirmations");
  CHECK(v[1].spans[3].type == kb::SpanType::code);
  CHECK(v[1].spans[4].text == " network. Soft-wrapped line.");
  CHECK(v[2].type == kb::BlockType::list_item);
  CHECK(v[2].ordered);
  CHECK(v[2].number == 1);
  CHECK(v[2].spans[1].type == kb::SpanType::link);
  CHECK(v[2].spans[1].href == "kb:txid-find@en");
  CHECK(v[3].spans[1].type == kb::SpanType::emphasis);
  CHECK(v[4].level == 1);  // nested list item
  CHECK(v[5].type == kb::BlockType::quote);
  CHECK(v[6].type == kb::BlockType::code);
  CHECK(v[6].spans[0].text == "abc123");
  CHECK(v[7].type == kb::BlockType::rule);
  CHECK(bundle.plain_text(0).find("Support never asks") != std::string::npos);
}

TEST_CASE("markdown: Chinese soft-wrapped lines join without a space") {
  auto r = kbtool::parse_markdown("提币\n未到账\n");
  REQUIRE(r.ok());
  CHECK(r->text == "提币未到账");
}

TEST_CASE("markdown: an unclosed code fence is an error naming the line") {
  auto r = kbtool::parse_markdown("text\n\n```\ncode\n", 10);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::parse_error);
  CHECK(r.error().message.find("line 12") != std::string::npos);
}

TEST_CASE("markdown: invalid UTF-8 is an error naming the line") {
  auto r = kbtool::parse_markdown("ok\nbad \xC3\x28 byte\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("line 2") != std::string::npos);
}

TEST_CASE("markdown: unclosed inline markers stay literal text") {
  auto r = kbtool::parse_markdown("a **b and `c and [d](e\n");
  REQUIRE(r.ok());
  CHECK(r->text == "a **b and `c and [d](e");
}
