// Bundle integrity and signatures: ECDSA P-256 over SHA-256 of the whole bundle content
// (everything before the 144-byte trailer), with mbedTLS.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lantern/result.h"

namespace lantern::kb {

// Checks the content hash only (for unsigned bundles and local files). Errors: truncated,
// bad_format, tampered.
Status check_integrity(const std::uint8_t* data, std::size_t size);

// Checks the content hash and the signature against a PEM public key. Errors say which check
// failed: truncated, bad_format, tampered (content changed), unsigned_bundle, wrong_key (signed
// by a different key), crypto_error (the key itself cannot be read).
Status verify_bundle(const std::uint8_t* data, std::size_t size, std::string_view public_key_pem);

// Hex of the first 8 bytes of SHA-256 over the key's DER SubjectPublicKeyInfo.
Result<std::string> public_key_id(std::string_view public_key_pem);

// Authoring side (native only): key generation and signing.
struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};
Result<KeyPair> generate_keypair();
// Fills the trailer of a built bundle: hash always, signature when a private key is given.
Status seal_bundle(std::string& bundle, std::string_view private_key_pem);

}  // namespace lantern::kb
