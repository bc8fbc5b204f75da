// The screens, drawn with Dear ImGui. Every interactive item goes through a helper below that
// also describes it to the accessibility tree (role + the visible label as its name) and applies
// what the DOM mirror asked it to do (activate, focus, set a value).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "app.h"
#include "imgui.h"
#include "imgui_internal.h"
#include "misc/cpp/imgui_stdlib.h"

namespace lantern::widget {
namespace {

ImVec4 parse_colour(const std::string& hex, ImVec4 fallback) {
  if (hex.size() != 7 || hex[0] != '#') return fallback;
  unsigned v = 0;
  for (std::size_t i = 1; i < 7; ++i) {
    char c = hex[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return fallback;
    v = v << 4 | unsigned(d);
  }
  return ImVec4(float(v >> 16 & 255) / 255.f, float(v >> 8 & 255) / 255.f, float(v & 255) / 255.f, 1.f);
}

struct Ui {
  App& app;
  A11yTree& tree;
  ImVec4 accent;
  ImVec4 error_col;
  ImVec4 dim;

  void rect_text(Role role, const std::string& text, int level = 0) {
    ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    tree.add_text(role, text, a.x, a.y, b.x, b.y).level = level;
  }
  void paragraph(const std::string& text, Role role = Role::text) {
    ImGui::TextWrapped("%s", text.c_str());
    rect_text(role, text);
  }
  void dim_text(const std::string& text) {
    ImGui::PushStyleColor(ImGuiCol_Text, dim);
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::PopStyleColor();
    rect_text(Role::text, text);
  }
  void heading(const std::string& text, int level) {
    ImGui::SetWindowFontScale(level <= 1 ? 1.35f : level == 2 ? 1.2f : 1.08f);
    ImGui::TextWrapped("%s", text.c_str());
    ImGui::SetWindowFontScale(1.f);
    rect_text(Role::heading, text, level);
  }
  bool button(const std::string& label, const char* id = nullptr, bool enabled = true, bool primary = false) {
    std::string l = label + "##" + (id ? id : label.c_str());
    if (!enabled) ImGui::BeginDisabled();
    if (primary) {
      ImGui::PushStyleColor(ImGuiCol_Button, accent);
      ImGui::PushStyleColor(ImGuiCol_ButtonHovered, ImVec4(accent.x * 0.85f, accent.y * 0.85f, accent.z * 0.85f, 1));
      ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
    }
    bool r = ImGui::Button(l.c_str());
    if (primary) ImGui::PopStyleColor(3);
    if (!enabled) ImGui::EndDisabled();
    ImGuiID iid = ImGui::GetItemID();
    tree.describe(iid, Role::button, label).disabled = !enabled;
    if (app.take_action(iid, A11yAction::Kind::activate) && enabled) r = true;
    if (r) app.want_frames(3);
    return r;
  }
  // Wrapped, clickable text in the accent colour.
  bool link(const std::string& label, const std::string& id) {
    float wrap = ImGui::GetContentRegionAvail().x;
    ImVec2 size = ImGui::CalcTextSize(label.c_str(), nullptr, false, wrap);
    ImVec2 pos = ImGui::GetCursorScreenPos();
    bool r = ImGui::InvisibleButton(("##link" + id).c_str(), ImVec2(std::max(size.x, 1.f), std::max(size.y, 1.f)));
    ImGuiID iid = ImGui::GetItemID();
    bool hovered = ImGui::IsItemHovered();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddText(nullptr, 0.f, pos, ImGui::GetColorU32(accent), label.c_str(), nullptr, wrap);
    if (hovered) {
      ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
      dl->AddLine(ImVec2(pos.x, pos.y + size.y), ImVec2(pos.x + size.x, pos.y + size.y), ImGui::GetColorU32(accent));
    }
    tree.describe(iid, Role::link, label);
    if (app.take_action(iid, A11yAction::Kind::activate)) r = true;
    if (r) app.want_frames(3);
    return r;
  }

  struct Sync {
    A11yAction* action;
    bool applied = false;
  };
  static int sync_callback(ImGuiInputTextCallbackData* data) {
    auto* s = static_cast<Sync*>(data->UserData);
    if (!s || !s->action || s->applied || data->EventFlag != ImGuiInputTextFlags_CallbackAlways) return 0;
    A11yAction& a = *s->action;
    if (std::string(data->Buf, std::size_t(data->BufTextLen)) != a.value) {
      data->DeleteChars(0, data->BufTextLen);
      data->InsertChars(0, a.value.c_str(), a.value.c_str() + a.value.size());
    }
    int n = data->BufTextLen;
    int c = a.sel_end >= 0 ? std::min(a.sel_end, n) : n;
    data->CursorPos = c;
    data->SelectionStart = a.sel_start >= 0 ? std::min(a.sel_start, n) : c;
    data->SelectionEnd = c;
    s->applied = true;
    return 0;
  }

  struct FieldInfo {
    const char* help = nullptr;
    const char* error = nullptr;
    const char* placeholder = nullptr;
    bool multiline = false, required = false, autofocus = false;
  };
  // A labelled text box. Returns true when the text changed (typed here or set by the mirror).
  bool text_field(const char* id, const std::string& label, std::string& value, const FieldInfo& info) {
    ImGui::PushID(id);
    ImGui::TextUnformatted(label.c_str());
    if (info.help && *info.help) {
      ImGui::PushStyleColor(ImGuiCol_Text, dim);
      ImGui::TextWrapped("%s", info.help);
      ImGui::PopStyleColor();
    }
    ImGuiID iid = ImGui::GetID("##input");
    if (app.take_action(iid, A11yAction::Kind::focus)) ImGui::SetKeyboardFocusHere();
    if (app.take_action(iid, A11yAction::Kind::blur) && ImGui::GetActiveID() == iid) ImGui::ClearActiveID();
    A11yAction set;
    bool changed = false;
    Sync sync{nullptr};
    if (app.take_action(iid, A11yAction::Kind::set_value, &set)) {
      if (ImGui::GetActiveID() == iid) {
        sync.action = &set;
      } else {
        changed = value != set.value;
        value = set.value;
      }
    }
    bool invalid = info.error != nullptr;
    if (invalid) {
      ImGui::PushStyleColor(ImGuiCol_Border, error_col);
      ImGui::PushStyleVar(ImGuiStyleVar_FrameBorderSize, 2.f);
    }
    ImGuiInputTextFlags flags = ImGuiInputTextFlags_CallbackAlways;
    ImGui::SetNextItemWidth(-1);
    if (info.multiline) {
      changed |= ImGui::InputTextMultiline("##input", &value, ImVec2(-1, ImGui::GetTextLineHeight() * 5 + 8), flags, sync_callback, &sync);
    } else {
      changed |= ImGui::InputTextWithHint("##input", info.placeholder ? info.placeholder : "", &value, flags, sync_callback, &sync);
    }
    if (sync.applied) changed = true;
    if (!app.preedit.empty() && ImGui::IsItemActive()) draw_preedit();
    if (invalid) {
      ImGui::PopStyleVar();
      ImGui::PopStyleColor();
    }
    A11yNode& n = tree.describe(iid, Role::textbox, label);
    n.value = value;
    n.invalid = invalid;
    n.description = invalid ? info.error : (info.help ? info.help : "");
    n.placeholder = info.placeholder ? info.placeholder : "";
    n.multiline = info.multiline;
    n.required = info.required;
    n.autofocus = info.autofocus;
    if (invalid) {
      ImGui::PushStyleColor(ImGuiCol_Text, error_col);
      ImGui::TextWrapped("%s", info.error);
      ImGui::PopStyleColor();
    }
    ImGui::PopID();
    if (changed) app.want_frames(2);
    return changed;
  }

  // The input method's composition, underlined in a box just below the active field (over what
  // follows it), so the user sees the pinyin they are typing before choosing characters.
  void draw_preedit() {
    ImVec2 field_min = ImGui::GetItemRectMin(), field_max = ImGui::GetItemRectMax();
    const char* text = app.preedit.c_str();
    ImVec2 size = ImGui::CalcTextSize(text);
    ImVec2 at(field_min.x + 6, field_max.y + 2), pad(6, 3);
    ImDrawList* dl = ImGui::GetForegroundDrawList();
    dl->AddRectFilled(at, ImVec2(at.x + size.x + 2 * pad.x, at.y + size.y + 2 * pad.y), ImGui::GetColorU32(ImGuiCol_PopupBg), 4.f);
    dl->AddRect(at, ImVec2(at.x + size.x + 2 * pad.x, at.y + size.y + 2 * pad.y), ImGui::ColorConvertFloat4ToU32(accent), 4.f);
    ImVec2 t(at.x + pad.x, at.y + pad.y);
    dl->AddText(t, ImGui::GetColorU32(ImGuiCol_Text), text);
    dl->AddLine(ImVec2(t.x, t.y + size.y), ImVec2(t.x + size.x, t.y + size.y), ImGui::GetColorU32(ImGuiCol_Text));
  }

  bool checkbox(const std::string& label, const char* id, bool& v) {
    bool r = ImGui::Checkbox((label + "##" + id).c_str(), &v);
    ImGuiID iid = ImGui::GetItemID();
    if (app.take_action(iid, A11yAction::Kind::activate)) v = !v, r = true;
    tree.describe(iid, Role::checkbox, label).checked = v;
    return r;
  }

  // A choice as a combo box (a native <select> in the mirror). Returns true when it changed.
  bool combo(const char* id, const std::string& label, const std::vector<std::pair<std::string, std::string>>& options,
             std::string& value, const char* error, const char* help) {
    ImGui::PushID(id);
    ImGui::TextUnformatted(label.c_str());
    if (help && *help) {
      ImGui::PushStyleColor(ImGuiCol_Text, dim);
      ImGui::TextWrapped("%s", help);
      ImGui::PopStyleColor();
    }
    std::string shown = app.S("contact.choose");
    for (const auto& [v, l] : options) {
      if (v == value) shown = l;
    }
    bool changed = false;
    ImGui::SetNextItemWidth(-1);
    if (ImGui::BeginCombo("##combo", shown.c_str())) {
      for (const auto& [v, l] : options) {
        if (ImGui::Selectable(l.c_str(), v == value)) value = v, changed = true;
      }
      ImGui::EndCombo();
    }
    ImGuiID iid = ImGui::GetItemID();
    A11yAction set;
    if (app.take_action(iid, A11yAction::Kind::set_value, &set)) {
      for (const auto& [v, l] : options) {
        if (v == set.value) value = v, changed = true;
      }
    }
    A11yNode& n = tree.describe(iid, Role::combobox, label);
    n.value = value;
    n.options = options;
    n.invalid = error != nullptr;
    n.description = error ? error : (help ? help : "");
    if (error) {
      ImGui::PushStyleColor(ImGuiCol_Text, error_col);
      ImGui::TextWrapped("%s", error);
      ImGui::PopStyleColor();
    }
    ImGui::PopID();
    if (changed) app.want_frames(2);
    return changed;
  }

  void live_regions() {
    if (!app.alert_line.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, error_col);
      paragraph(app.alert_line, Role::alert);
      ImGui::PopStyleColor();
    }
  }

  void gap(float h = 8) { ImGui::Dummy(ImVec2(1, h)); }
};

std::string strip_marks(std::string s) {
  for (const char* tag : {"<mark>", "</mark>"}) {
    for (auto at = s.find(tag); at != std::string::npos; at = s.find(tag)) s.erase(at, std::strlen(tag));
  }
  for (auto [from, to] : {std::pair<const char*, const char*>{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}}) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, std::strlen(from), to);
  }
  return s;
}

