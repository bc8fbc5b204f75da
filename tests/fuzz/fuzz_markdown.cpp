// Fuzz target: the authoring side's Markdown and front matter parser, then the bundle it builds.
#include <cstdint>
#include <string>

#include "builder.h"
#include "lantern/bundle.h"
#include "lantern/signing.h"
#include "markdown.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lantern;
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)kbtool::parse_markdown(text);
  kbtool::BundleBuilder b;
  if (!b.add_markdown(text, "fuzz.md")) return 0;
  auto bytes = b.build(0);
  if (!bytes || !kb::seal_bundle(*bytes, "")) return 0;
  auto opened = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size());
  if (!opened) std::abort();  // what the builder writes, the reader must open
  (void)opened->blocks(0);
  return 0;
}
