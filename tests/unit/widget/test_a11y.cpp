#include <doctest/doctest.h>

#include "imgui.h"
#include "widget_fixture.h"

using namespace lantern;
using namespace lantern::widget;
using testing::FakePlatform;
using testing::Headless;

TEST_CASE("widget a11y: ImGui's hooks give checkable items a role even when nobody described them") {
  A11yTree tree;
  ImGuiContext* ctx = ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no imgui.ini in the working directory
  io.DisplaySize = ImVec2(300, 300);
  io.Fonts->AddFontDefault();
  unsigned char* px;
  int w, h;
  io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
  install_hooks(&tree);
  bool v = true;
  for (int i = 0; i < 2; ++i) {
    ImGui::NewFrame();
    tree.begin_frame(0);
    ImGui::Begin("w");
    ImGui::Checkbox("Remember me##cb", &v);
    ImGui::Button("Plain");  // not described: not in the tree
    ImGui::End();
    tree.end_frame(0);
    ImGui::Render();
  }
  ImGui::DestroyContext(ctx);
  REQUIRE(tree.nodes().size() == 1);
  CHECK(tree.nodes()[0].role == Role::checkbox);
  CHECK(tree.nodes()[0].name == "Remember me");
  CHECK(tree.nodes()[0].checked);
  CHECK(tree.nodes()[0].w > 0);
  CHECK(tree.to_json().find("\"role\":\"checkbox\",\"name\":\"Remember me\"") != std::string::npos);
}

TEST_CASE("widget a11y: Home publishes the search box, topics and article links with their rectangles") {
  FakePlatform p;
  App app(p, Config{});
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  Headless ui(app);
  const A11yTree& t = ui.frames(2);
  const A11yNode* search = t.find_by_name(Role::textbox, "Search help articles");
  REQUIRE(search);
  CHECK(search->autofocus);
  CHECK(search->w > 100);
  CHECK(t.find_by_name(Role::button, "Contact support"));
  CHECK(t.find_by_name(Role::button, "My tickets"));
  CHECK(t.find_by_name(Role::button, "中文"));
  CHECK(t.find_by_name(Role::heading, "Topics"));
  int links = 0;
  float last_y = -1;
  for (const auto& n : t.nodes()) {
    if (n.role != Role::link) continue;
    ++links;
    CHECK(n.y >= last_y);  // visual order = document order = Tab order
    last_y = n.y;
  }
  CHECK(links >= 20);
  // Chinese: the same screen, the names in Chinese.
  app.set_language("zh-CN");
  const A11yTree& zh = ui.frames(2);
  CHECK(zh.find_by_name(Role::textbox, "搜索帮助文章"));
  CHECK(zh.find_by_name(Role::button, "联系客服"));
  CHECK(zh.find_by_name(Role::button, "English"));
}

TEST_CASE("widget a11y: the mirror drives items: typing searches, activating a link opens the article") {
  FakePlatform p;
  App app(p, Config{});
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  Headless ui(app);
  const A11yNode* search = ui.frames(2).find_by_name(Role::textbox, "Search help articles");
  REQUIRE(search);
  app.act({A11yAction::Kind::set_value, search->id, "withdrawal pending", -1, -1});
  const A11yTree& t = ui.frames(2);
  CHECK(app.query() == "withdrawal pending");
  const A11yNode* hit = nullptr;
  for (const auto& n : t.nodes()) {
    if (n.role == Role::link && !hit) hit = &n;
  }
  REQUIRE(hit);
  std::string title = hit->name;
  app.act({A11yAction::Kind::activate, hit->id, "", -1, -1});
  const A11yTree& a = ui.frames(2);
  CHECK(app.screen() == Screen::article);
  const A11yNode* h1 = nullptr;
  for (const auto& n : a.nodes()) {
    if (n.role == Role::heading && n.level == 1) h1 = &n;
  }
  REQUIRE(h1);
  CHECK(h1->name == title);
  CHECK(a.find_by_name(Role::button, "Yes"));
  // Escape goes back with the query kept.
  app.back();
  ui.frames(2);
  CHECK(app.screen() == Screen::home);
  CHECK(app.query() == "withdrawal pending");
}

TEST_CASE("widget a11y: a field error is invalid and described by its message") {
  FakePlatform p;
  App app(p, Config{});
  REQUIRE(app.open_bundle(testing::shipped_bundle(), ""));
  Headless ui(app);
  REQUIRE(app.choose_form("withdrawal-not-received"));
  app.set_field("status", "completed");  // the TxID is asked for completed withdrawals
  app.set_field("chain", "TRC20");
  app.set_field("txid", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8");  // an address where the TxID goes
  const A11yTree& t = ui.frames(2);
  const A11yNode* txid = nullptr;
  for (const auto& n : t.nodes()) {
    if (n.role == Role::textbox && n.value == "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8") txid = &n;
  }
  REQUIRE(txid);
  CHECK(txid->invalid);
  INFO(txid->description);
  CHECK(txid->description.find("address") != std::string::npos);
  CHECK(t.find_by_name(Role::button, "Review request"));
}
