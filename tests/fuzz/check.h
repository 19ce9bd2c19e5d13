// What a fuzz target asserts. Not assert(): it must hold in every build type, and a failure
// must crash so that libFuzzer keeps the input.
#pragma once

#include <cstdio>
#include <cstdlib>

#define LIQUIDA_FUZZ_CHECK(cond)                                                               \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (false)
