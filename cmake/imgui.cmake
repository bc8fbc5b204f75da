# Dear ImGui 1.86 from Debian's source package (third_party/src/imgui), for both targets.
# IMGUI_ENABLE_TEST_ENGINE turns on the item hooks the accessibility tree is built from
# (widget/src/a11y.cpp implements them); nothing of the real test engine is linked.
set(IMGUI_DIR ${LANTERN_THIRD_PARTY}/imgui)
if(NOT EXISTS ${IMGUI_DIR}/imgui.cpp)
  message(FATAL_ERROR "Dear ImGui's source is missing in ${IMGUI_DIR}: run scripts/install-deps.sh")
endif()
add_library(lantern_imgui STATIC
  ${IMGUI_DIR}/imgui.cpp ${IMGUI_DIR}/imgui_draw.cpp ${IMGUI_DIR}/imgui_tables.cpp ${IMGUI_DIR}/imgui_widgets.cpp)
target_include_directories(lantern_imgui SYSTEM PUBLIC ${IMGUI_DIR})
target_compile_definitions(lantern_imgui PUBLIC IMGUI_ENABLE_TEST_ENGINE IMGUI_DISABLE_OBSOLETE_FUNCTIONS
                           IMGUI_DISABLE_DEMO_WINDOWS IMGUI_DISABLE_METRICS_WINDOW)
if(EMSCRIPTEN)
  target_compile_definitions(lantern_imgui PUBLIC IMGUI_DISABLE_FILE_FUNCTIONS)
endif()
set_target_properties(lantern_imgui PROPERTIES POSITION_INDEPENDENT_CODE ON)

# The OpenGL 3 / WebGL2 renderer backend (both targets) and GLFW (native only).
add_library(lantern_imgui_gl STATIC ${IMGUI_DIR}/backends/imgui_impl_opengl3.cpp)
target_include_directories(lantern_imgui_gl SYSTEM PUBLIC ${IMGUI_DIR}/backends)
target_link_libraries(lantern_imgui_gl PUBLIC lantern_imgui)
if(EMSCRIPTEN)
  # Without this 1.86 picks ES2/WebGL1 on emscripten.
  target_compile_definitions(lantern_imgui_gl PUBLIC IMGUI_IMPL_OPENGL_ES3)
endif()