void draw_header(Ui& ui, App& app) {
  ui.tree.set_region(0, true);
  if (app.screen() != Screen::home && app.screen() != Screen::loading && app.screen() != Screen::error) {
    if (ui.button(std::string("< ") + app.S("nav.back"), "back")) app.back();
    // The mirror's name is the word itself, without the arrow.
    ui.tree.describe(ImGui::GetItemID(), Role::button, app.S("nav.back"));
    ImGui::SameLine();
  }
  ImGui::SetWindowFontScale(1.15f);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(app.S("app.title"));
  ImGui::SetWindowFontScale(1.f);
  ImGui::SameLine();
  float right = ImGui::GetWindowContentRegionMax().x;
  if (app.screen() == Screen::loading || app.screen() == Screen::error) {
    // No bundle, no strings: the error screen speaks English.
    const char* close = app.strings().has("nav.close") ? app.S("nav.close") : "Close";
    ImGui::SameLine(right - ImGui::CalcTextSize(close).x - 16);
    if (ui.button(close, "close")) app.close();
    return;
  }
  const char* other_label = app.language() == "en" ? "中文" : "English";
  const char* other_tag = app.language() == "en" ? "zh-CN" : "en";
  const ImGuiStyle& st = ImGui::GetStyle();
  float w = 0;
  for (const char* l : {other_label, app.S("home.my_tickets"), app.S("nav.close")}) w += ImGui::CalcTextSize(l).x + 2 * st.FramePadding.x;
  w += 2 * st.ItemSpacing.x;
  ImGui::SameLine(std::max(ImGui::GetCursorPosX(), right - w));
  if (ui.button(other_label, "lang")) app.set_language(other_tag);
  ImGui::SameLine();
  if (ui.button(app.S("home.my_tickets"), "tickets")) app.go(Screen::tickets);
  ImGui::SameLine();
  if (ui.button(app.S("nav.close"), "close")) app.close();
}

