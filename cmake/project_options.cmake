# Warnings and sanitizers are INTERFACE targets that every library links, not global flags.
add_library(liquida_warnings INTERFACE)
target_compile_options(liquida_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
# GCC 12 at -O2/-O3 reports std::optional<int64_t> results of the checked money helpers
# (domain/money.h) as maybe uninitialized once inlined: GCC PR 80635, a false positive. Debug
# and ASan builds, and clang, keep the warning.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(liquida_warnings INTERFACE "$<$<CONFIG:Release,RelWithDebInfo>:-Wno-maybe-uninitialized>")
endif()
if(LIQUIDA_WARNINGS_AS_ERRORS)
  target_compile_options(liquida_warnings INTERFACE -Werror)
endif()

add_library(liquida_sanitizers INTERFACE)
if(LIQUIDA_SANITIZE)
  target_compile_options(liquida_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(liquida_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

add_library(liquida_options INTERFACE)
target_link_libraries(liquida_options INTERFACE liquida_warnings liquida_sanitizers)
# Include by module path: #include "events/log.h".
target_include_directories(liquida_options INTERFACE ${PROJECT_SOURCE_DIR})
