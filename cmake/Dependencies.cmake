# Dependencies, all from Debian: packages natively, source packages (third_party/src, fetched by
# scripts/install-deps.sh) for what WebAssembly must compile itself.

if(NOT EXISTS ${LANTERN_THIRD_PARTY}/snowball/compiler/driver.c)
  message(FATAL_ERROR "Snowball's source is missing in ${LANTERN_THIRD_PARTY}: run scripts/install-deps.sh")
endif()

find_program(LANTERN_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH REQUIRED)

# Header-only libraries. WebAssembly must not see /usr/include (glibc headers would shadow the
# sysroot), so nlohmann and doctest are exposed through a folder of symlinks.
set(LANTERN_HOSTINC ${CMAKE_BINARY_DIR}/hostinc)
foreach(dir nlohmann doctest)
  if(NOT EXISTS ${LANTERN_HOSTINC}/${dir})
    file(MAKE_DIRECTORY ${LANTERN_HOSTINC})
    file(CREATE_LINK /usr/include/${dir} ${LANTERN_HOSTINC}/${dir} SYMBOLIC)
  endif()
endforeach()
add_library(lantern_hostinc INTERFACE)
target_include_directories(lantern_hostinc SYSTEM INTERFACE ${LANTERN_HOSTINC})
# nlohmann_json for the core: Debian's CMake package natively, the symlinked headers in WebAssembly.
add_library(lantern_json INTERFACE)
if(EMSCRIPTEN)
  target_link_libraries(lantern_json INTERFACE lantern_hostinc)
  target_compile_definitions(lantern_json INTERFACE JSON_NOEXCEPTION)
endif()

# Snowball English stemmer: build the Snowball compiler with the host C compiler once, generate
# the stemmer's C source, then compile that for the target (native or WebAssembly).
set(SNOWBALL_OUT ${CMAKE_BINARY_DIR}/snowball)
if(NOT EXISTS ${SNOWBALL_OUT}/src_c/stem_UTF_8_english.c)
  find_program(HOST_CC NAMES cc gcc clang REQUIRED)
  file(MAKE_DIRECTORY ${SNOWBALL_OUT}/src_c ${SNOWBALL_OUT}/runtime)
  file(GLOB SNOWBALL_COMPILER_SRC ${LANTERN_THIRD_PARTY}/snowball/compiler/*.c)
  execute_process(COMMAND ${HOST_CC} -O1 -o ${SNOWBALL_OUT}/snowball ${SNOWBALL_COMPILER_SRC}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "building the Snowball compiler failed")
  endif()
  execute_process(COMMAND ${SNOWBALL_OUT}/snowball ${LANTERN_THIRD_PARTY}/snowball/algorithms/english.sbl
                          -o ${SNOWBALL_OUT}/src_c/stem_UTF_8_english -eprefix english_UTF_8_ -r ../runtime -u
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "generating the English stemmer failed")
  endif()
  file(COPY ${LANTERN_THIRD_PARTY}/snowball/runtime/ DESTINATION ${SNOWBALL_OUT}/runtime)
endif()
add_library(lantern_snowball STATIC
  ${SNOWBALL_OUT}/src_c/stem_UTF_8_english.c
  ${SNOWBALL_OUT}/runtime/api.c
  ${SNOWBALL_OUT}/runtime/utilities.c)
target_include_directories(lantern_snowball PUBLIC ${SNOWBALL_OUT})
set_target_properties(lantern_snowball PROPERTIES POSITION_INDEPENDENT_CODE ON)

# mbedTLS: Debian's libmbedtls-dev natively; for WebAssembly, the verification subset compiled
# from Debian's source package with a minimal configuration.
if(EMSCRIPTEN)
  set(MBEDTLS_SRC ${LANTERN_THIRD_PARTY}/mbedtls)
  if(NOT EXISTS ${MBEDTLS_SRC}/library/ecdsa.c)
    message(FATAL_ERROR "mbedTLS source is missing in ${MBEDTLS_SRC}: run scripts/install-deps.sh")
  endif()
  set(_m ${MBEDTLS_SRC}/library)
  add_library(lantern_mbedcrypto STATIC
    ${_m}/asn1parse.c ${_m}/asn1write.c ${_m}/base64.c ${_m}/bignum.c ${_m}/ecdsa.c ${_m}/ecp.c
    ${_m}/ecp_curves.c ${_m}/md.c ${_m}/oid.c ${_m}/pem.c ${_m}/pk.c ${_m}/pk_wrap.c ${_m}/pkparse.c
    ${_m}/pkwrite.c ${_m}/platform_util.c ${_m}/sha256.c ${_m}/constant_time.c)
  target_include_directories(lantern_mbedcrypto PUBLIC ${MBEDTLS_SRC}/include ${CMAKE_SOURCE_DIR}/cmake/mbedtls)
  target_compile_definitions(lantern_mbedcrypto PUBLIC MBEDTLS_CONFIG_FILE="lantern_mbedtls_config.h")
  add_library(lantern_mbedtls_all INTERFACE)
  target_link_libraries(lantern_mbedtls_all INTERFACE lantern_mbedcrypto)
else()
  find_path(MBEDTLS_INCLUDE_DIR mbedtls/ecdsa.h REQUIRED)
  find_library(MBEDCRYPTO_LIB mbedcrypto REQUIRED)
  find_library(MBEDX509_LIB mbedx509 REQUIRED)
  find_library(MBEDTLS_LIB mbedtls REQUIRED)
  add_library(lantern_mbedcrypto INTERFACE)
  target_include_directories(lantern_mbedcrypto SYSTEM INTERFACE ${MBEDTLS_INCLUDE_DIR})
  target_link_libraries(lantern_mbedcrypto INTERFACE ${MBEDCRYPTO_LIB})
  add_library(lantern_mbedtls_all INTERFACE)
  target_link_libraries(lantern_mbedtls_all INTERFACE ${MBEDTLS_LIB} ${MBEDX509_LIB} ${MBEDCRYPTO_LIB})
  find_package(nlohmann_json 3 REQUIRED)
  find_package(doctest REQUIRED)
  target_link_libraries(lantern_json INTERFACE nlohmann_json::nlohmann_json)
endif()