void outbox_line(Ui& ui, App& app) {
  int n = app.pending_count();
  if (n <= 0) return;
  ui.paragraph(n == 1 ? std::string(app.S("tickets.outbox_one")) : app.strings().format("tickets.outbox", {{"n", std::to_string(n)}}), Role::status);
}

void draw_home(Ui& ui, App& app) {
  ImGui::PushStyleColor(ImGuiCol_Text, ui.dim);
  ui.paragraph(app.S("home.phishing"));
  ImGui::PopStyleColor();
  ui.gap(4);
  std::string q = app.query();
  Ui::FieldInfo fi;
  fi.placeholder = app.S("home.search_placeholder");
  fi.autofocus = true;
  if (ui.text_field("search", app.S("home.search_label"), q, fi)) app.set_query(q);
  outbox_line(ui, app);
  ui.gap(4);
  // Tab order follows the page: from the search box to the results first when there are some,
  // else to "Contact support" before the long list of topics.
  auto contact = [&] {
    ui.dim_text(app.S("home.contact_intro"));
    if (ui.button(app.S("home.contact"), "contact", true, true)) app.start_contact();
  };
  if (app.query().empty()) contact();
  ui.gap();
  if (!app.query().empty()) {
    if (app.hits().empty()) {
      ui.paragraph(app.S("home.no_results"), Role::status);
    } else {
      for (const auto& h : app.hits()) {
        ImGui::PushID(int(h.doc));
        if (ui.link(std::string(h.title), std::string(h.id))) app.open_article(h.id);
        if (!h.snippet.empty()) ui.dim_text(strip_marks(h.snippet));
        ImGui::PopID();
        ui.gap(4);
      }
    }
    ui.gap(8);
    contact();
  } else {
    ui.heading(app.S("home.topics"), 2);
    for (const auto& c : app.categories()) {
      ui.gap(4);
      std::string key = "category." + c;
      ui.heading(app.strings().has(key) ? app.S(key) : c, 3);
      for (std::uint32_t i : app.articles_in(c)) {
        auto a = app.bundle().article(i);
        if (ui.link(std::string(a.title), std::string(a.id))) app.open_article(a.id);
      }
    }
  }
}

