// Fuzz target: the relay's ticket parser (JSON shape, field types, the form's rules, validators
// and the secret guard) against the project's own form schemas.
#include <cstdint>
#include <memory>
#include <string>

#include "builder.h"
#include "lantern/bundle.h"
#include "lantern/forms.h"
#include "lantern/signing.h"
#include "lantern/ticket.h"

namespace {
std::unique_ptr<lantern::forms::FormSet> g_forms;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace lantern;
  kbtool::BundleBuilder b;
  if (!b.add_jsonl(R"({"id":"a","lang":"en","title":"a","body":"a"})", "a.jsonl") ||
      !b.add_forms(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/forms")) {
    std::abort();
  }
  auto bytes = b.build(0);
  if (!bytes || !kb::seal_bundle(*bytes, "")) std::abort();
  static std::string keep = std::move(*bytes);
  auto bundle = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(keep.data()), keep.size());
  if (!bundle) std::abort();
  auto set = forms::parse_form_set(bundle->section_json(kb::tag("FORM")));
  if (!set) std::abort();
  g_forms = std::make_unique<forms::FormSet>(std::move(*set));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lantern;
  forms::CheckContext ctx;
  ctx.now_ms = 1795920000000;
  ctx.default_utc_offset_minutes = 480;
  auto parsed = ticket::parse(std::string_view(reinterpret_cast<const char*>(data), size), *g_forms, ctx);
  if (parsed.ticket) {
    const forms::Form* form = g_forms->find(parsed.ticket->category);
    if (!form) std::abort();  // a parsed ticket always names a known form
    (void)ticket::to_json(*parsed.ticket, *form);
  }
  return 0;
}
