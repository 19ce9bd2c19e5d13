// Buffers written by every schema version must decode forever. With LIQUIDA_WRITE_GOLDEN=1 the
// test writes the buffers of the current version's kinds that have none yet, and leaves every
// other file as it is (see golden/README.md).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "domain/events.h"
#include "events/codec.h"
#include "tests/support/sample_events.h"

namespace {

std::filesystem::path golden_dir(uint16_t version) {
    return std::filesystem::path(LIQUIDA_SOURCE_DIR "/tests/events/golden") / ("v" + std::to_string(version));
}

std::filesystem::path golden_path(uint16_t version, size_t kind) {
    return golden_dir(version) / (std::string(liquida::domain::event_name(kind)) + ".lqev");
}

bool writing_golden() {
    const char* value = std::getenv("LIQUIDA_WRITE_GOLDEN");
    return value != nullptr && std::string_view(value) == "1";
}

std::string read_file(const std::filesystem::path& path) {
    std::string bytes(std::filesystem::file_size(path), '\0');
    std::ifstream in(path, std::ios::binary);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(in.good());
    return bytes;
}

}  // namespace

TEST_CASE("the golden buffers of every schema version decode to that version's sample envelopes", "[codec][golden]") {
    using liquida::events::kSchemaVersion;
    if (writing_golden()) {  // only the current version's kinds without a file: a written buffer is never rewritten
        std::filesystem::create_directories(golden_dir(kSchemaVersion));
        size_t written = 0;
        for (const auto& sample : liquida::test::sample_envelopes()) {
            const auto path = golden_path(kSchemaVersion, sample.payload.index());
            if (std::filesystem::exists(path)) continue;
            std::ofstream out(path, std::ios::binary);
            out << liquida::events::encode(sample);
            REQUIRE(out.good());
            ++written;
        }
        WARN("wrote " << written << " new golden files to " << golden_dir(kSchemaVersion).string());
        return;
    }
    // A kind's first buffer is in the version current when it was added; from there on every
    // version has one, and the current version has every kind.
    std::vector<bool> seen(liquida::domain::kEventKinds, false);
    for (uint16_t version = 1; version <= kSchemaVersion; ++version) {
        const auto samples = liquida::test::sample_envelopes(version);
        for (size_t kind = 0; kind < liquida::domain::kEventKinds; ++kind) {
            INFO(golden_path(version, kind).string());
            if (!seen[kind] && version < kSchemaVersion && !std::filesystem::exists(golden_path(version, kind))) continue;
            seen[kind] = true;
            REQUIRE(std::filesystem::is_regular_file(golden_path(version, kind)));
            const std::string buffer = read_file(golden_path(version, kind));
            const auto decoded = liquida::events::decode(buffer);
            REQUIRE(decoded.has_value());
            CHECK(decoded->payload.index() == kind);
            CHECK(*decoded == samples.at(kind));
        }
    }
}

TEST_CASE("every golden file names a known event kind", "[codec][golden]") {
    for (uint16_t version = 1; version <= liquida::events::kSchemaVersion; ++version)
        for (const auto& entry : std::filesystem::directory_iterator(golden_dir(version))) {
            INFO(entry.path().string());
            CHECK(entry.path().extension() == ".lqev");
            bool known = false;
            for (size_t kind = 0; kind < liquida::domain::kEventKinds; ++kind) known = known || entry.path() == golden_path(version, kind);
            CHECK(known);
        }
}