void draw_article(Ui& ui, App& app) {
  if (app.article() < 0) return;
  auto a = app.bundle().article(std::uint32_t(app.article()));
  ui.heading(std::string(a.title), 1);
  ui.gap(4);
  int link_n = 0;
  for (const auto& b : app.blocks()) {
    std::string text;
    std::vector<std::pair<std::string, std::string>> links;
    for (const auto& s : b.spans) {
      text += s.text;
      if (s.type == kb::SpanType::link) links.emplace_back(std::string(s.text), std::string(s.href));
    }
    switch (b.type) {
      case kb::BlockType::heading: ui.gap(4); ui.heading(text, std::max(2, int(b.level))); break;
      case kb::BlockType::list_item: {
        ImGui::Indent(12.f + 14.f * b.level);
        std::string bullet = b.ordered ? std::to_string(b.number) + ". " : "• ";
        ui.paragraph(bullet + text);
        ImGui::Unindent(12.f + 14.f * b.level);
        break;
      }
      case kb::BlockType::code: {
        ImVec2 p = ImGui::GetCursorScreenPos();
        ImVec2 sz = ImGui::CalcTextSize(text.c_str(), nullptr, false, ImGui::GetContentRegionAvail().x - 12);
        ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + ImGui::GetContentRegionAvail().x, p.y + sz.y + 12),
                                                  ImGui::GetColorU32(ImGuiCol_FrameBg), 4.f);
        ImGui::SetCursorScreenPos(ImVec2(p.x + 6, p.y + 6));
        ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + ImGui::GetContentRegionAvail().x - 12);
        ImGui::TextUnformatted(text.c_str());
        ImGui::PopTextWrapPos();
        ui.rect_text(Role::text, text);
        ImGui::Dummy(ImVec2(1, 6));
        break;
      }
      case kb::BlockType::quote:
        ImGui::Indent(12.f);
        ui.dim_text(text);
        ImGui::Unindent(12.f);
        break;
      case kb::BlockType::rule: ImGui::Separator(); break;
      default: ui.paragraph(text); break;
    }
    for (const auto& [label, href] : links) {
      ImGui::PushID(link_n++);
      ImGui::Indent(12.f);
      if (ui.link(label, href)) {
        if (href.rfind("kb:", 0) == 0) app.open_article(href);
        else if (href.rfind("https://", 0) == 0 || href.rfind("http://", 0) == 0) app.platform().open_url(href);
      }
      ImGui::Unindent(12.f);
      ImGui::PopID();
    }
    ui.gap(2);
  }
  ui.gap(10);
  ImGui::Separator();
  if (app.helpful == 0) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(app.S("article.helpful"));
    ui.rect_text(Role::text, app.S("article.helpful"));
    ImGui::SameLine();
    if (ui.button(app.S("article.yes"), "yes")) app.vote(true);
    ImGui::SameLine();
    if (ui.button(app.S("article.no"), "no")) app.vote(false);
  } else {
    ui.paragraph(app.helpful > 0 ? app.S("article.thanks") : app.S("article.sorry"), Role::status);
  }
  auto rel = app.related();
  if (!rel.empty()) {
    ui.gap(8);
    ui.heading(app.S("article.related"), 2);
    for (std::uint32_t i : rel) {
      auto r = app.bundle().article(i);
      if (ui.link(std::string(r.title), std::string(r.id))) {
        app.open_article(r.id);
        break;
      }
    }
  }
  ui.gap(12);
  if (ui.button(app.S("home.contact"), "contact", true, true)) app.start_contact();
}

