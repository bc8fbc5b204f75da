#include "a11y.h"

#include <algorithm>
#include <cstdarg>

#include "imgui.h"
#include "imgui_internal.h"
#include "lantern/search.h"

namespace lantern::widget {

const char* role_name(Role role) {
  switch (role) {
    case Role::button: return "button";
    case Role::link: return "link";
    case Role::textbox: return "textbox";
    case Role::checkbox: return "checkbox";
    case Role::radio: return "radio";
    case Role::combobox: return "combobox";
    case Role::heading: return "heading";
    case Role::text: return "text";
    case Role::status: return "status";
    case Role::alert: return "alert";
    case Role::image: return "img";
  }
  return "text";
}

void A11yTree::begin_frame(float scroll_y) {
  raw_.clear();
  order_.clear();
  described_.clear();
  scroll_y_ = scroll_y;
  fixed_ = false;
  text_ids_ = 0;
}

void A11yTree::on_item_add(std::uint32_t id, float x0, float y0, float x1, float y1) {
  auto [it, fresh] = raw_.try_emplace(id);
  if (fresh) order_.push_back(id);
  it->second.x0 = x0, it->second.y0 = y0, it->second.x1 = x1, it->second.y1 = y1;
  it->second.scroll = scroll_y_;
  it->second.fixed = fixed_;
}

void A11yTree::on_item_info(std::uint32_t id, const char* label, int flags) {
  auto it = raw_.find(id);
  if (it == raw_.end()) return;
  // "Label##id": the visible part only.
  std::string l = label ? label : "";
  auto hash = l.find("##");
  it->second.label = hash == std::string::npos ? l : l.substr(0, hash);
  it->second.flags = flags;
  it->second.has_info = true;
}

A11yNode& A11yTree::describe(std::uint32_t id, Role role, std::string name) {
  described_.push_back({});
  A11yNode& n = described_.back();
  n.id = id;
  n.role = role;
  n.name = std::move(name);
  return n;
}

A11yNode& A11yTree::add_text(Role role, std::string text, float x0, float y0, float x1, float y1) {
  // Text has no ImGui id: give it one from a range ImGui's hashes are unlikely to use for long.
  std::uint32_t id = 0xF0000000u + ++text_ids_;
  on_item_add(id, x0, y0, x1, y1);
  return describe(id, role, std::move(text));
}

void A11yTree::end_frame(std::uint32_t focused_id) {
  nodes_.clear();
  std::map<std::uint32_t, const A11yNode*> by_id;
  for (const auto& d : described_) by_id[d.id] = &d;
  for (std::uint32_t id : order_) {
    const Raw& r = raw_[id];
    A11yNode n;
    auto d = by_id.find(id);
    if (d != by_id.end()) {
      n = *d->second;
      if (r.has_info && (r.flags & ImGuiItemStatusFlags_Checkable)) n.checked = (r.flags & ImGuiItemStatusFlags_Checked) != 0;
    } else if (r.has_info && (r.flags & ImGuiItemStatusFlags_Checkable) && !r.label.empty()) {
      n.id = id;
      n.role = Role::checkbox;
      n.name = r.label;
      n.checked = (r.flags & ImGuiItemStatusFlags_Checked) != 0;
    } else {
      continue;
    }
    n.x = r.x0;
    n.y = r.y0 + (r.fixed ? 0 : r.scroll);
    n.w = r.x1 - r.x0;
    n.h = r.y1 - r.y0;
    n.fixed = r.fixed;
    n.focused = id == focused_id && focused_id != 0;
    nodes_.push_back(std::move(n));
  }
}

const A11yNode* A11yTree::find(std::uint32_t id) const {
  for (const auto& n : nodes_) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

const A11yNode* A11yTree::find_by_name(Role role, const std::string& name) const {
  for (const auto& n : nodes_) {
    if (n.role == role && n.name == name) return &n;
  }
  return nullptr;
}

std::string A11yTree::to_json() const {
  std::string j = "{\"v\":1,\"lang\":";
  search::append_json_string(j, lang_);
  j += ",\"height\":" + std::to_string(int(content_height_ + 0.5f)) + ",\"nodes\":[";
  bool first = true;
  auto num = [](float f) { return std::to_string(int(f < 0 ? f - 0.5f : f + 0.5f)); };
  for (const auto& n : nodes_) {
    if (!first) j += ',';
    first = false;
    j += "{\"id\":" + std::to_string(n.id) + ",\"role\":\"" + role_name(n.role) + "\",\"name\":";
    search::append_json_string(j, n.name);
    if (!n.value.empty() || n.role == Role::textbox) {
      j += ",\"value\":";
      search::append_json_string(j, n.value);
    }
    if (!n.description.empty()) {
      j += ",\"description\":";
      search::append_json_string(j, n.description);
    }
    if (!n.placeholder.empty()) {
      j += ",\"placeholder\":";
      search::append_json_string(j, n.placeholder);
    }
    if (!n.options.empty()) {
      j += ",\"options\":[";
      for (std::size_t i = 0; i < n.options.size(); ++i) {
        j += i ? ",[" : "[";
        search::append_json_string(j, n.options[i].first);
        j += ',';
        search::append_json_string(j, n.options[i].second);
        j += ']';
      }
      j += ']';
    }
    if (!n.action.empty()) {
      j += ",\"action\":";
      search::append_json_string(j, n.action);
    }
    if (n.level) j += ",\"level\":" + std::to_string(n.level);
    if (n.role == Role::checkbox || n.role == Role::radio) j += n.checked ? ",\"checked\":true" : ",\"checked\":false";
    if (n.invalid) j += ",\"invalid\":true";
    if (n.disabled) j += ",\"disabled\":true";
    if (n.multiline) j += ",\"multiline\":true";
    if (n.required) j += ",\"required\":true";
    if (n.focused) j += ",\"focused\":true";
    if (n.autofocus) j += ",\"autofocus\":true";
    if (n.fixed) j += ",\"fixed\":true";
    j += ",\"rect\":[" + num(n.x) + "," + num(n.y) + "," + num(n.w) + "," + num(n.h) + "]}";
  }
  return j + "]}";
}

void install_hooks(A11yTree* tree) {
  ImGuiContext& g = *ImGui::GetCurrentContext();
  g.TestEngine = tree;
  g.TestEngineHookItems = tree != nullptr;
}

}  // namespace lantern::widget

// The hooks Dear ImGui 1.86 calls when built with IMGUI_ENABLE_TEST_ENGINE (imgui_internal.h).
void ImGuiTestEngineHook_ItemAdd(ImGuiContext* ctx, const ImRect& bb, ImGuiID id) {
  if (auto* t = static_cast<lantern::widget::A11yTree*>(ctx->TestEngine)) t->on_item_add(id, bb.Min.x, bb.Min.y, bb.Max.x, bb.Max.y);
}
void ImGuiTestEngineHook_ItemInfo(ImGuiContext* ctx, ImGuiID id, const char* label, ImGuiItemStatusFlags flags) {
  if (auto* t = static_cast<lantern::widget::A11yTree*>(ctx->TestEngine)) t->on_item_info(id, label, flags);
}
void ImGuiTestEngineHook_Log(ImGuiContext*, const char*, ...) {}
const char* ImGuiTestEngine_FindItemDebugLabel(ImGuiContext*, ImGuiID) { return nullptr; }
