// Test helpers: build a bundle in memory from Markdown/JSON Lines strings.
#pragma once
#include <string>
#include <vector>

#include "builder.h"
#include "lantern/bundle.h"
#include "lantern/search.h"
#include "lantern/signing.h"

namespace lantern::test {

inline std::string md(const std::string& id, const std::string& lang, const std::string& title,
                      const std::string& body, const std::string& extra = "") {
  return "---\nid: " + id + "\nlang: " + lang + "\ntitle: " + title + "\n" + extra + "---\n" + body + "\n";
}

struct Built {
  std::string bytes;
  kb::Bundle bundle;
};

// Builds and opens; REQUIREs success.
inline std::string build_bytes(kbtool::BundleBuilder& b, const std::string& key = "") {
  auto bytes = b.build(1700000000);
  REQUIRE_MESSAGE(bytes.ok(), (bytes.ok() ? "" : bytes.error().message));
  auto st = kb::seal_bundle(*bytes, key);
  REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error().message));
  return *bytes;
}

inline kb::Bundle open_bundle(const std::string& bytes) {
  auto b = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().message));
  return *b;
}

inline std::vector<std::string> ids(const std::vector<search::Hit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.emplace_back(h.id);
  return out;
}

}  // namespace lantern::test