const char* message_in(const forms::Text& t, const App& app) { return t.in(app.language()).c_str(); }

void draw_describe(Ui& ui, App& app) {
  ui.heading(app.S("contact.title"), 1);
  ui.paragraph(app.S("contact.describe_intro"));
  ui.gap(4);
  auto secrets = app.secrets_in_description();
  const char* err = nullptr;
  for (const auto& s : secrets) {
    if (s.blocking || !err) err = message_in(s.message, app);
  }
  Ui::FieldInfo fi;
  fi.multiline = true;
  fi.help = app.S("contact.describe_help");
  fi.error = err;
  fi.required = true;
  ui.text_field("describe", app.S("contact.describe_label"), app.description, fi);
  bool blocked = false;
  for (const auto& s : secrets) blocked |= s.blocking;
  if (blocked) {
    ImGui::PushStyleColor(ImGuiCol_Text, ui.error_col);
    ui.paragraph(app.S("contact.secret_blocked"), Role::alert);
    ImGui::PopStyleColor();
  }
  ui.gap(6);
  bool ok = !blocked && app.description.find_first_not_of(" \t\r\n") != std::string::npos;
  if (ui.button(app.S("contact.continue"), "continue", ok, true)) app.run_triage();
}

void draw_choose(Ui& ui, App& app) {
  const auto& t = app.triage();
  if (!t.articles.empty()) {
    ui.heading(app.S("contact.suggested_articles"), 2);
    for (const auto& h : t.articles) {
      ImGui::PushID(int(h.doc));
      if (ui.link(std::string(h.title), std::string(h.id))) app.open_article(h.id);
      ImGui::PopID();
    }
    ui.gap(10);
  }
  ui.heading(app.S("contact.choose_category"), 2);
  ui.paragraph(app.S("contact.choose_help"));
  bool first = true;
  for (const auto& c : t.categories) {
    const std::string& title = c.form->title.in(app.language());
    if (ui.button(title, c.form->id.c_str(), true, first)) {
      app.choose_form(c.form->id);
      return;
    }
    if (first && t.categories.size() > 1) {
      ImGui::SameLine();
      ImGui::PushStyleColor(ImGuiCol_Text, ui.accent);
      ImGui::TextUnformatted(app.S("contact.suggested"));
      ImGui::PopStyleColor();
    }
    first = false;
  }
  if (t.categories.empty()) {
    for (const auto& f : app.forms().forms) {
      if (ui.button(f.title.in(app.language()), f.id.c_str())) {
        app.choose_form(f.id);
        return;
      }
    }
  }
}

