// The accessibility tree: what a screen reader, a keyboard user and a browser test need to know
// about one frame, collected from Dear ImGui's item hooks (IMGUI_ENABLE_TEST_ENGINE:
// ImGuiTestEngineHook_ItemAdd gives every item's id and rectangle, ..._ItemInfo its label and
// check/open state) plus the roles and names the screens attach to their items. The web mirrors
// it as real DOM elements over the canvas (web/widget/bridge.js); the desktop app can dump it.
//
// Lifetime: begin_frame() clears it; nodes are valid from end_frame() until the next begin_frame().
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lantern::widget {

enum class Role : std::uint8_t { button, link, textbox, checkbox, radio, combobox, heading, text, status, alert, image };
const char* role_name(Role role);

struct A11yNode {
  std::uint32_t id = 0;   // the ImGui item id (stable while the label and id stack are)
  Role role = Role::text;
  std::string name;       // accessible name = the visible label
  std::string value;      // textbox contents, combobox selection
  std::string description;  // help or the field's error message (aria-describedby)
  std::string placeholder;
  std::vector<std::pair<std::string, std::string>> options;  // combobox: value, label
  std::string action;     // what the mirror must do itself on activation: "pick-image" (file picker)
  int level = 0;          // heading level
  bool checked = false, invalid = false, disabled = false, multiline = false, focused = false;
  bool required = false;
  bool autofocus = false;  // the mirror focuses it when it appears (the search box on Home)
  bool fixed = false;     // part of the header that does not scroll with the content
  float x = 0, y = 0, w = 0, h = 0;  // in CSS pixels, content coordinates (scroll added)
};

class A11yTree {
 public:
  void begin_frame(float scroll_y);
  // The scroll of the window items are being submitted to, and whether it is the fixed header.
  void set_region(float scroll_y, bool fixed) { scroll_y_ = scroll_y, fixed_ = fixed; }
  // Hooks (called by ImGui through the test-engine functions).
  void on_item_add(std::uint32_t id, float x0, float y0, float x1, float y1);
  void on_item_info(std::uint32_t id, const char* label, int flags);
  // The screens describe the item they just submitted. Items nobody described but that ImGui
  // reported as checkable get role checkbox from the hooks; other undescribed items are left out.
  A11yNode& describe(std::uint32_t id, Role role, std::string name);
  // Text that is not an item (headings, paragraphs, status lines) with the rectangle it took.
  A11yNode& add_text(Role role, std::string text, float x0, float y0, float x1, float y1);
  A11yNode& last() { return described_.back(); }  // the node described last (after describe())
  void set_content_height(float h) { content_height_ = h; }
  void set_language(std::string lang) { lang_ = std::move(lang); }  // the page's <html lang>
  void end_frame(std::uint32_t focused_id);

  const std::vector<A11yNode>& nodes() const { return nodes_; }
  const A11yNode* find(std::uint32_t id) const;
  const A11yNode* find_by_name(Role role, const std::string& name) const;
  // {"v":1,"lang":"zh-CN","height":H,"nodes":[{"id","role","name","value",...,"rect":[x,y,w,h]}]}
  std::string to_json() const;

 private:
  struct Raw {
    float x0, y0, x1, y1;
    float scroll;
    bool fixed;
    std::string label;
    int flags = 0;
    bool has_info = false;
  };
  std::map<std::uint32_t, Raw> raw_;
  std::vector<std::uint32_t> order_;  // items in submission (visual) order
  std::vector<A11yNode> described_;
  std::vector<A11yNode> nodes_;
  float scroll_y_ = 0, content_height_ = 0;
  std::string lang_ = "en";
  bool fixed_ = false;
  std::uint32_t text_ids_ = 0;
};

// The tree receiving the hooks of the current ImGui context (set per context via g.TestEngine).
void install_hooks(A11yTree* tree);

}  // namespace lantern::widget
