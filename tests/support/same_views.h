// Two sets of view digests describe the same views: every view, its row count and its SHA-256.
#pragma once

#include <catch2/catch.hpp>

#include <vector>

#include "projections/views.h"

namespace liquida::test {

inline void require_same(const std::vector<projections::ViewDigest>& a, const std::vector<projections::ViewDigest>& b) {
    REQUIRE_FALSE(a.empty());
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        INFO(a[i].view);
        CHECK(a[i].view == b[i].view);
        CHECK(a[i].rows == b[i].rows);
        CHECK(a[i].sha256 == b[i].sha256);
    }
}

}  // namespace liquida::test