void draw_attachments(Ui& ui, App& app, const forms::Field& f, const char* err) {
  ImGui::TextUnformatted(f.label.in(app.language()).c_str());
  ui.dim_text(f.help.in(app.language()));
  int n = 0;
  std::string remove;
  for (auto& s : app.shots()) {
    if (s.field != f.id) continue;
    ++n;
    ImGui::PushID(s.local_id.c_str());
    float maxw = std::min(ImGui::GetContentRegionAvail().x, 360.f);
    float scale = std::min(1.f, maxw / float(s.width));
    ImVec2 size(float(s.width) * scale, float(s.height) * scale);
    if (size.y > 420.f) scale *= 420.f / size.y, size = ImVec2(float(s.width) * scale, float(s.height) * scale);
    ImVec2 p = ImGui::GetCursorScreenPos();
    if (s.texture) ImGui::Image(reinterpret_cast<ImTextureID>(s.texture), size);
    else ImGui::Dummy(size);
    std::string name = app.strings().format("contact.screenshot_n", {{"n", std::to_string(n)}});
    ui.rect_text(Role::image, name);
    // Redaction: drag over the preview to black out a box (applied to the pixels before upload).
    ImGui::SetCursorScreenPos(p);
    ImGui::InvisibleButton("##redact", size);
    static ImVec2 drag_from;
    if (ImGui::IsItemActivated()) drag_from = ImGui::GetIO().MousePos;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    if (ImGui::IsItemActive()) {
      ImVec2 m = ImGui::GetIO().MousePos;
      dl->AddRectFilled(drag_from, m, IM_COL32(0, 0, 0, 200));
      app.want_frames(2);
    }
    if (ImGui::IsItemDeactivated()) {
      ImVec2 m = ImGui::GetIO().MousePos;
      if (std::fabs(m.x - drag_from.x) > 3 && std::fabs(m.y - drag_from.y) > 3) {
        s.boxes.push_back({(drag_from.x - p.x) / scale, (drag_from.y - p.y) / scale, (m.x - p.x) / scale, (m.y - p.y) / scale});
      }
    }
    for (const auto& b : s.boxes) {
      dl->AddRectFilled(ImVec2(p.x + std::min(b[0], b[2]) * scale, p.y + std::min(b[1], b[3]) * scale),
                        ImVec2(p.x + std::max(b[0], b[2]) * scale, p.y + std::max(b[1], b[3]) * scale), IM_COL32(0, 0, 0, 255));
    }
    ui.dim_text(app.S("contact.redact_help"));
    if (!s.boxes.empty()) {
      if (ui.button(app.strings().format("contact.undo_box_n", {{"n", std::to_string(n)}}), "undo")) s.boxes.pop_back();
      ImGui::SameLine();
    }
    if (ui.button(app.strings().format("contact.remove_n", {{"n", std::to_string(n)}}), "remove")) remove = s.local_id;
    ImGui::PopID();
    ui.gap(4);
  }
  if (!remove.empty()) app.remove_image(remove);
  if (f.max_files <= 0 || n < f.max_files) {
    bool pick = ui.button(app.S("contact.add_screenshot"), (f.id + "-add").c_str());
    ui.tree.last().action = "pick-image";  // the mirror opens the file picker within the click
    if (pick) {
      std::string field = f.id;
      App* a = &app;
      app.platform().pick_image([a, field](PickedImage img) { a->add_image(field, std::move(img)); });
    }
    ui.dim_text(app.S("contact.paste_hint"));
  }
  if (!app.image_error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ui.error_col);
    ui.paragraph(app.image_error);
    ImGui::PopStyleColor();
  }
  if (err) {
    ImGui::PushStyleColor(ImGuiCol_Text, ui.error_col);
    ui.paragraph(err);
    ImGui::PopStyleColor();
  }
}

void draw_form(Ui& ui, App& app) {
  const forms::Form* form = app.form();
  if (!form) return;
  const std::string& lang = app.language();
  ui.heading(form->title.in(lang), 1);
  ui.paragraph(form->intro.in(lang));
  ui.gap(6);
  for (const auto& f : form->fields) {
    if (!app.visible(f)) continue;
    const forms::FieldError* e = app.error_for(f.id);
    const char* err = e ? message_in(e->message, app) : nullptr;
    std::string label = f.label.in(lang);
    if (!f.required) label += " " + std::string(app.S("contact.optional"));
    if (f.type == forms::FieldType::attachments) {
      draw_attachments(ui, app, f, err);
    } else if (f.type == forms::FieldType::choice) {
      std::vector<std::pair<std::string, std::string>> opts;
      for (const auto& o : f.options) opts.emplace_back(o.value, o.label.in(lang));
      std::string v = app.values[f.id].text;
      if (ui.combo(f.id.c_str(), label, opts, v, err, f.help.in(lang).c_str())) app.set_field(f.id, v);
    } else {
      std::string v = app.values[f.id].text;
      Ui::FieldInfo fi;
      fi.help = f.help.in(lang).c_str();
      fi.error = err;
      fi.placeholder = f.placeholder ? f.placeholder->in(lang).c_str() : nullptr;
      fi.multiline = f.multiline;
      fi.required = f.required;
      if (ui.text_field(f.id.c_str(), label, v, fi)) app.set_field(f.id, v);
      if (f.type == forms::FieldType::datetime && f.allow_about) {
        bool approx = app.values[f.id].approximate;
        if (ui.checkbox(app.S("contact.approximate"), f.id.c_str(), approx)) app.set_approximate(f.id, approx);
      }
    }
    ui.gap(8);
  }
  ui.live_regions();
  if (ui.button(app.S("contact.review"), "review", true, true)) app.to_review();
}

