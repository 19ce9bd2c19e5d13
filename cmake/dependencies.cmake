# Every dependency comes from Debian 12 packages; nothing is downloaded at build time.
find_package(Threads REQUIRED)
find_package(RocksDB REQUIRED CONFIG)
find_package(FlatBuffers REQUIRED CONFIG)
find_program(FLATC flatc REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3 REQUIRED CONFIG)
find_package(absl REQUIRED CONFIG)  # Swiss tables for the views' row caches
find_package(PkgConfig REQUIRED)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# The `liquida` binary allocates with jemalloc: glibc's malloc took over a third of a view
# rebuild's time (docs/PERFORMANCE.md). Not under the sanitizers, which bring their own.
if(NOT LIQUIDA_SANITIZE)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()
if(LIQUIDA_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED CONFIG)
  include(Catch)
endif()

# Compiles .fbs schemas into headers under the build tree; generated code is never committed.
function(liquida_flatc target out_dir)
  set(headers)
  foreach(schema ${ARGN})
    get_filename_component(name ${schema} NAME_WE)
    set(header ${out_dir}/${name}_generated.h)
    add_custom_command(
      OUTPUT ${header}
      COMMAND ${FLATC} --cpp --cpp-std c++17 --cpp-static-reflection --scoped-enums --gen-name-strings --reflect-names
              -o ${out_dir} -I ${CMAKE_CURRENT_SOURCE_DIR}/schema ${schema}
      DEPENDS ${ARGN}
      COMMENT "flatc ${name}.fbs"
      VERBATIM)
    list(APPEND headers ${header})
  endforeach()
  add_custom_target(${target} DEPENDS ${headers})
endfunction()
