# liblantern: the C ABI (include/lantern/lantern.h) over the core, as a shared library that
# exports only lantern_* and a static archive that holds every object an app needs except
# mbedTLS and the C++ runtime. Installed with `cmake --install <build> --component sdk`.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LANTERN_SOVERSION 0)

add_library(lantern SHARED src/capi/lantern.cpp)
target_include_directories(lantern PRIVATE include src)
target_link_libraries(lantern PRIVATE lantern_native lantern_core)
target_compile_definitions(lantern PRIVATE LANTERN_SHARED_BUILD)
target_compile_options(lantern PRIVATE -Wall -Wextra)
set_target_properties(lantern PROPERTIES
  OUTPUT_NAME lantern VERSION ${PROJECT_VERSION} SOVERSION ${LANTERN_SOVERSION}
  CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/sdk/lib)
if(APPLE)
  target_link_options(lantern PRIVATE -Wl,-exported_symbols_list,${CMAKE_CURRENT_SOURCE_DIR}/src/capi/lantern.exp)
else()
  # Everything but lantern_* stays local, including the core's C++ symbols and those of the
  # static archives linked in (--exclude-libs), so two copies of the core never collide.
  target_link_options(lantern PRIVATE -Wl,--version-script=${CMAKE_CURRENT_SOURCE_DIR}/src/capi/lantern.map
                      -Wl,--exclude-libs,ALL)
  if(NOT LANTERN_FUZZ)  # sanitizer runtimes resolve only in the executable
    target_link_options(lantern PRIVATE -Wl,--no-undefined)
  endif()
  set_property(TARGET lantern APPEND PROPERTY LINK_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/capi/lantern.map)
endif()

# The static archive: the same objects in one file (the core, its native seams, Snowball).
add_library(lantern_static STATIC src/capi/lantern.cpp
  $<TARGET_OBJECTS:lantern_core> $<TARGET_OBJECTS:lantern_native> $<TARGET_OBJECTS:lantern_snowball>)
add_dependencies(lantern_static lantern_core lantern_native lantern_snowball)
target_include_directories(lantern_static PRIVATE include src ${MBEDTLS_INCLUDE_DIR})
target_compile_options(lantern_static PRIVATE -Wall -Wextra)
set_target_properties(lantern_static PROPERTIES OUTPUT_NAME lantern POSITION_INDEPENDENT_CODE ON
  ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/sdk/lib)
# In-tree users (tests) get the link dependencies the installed package declares.
find_package(Threads REQUIRED)
target_link_libraries(lantern_static INTERFACE ${MBEDTLS_LIB} ${MBEDX509_LIB} ${MBEDCRYPTO_LIB} Threads::Threads)
target_include_directories(lantern_static INTERFACE $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)
target_include_directories(lantern INTERFACE $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>)

install(TARGETS lantern lantern_static COMPONENT sdk
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/lantern/lantern.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lantern COMPONENT sdk)

# Link line for the static archive, as the package files write it.
set(LANTERN_SHARED_FILE ${CMAKE_SHARED_LIBRARY_PREFIX}lantern${CMAKE_SHARED_LIBRARY_SUFFIX})
set(LANTERN_STATIC_FILE ${CMAKE_STATIC_LIBRARY_PREFIX}lantern${CMAKE_STATIC_LIBRARY_SUFFIX})
set(LANTERN_STATIC_DEPS "-lmbedtls -lmbedx509 -lmbedcrypto -lstdc++ -lm -lpthread")
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/LanternConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/LanternConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Lantern
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/LanternConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
# Relocatable: the prefix is found from the .pc file's own folder (cmake --install --prefix X).
file(RELATIVE_PATH LANTERN_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(${CMAKE_SOURCE_DIR}/cmake/lantern.pc.in ${CMAKE_CURRENT_BINARY_DIR}/lantern.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/LanternConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/LanternConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Lantern COMPONENT sdk)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/lantern.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT sdk)