void draw_review(Ui& ui, App& app) {
  const forms::Form* form = app.form();
  if (!form) return;
  const std::string& lang = app.language();
  ui.heading(app.S("contact.review_title"), 1);
  ui.paragraph(form->title.in(lang));
  ui.gap(6);
  auto values = app.effective_values();
  for (const auto& f : form->fields) {
    auto it = values.find(f.id);
    if (it == values.end()) continue;
    std::string v = it->second.text;
    if (f.type == forms::FieldType::choice) {
      for (const auto& o : f.options) {
        if (o.value == v) v = o.label.in(lang);
      }
    }
    if (f.type == forms::FieldType::attachments) v = std::to_string(it->second.attachments.size());
    if (it->second.approximate) v += " (" + std::string(app.S("contact.approximate_short")) + ")";
    ImGui::PushStyleColor(ImGuiCol_Text, ui.dim);
    ImGui::TextWrapped("%s", f.label.in(lang).c_str());
    ImGui::PopStyleColor();
    ui.paragraph(v);
    ui.gap(4);
  }
  ui.live_regions();
  ui.gap(6);
  if (ui.button(app.S("contact.edit"), "edit")) app.back();
  ImGui::SameLine();
  if (ui.button(app.S("contact.submit"), "submit", true, true)) app.submit();
}

void draw_submitted(Ui& ui, App& app) {
  ui.heading(app.S("submitted.title"), 1);
  std::string line = app.status_line;
  if (auto r = app.receipt_for(app.submitted_key())) line = app.strings().format("submitted.number", {{"id", r->id}});
  if (!line.empty()) ui.paragraph(line, Role::status);
  ui.paragraph(app.S("submitted.next"));
  ui.live_regions();
  ui.gap(8);
  if (ui.button(app.S("submitted.done"), "done", true, true)) app.go(Screen::home);
}

void draw_tickets(Ui& ui, App& app) {
  ui.heading(app.S("home.my_tickets"), 1);
  outbox_line(ui, app);
  auto rs = app.receipts();
  auto refused = app.not_sent();
  if (rs.empty() && refused.empty() && app.pending_count() == 0) ui.paragraph(app.S("tickets.none"));
  // Refused tickets first: they need the user, the others only need waiting.
  for (const auto& n : refused) {
    const forms::Form* f = app.forms().find(n.category);
    ImGui::PushStyleColor(ImGuiCol_Text, ui.error_col);
    ui.paragraph(app.strings().format("tickets.not_sent", {{"form", f ? f->title.in(app.language()) : n.category}, {"reason", n.reason}}), Role::alert);
    ImGui::PopStyleColor();
    std::string edit_id = "edit-" + n.key, remove_id = "remove-" + n.key;
    if (ui.button(app.S("tickets.edit_resend"), edit_id.c_str())) app.edit_not_sent(n.key);
    ImGui::SameLine();
    if (ui.button(app.S("tickets.remove"), remove_id.c_str())) app.remove_not_sent(n.key);
    ui.gap(6);
  }
  for (const auto& r : rs) {
    const forms::Form* f = app.forms().find(r.category);
    std::string label = r.id + (f ? " · " + f->title.in(app.language()) : std::string());
    if (ui.link(label, r.id)) app.open_ticket(r.id);
  }
}

void draw_ticket(Ui& ui, App& app) {
  const std::string id = app.current_ticket();
  TicketView& v = app.ticket_view(id);
  ui.heading(app.strings().format("tickets.ticket_n", {{"id", id}}), 1);
  if (v.loading) ui.paragraph(app.S("tickets.loading"), Role::status);
  if (!v.status.empty()) {
    std::string key = "tickets.status." + v.status;
    ui.paragraph(app.strings().format("tickets.status", {{"status", app.strings().has(key) ? app.S(key) : v.status}}), Role::status);
  }
  if (!v.error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ui.error_col);
    ui.paragraph(v.error, Role::alert);
    ImGui::PopStyleColor();
  }
  for (const auto& m : v.messages) {
    ImGui::PushStyleColor(ImGuiCol_Text, ui.dim);
    ui.paragraph((m.author == "user" ? app.S("tickets.you") : app.S("tickets.support")) + std::string(" · ") + m.created_at);
    ImGui::PopStyleColor();
    ui.paragraph(m.body);
    ui.gap(4);
  }
  bool open = v.status != "closed" && v.status != "solved";
  if (open) {
    Ui::FieldInfo fi;
    fi.multiline = true;
    ui.text_field("reply", app.S("tickets.reply_label"), v.reply, fi);
    if (ui.button(app.S("tickets.send"), "send", !v.reply.empty() && !v.sending, true)) app.send_message(id);
    ImGui::SameLine();
  }
  if (ui.button(app.S("tickets.refresh"), "refresh")) app.refresh_ticket(id);
}

}  // namespace

