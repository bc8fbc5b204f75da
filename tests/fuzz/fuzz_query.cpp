// Fuzz target: the query path (normalisation, tokenisation, synonyms, typo and prefix matching,
// scoring, snippets) against the project's own knowledge base.
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "builder.h"
#include "lantern/bundle.h"
#include "lantern/search.h"
#include "lantern/signing.h"

namespace {
std::string g_bytes;
std::unique_ptr<lantern::kb::Bundle> g_bundle;
std::unique_ptr<lantern::search::Searcher> g_searcher;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace lantern;
  kbtool::BundleBuilder b;
  if (!b.add_input(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/content")) std::abort();
  std::ifstream in(std::string(LANTERN_SOURCE_DIR) + "/kb-bundle/synonyms.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  if (!b.add_synonyms(ss.str(), "synonyms.txt")) std::abort();
  auto bytes = b.build(0);
  if (!bytes || !kb::seal_bundle(*bytes, "")) std::abort();
  g_bytes = std::move(*bytes);
  auto opened = kb::Bundle::open(reinterpret_cast<const std::uint8_t*>(g_bytes.data()), g_bytes.size());
  if (!opened) std::abort();
  g_bundle = std::make_unique<kb::Bundle>(std::move(*opened));
  g_searcher = std::make_unique<search::Searcher>(*g_bundle);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lantern;
  if (size == 0) return 0;
  // First byte picks the options; the rest is the query.
  search::Options o;
  static const char* kLangs[] = {"", "en", "zh-CN", "zh", "fr"};
  o.lang = kLangs[data[0] % 5];
  o.top = 1 + (data[0] >> 3) % 20;
  o.snippets = (data[0] & 4) != 0;
  std::string q(reinterpret_cast<const char*>(data + 1), size - 1);
  auto r = g_searcher->search(q, o);
  if (r) (void)search::hits_to_json(*r, 0);
  return 0;
}
