# civetweb 1.15 built from Debian's source package (third_party/src/civetweb, fetched by
# scripts/install-deps.sh) against Debian's mbedTLS 2.28, instead of Debian's libcivetweb: that
# one is built for OpenSSL, and the relay's built-in HTTPS uses mbedTLS like the rest of the project
# (one TLS library). Only civetweb.c is compiled (its .inl modules are #included by it), through
# relay/src/civetweb_tls.c, which adds the TLS settings civetweb's mbedTLS module lacks.
# Static files stay in (the relay's --web); CGI, Lua, Duktape, websockets and zlib stay out.
set(CIVETWEB_SRC ${LANTERN_THIRD_PARTY}/civetweb)
if(NOT EXISTS ${CIVETWEB_SRC}/src/civetweb.c OR NOT EXISTS ${CIVETWEB_SRC}/src/mod_mbedtls.inl)
  message(FATAL_ERROR "civetweb's source is missing in ${CIVETWEB_SRC}: run scripts/install-deps.sh")
endif()
find_package(Threads REQUIRED)

add_library(lantern_civetweb STATIC ${CMAKE_SOURCE_DIR}/relay/src/civetweb_tls.c)
target_include_directories(lantern_civetweb SYSTEM PUBLIC ${CIVETWEB_SRC}/include)
target_include_directories(lantern_civetweb PRIVATE ${CIVETWEB_SRC}/src ${CMAKE_SOURCE_DIR}/relay/src)
target_compile_definitions(lantern_civetweb PRIVATE
  USE_MBEDTLS      # TLS through mbedTLS (mod_mbedtls.inl), linked directly: no OpenSSL, no dlopen
  NO_SSL_DL
  NO_CGI           # the relay runs no programs
  USE_IPV6         # --listen [::1]:8080, as Debian's build allows
  SOCKET_TIMEOUT_QUANTUM=250)  # polls wake this often to see a stop: SIGTERM exits in 0.25 s, not 2 s
# civetweb.c is upstream code: its warnings (and mbedTLS 2.28's deprecation notes) are not ours.
target_compile_options(lantern_civetweb PRIVATE -w)
target_link_libraries(lantern_civetweb PUBLIC lantern_mbedtls_all Threads::Threads ${CMAKE_DL_LIBS})
