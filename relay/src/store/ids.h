// Random identifiers for the store's records. They come from the system DRBG (mbedTLS
// CTR_DRBG), so they cannot be guessed from each other. (Access tokens are not the store's:
// the relay derives them from the ticket id, see relay.cpp.)
// Threading: an Ids object wraps one DRBG and is not thread-safe; each backend keeps one per
// writing thread or connection.
#pragma once
#include <memory>
#include <string>

#include "lantern/result.h"
#include "lantern/seams.h"

namespace lantern::relay {

class Ids {
 public:
  Ids() : random_(make_system_random()) {}
  Result<std::string> ticket_id() { return base32_id("T-"); }      // "T-" + 12 base32 characters
  Result<std::string> attachment_id() { return base32_id("A-"); }  // "A-" + 12 base32 characters
  Result<std::string> event_id();                                  // random UUID, version 4 form

 private:
  Result<std::string> base32_id(const char* prefix);
  std::unique_ptr<Random> random_;
};

}  // namespace lantern::relay
