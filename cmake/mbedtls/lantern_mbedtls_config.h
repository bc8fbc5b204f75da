// mbedTLS configuration for the WebAssembly core: only what verifying a bundle signature needs
// (ECDSA P-256, SHA-256, PEM/DER public keys). No entropy, network or file system.
#ifndef LANTERN_MBEDTLS_CONFIG_H
#define LANTERN_MBEDTLS_CONFIG_H

// Verification only: no secret scalars, so no blinding RNG is needed.
#define MBEDTLS_ECP_NO_INTERNAL_RNG
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C

#include "mbedtls/check_config.h"
#endif
