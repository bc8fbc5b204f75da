// Fuzz target: the bundle reader on hostile bytes (open, every accessor, search, verification).
#include <cstdint>
#include <cstring>
#include <string>

#include "lantern/bundle.h"
#include "lantern/search.h"
#include "lantern/signing.h"

namespace {
// A fixed P-256 public key: verification must fail cleanly for every input.
const char* kKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
    "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
    "-----END PUBLIC KEY-----\n";
}

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

namespace {
void exercise(const std::uint8_t* data, std::size_t size) {
  using namespace lantern;
  auto b = kb::Bundle::open(data, size);
  if (!b) return;
  for (std::uint32_t i = 0; i < b->article_count() && i < 64; ++i) {
    kb::Article a = b->article(i);
    (void)b->find_article(a.id);
    (void)b->blocks(i);
    (void)b->plain_text(i);
  }
  for (std::uint32_t i = 0; i < b->term_count() && i < 256; ++i) {
    kb::PostingCursor c = b->postings(i);
    kb::Posting p;
    while (c.next(p)) {
    }
  }
  search::Searcher s(*b);
  for (const char* q : {"wallet", "提币未到账", "withdrawl pend", "币", "usdt 提"}) {
    search::Options o;
    o.top = 5;
    (void)s.search(q, o);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lantern;
  (void)kb::check_integrity(data, size);
  (void)kb::verify_bundle(data, size, kKey);
  exercise(data, size);
  // Most mutations break the size or trailer check first; repair those in a copy so the
  // fuzzer also reaches the section, article, index and block parsers.
  if (size >= kb::kHeaderSize + kb::kTrailerSize) {
    std::string copy(reinterpret_cast<const char*>(data), size);
    std::uint64_t content = size - kb::kTrailerSize;
    for (int i = 0; i < 8; ++i) copy[16 + i] = char((content >> (8 * i)) & 0xFF);
    std::memcpy(&copy[content], kb::kTrailerMagic, 8);
    exercise(reinterpret_cast<const std::uint8_t*>(copy.data()), copy.size());
  }
  return 0;
}
