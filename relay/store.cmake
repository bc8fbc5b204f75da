# The relay's store (relay/include/lantern/relay/store.h): SQLite in WAL mode with group commit,
# or PostgreSQL through libpq for several relays. Included from relay/CMakeLists.txt. Debian's
# libsqlite3-dev (3.40) provides SQLite::SQLite3, libpq-dev (15) the libpq pkg-config module.
find_package(SQLite3 3.35 REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq>=13)

add_library(lantern_relay_store STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/store/sqlite_db.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/store/sqlite_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/store/ids.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/store/pg_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/store/open_store.cpp)
target_include_directories(lantern_relay_store PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include)
# lantern_native: the system DRBG (make_system_random) behind ids.
target_link_libraries(lantern_relay_store PUBLIC SQLite::SQLite3 PkgConfig::LIBPQ lantern_native lantern_core Threads::Threads)
target_compile_options(lantern_relay_store PRIVATE -Wall -Wextra)

# Not a test: N threads x M tickets against a store on a real disk, next to that disk's raw
# fsync rate. Run: lantern-store-bench --dir /var/tmp/bench --threads 16 --tickets 500
add_executable(lantern-store-bench ${CMAKE_CURRENT_LIST_DIR}/src/store/bench_store.cpp)
target_link_libraries(lantern-store-bench PRIVATE lantern_relay_store)
