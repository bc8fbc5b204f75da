# Media (screenshots attached to tickets): native only; included from sdk/CMakeLists.txt.
# Debian's maintained codecs through pkg-config (apt: libspng-dev libjpeg62-turbo-dev libwebp-dev
# pkg-config); zlib only to name the chunk in PNG checksum errors.
if(NOT EMSCRIPTEN)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(LANTERN_IMAGE_CODECS REQUIRED IMPORTED_TARGET spng libjpeg libwebp zlib)
  file(GLOB LANTERN_MEDIA_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/src/media/*.cpp)
  add_library(lantern_media STATIC ${LANTERN_MEDIA_SRC})
  target_link_libraries(lantern_media PUBLIC lantern_core PRIVATE PkgConfig::LANTERN_IMAGE_CODECS)
  target_compile_options(lantern_media PRIVATE -Wall -Wextra)
endif()
