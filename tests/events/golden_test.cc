// Buffers written by schema v1 must decode forever. With LIQUIDA_WRITE_GOLDEN=1 the test
// writes the buffers of kinds that have none yet, and leaves every other file as it is
// (see golden/README.md).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "domain/events.h"
#include "events/codec.h"
#include "tests/support/sample_events.h"

namespace {

const std::filesystem::path kGoldenDir = LIQUIDA_SOURCE_DIR "/tests/events/golden/v1";

std::filesystem::path golden_path(size_t kind) {
    return kGoldenDir / (std::string(liquida::domain::event_name(kind)) + ".lqev");
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

TEST_CASE("v1 golden buffers decode to the sample envelopes", "[codec][golden]") {
    const auto samples = liquida::test::sample_envelopes();
    if (writing_golden()) {  // only the kinds without a file: a written buffer is never rewritten
        std::filesystem::create_directories(kGoldenDir);
        size_t written = 0;
        for (const auto& sample : samples) {
            const auto path = golden_path(sample.payload.index());
            if (std::filesystem::exists(path)) continue;
            std::ofstream out(path, std::ios::binary);
            out << liquida::events::encode(sample);
            REQUIRE(out.good());
            ++written;
        }
        WARN("wrote " << written << " new golden files to " << kGoldenDir.string());
        return;
    }
    for (size_t kind = 0; kind < liquida::domain::kEventKinds; ++kind) {
        INFO(golden_path(kind).string());
        REQUIRE(std::filesystem::is_regular_file(golden_path(kind)));
        const std::string buffer = read_file(golden_path(kind));
        const auto decoded = liquida::events::decode(buffer);
        REQUIRE(decoded.has_value());
        CHECK(decoded->payload.index() == kind);
        CHECK(*decoded == samples.at(kind));
    }
}

TEST_CASE("every v1 golden file names a known event kind", "[codec][golden]") {
    for (const auto& entry : std::filesystem::directory_iterator(kGoldenDir)) {
        INFO(entry.path().string());
        CHECK(entry.path().extension() == ".lqev");
        bool known = false;
        for (size_t kind = 0; kind < liquida::domain::kEventKinds; ++kind) {
            known = known || entry.path() == golden_path(kind);
        }
        CHECK(known);
    }
}