void App::frame(float scroll_y, float vw, float vh) {
  ImGuiStyle& style = ImGui::GetStyle();
  bool dark = theme == "dark";
  Ui ui{*this, a11y_, parse_colour(accent, ImVec4(0.18f, 0.44f, 0.87f, 1)), dark ? ImVec4(1.f, 0.45f, 0.42f, 1) : ImVec4(0.75f, 0.1f, 0.1f, 1),
        dark ? ImVec4(0.7f, 0.7f, 0.72f, 1) : ImVec4(0.38f, 0.38f, 0.42f, 1)};
  if (dark) ImGui::StyleColorsDark(); else ImGui::StyleColorsLight();
  style.FrameRounding = 6.f;
  style.FramePadding = ImVec2(10, 6);
  style.ItemSpacing = ImVec2(8, 7);
  style.WindowPadding = ImVec2(16, 12);
  style.WindowRounding = 0;
  style.WindowBorderSize = 0;
  style.FrameBorderSize = 1.f;
  style.Colors[ImGuiCol_WindowBg] = dark ? ImVec4(0.11f, 0.12f, 0.14f, 1) : ImVec4(1, 1, 1, 1);
  style.Colors[ImGuiCol_ButtonHovered] = ImVec4(ui.accent.x, ui.accent.y, ui.accent.z, 0.25f);
  style.Colors[ImGuiCol_FrameBgActive] = ImVec4(ui.accent.x, ui.accent.y, ui.accent.z, 0.12f);
  style.Colors[ImGuiCol_NavHighlight] = ui.accent;

  a11y_.begin_frame(0);
  const float header_h = 50.f;
  ImGuiWindowFlags fixed = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                           ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoNav;
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(vw, header_h));
  ImGui::Begin("##header", nullptr, fixed);
  draw_header(ui, *this);
  ImGui::End();

  ImGui::SetNextWindowPos(ImVec2(0, header_h));
  ImGui::SetNextWindowSize(ImVec2(vw, std::max(1.f, vh - header_h)));
  ImGuiWindowFlags body = fixed & ~ImGuiWindowFlags_NoDecoration;
  body |= ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse;
  if (config_.web) {
    // The page scrolls (so browsers, screen readers and tests scroll the mirror); ImGui follows.
    body |= ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;
    ImGui::SetNextWindowScroll(ImVec2(0, scroll_y));
  }
  ImGui::Begin("##body", nullptr, body);
  a11y_.set_region(ImGui::GetScrollY(), false);
  ImGui::PushTextWrapPos(0.f);
  switch (screen_) {
    case Screen::loading: ui.paragraph(S("bundle.loading"), Role::status); break;
    case Screen::error:
      ImGui::PushStyleColor(ImGuiCol_Text, ui.error_col);
      ui.paragraph(strings_.has("bundle.error") ? S("bundle.error") : "The help content could not be loaded safely.", Role::alert);
      ImGui::PopStyleColor();
      if (!alert_line.empty()) ui.dim_text(alert_line);
      break;
    case Screen::home: draw_home(ui, *this); break;
    case Screen::article: draw_article(ui, *this); break;
    case Screen::describe: draw_describe(ui, *this); break;
    case Screen::choose: draw_choose(ui, *this); break;
    case Screen::form: draw_form(ui, *this); break;
    case Screen::review: draw_review(ui, *this); break;
    case Screen::submitted: draw_submitted(ui, *this); break;
    case Screen::tickets: draw_tickets(ui, *this); break;
    case Screen::ticket: draw_ticket(ui, *this); break;
  }
  ImGui::PopTextWrapPos();
  content_height = header_h + ImGui::GetCursorPosY() + style.WindowPadding.y;
  ImGui::End();
  a11y_.set_content_height(content_height);
  a11y_.set_language(strings_.language());
  // Actions for items that are gone (the screen changed) are dropped.
  actions_.clear();
  a11y_.end_frame(ImGui::GetActiveID());
}

}  // namespace lantern::widget
