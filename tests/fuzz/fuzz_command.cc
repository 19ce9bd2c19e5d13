// gateway::parse_command on any body (gateway/json.h): a request or an error with a documented
// code, never a throw; an error renders as JSON text; an accepted body round-trips:
// parse_command(to_json(request).dump()) accepts it and gives the same JSON again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "gateway/json.h"
#include "tests/fuzz/check.h"

namespace gateway = liquida::gateway;

namespace {

bool documented(std::string_view code) {
    for (std::string_view c : {"request.invalid_json", "request.unknown_command", "request.unknown_field", "request.missing_field",
                               "request.wrong_type", "request.invalid_value", "request.too_long"})
        if (c == code) return true;
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parsed = gateway::parse_command(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!parsed) {
        const auto& e = parsed.error();
        if (!documented(e.code)) std::fprintf(stderr, "undocumented code %s (%s)\n", e.code.c_str(), e.field.c_str());
        LIQUIDA_FUZZ_CHECK(documented(e.code));
        // The gateway sends it as JSON: dump() throws (and the check fails) on invalid UTF-8.
        const nlohmann::json body{{"code", e.code}, {"message", e.message}, {"field", e.field}};
        LIQUIDA_FUZZ_CHECK(!body.dump().empty());
        return 0;
    }
    // A provider's command names one from 1; the colegio's own are decided on its ledger, 0.
    LIQUIDA_FUZZ_CHECK((parsed->provider == liquida::domain::kColegio) == liquida::domain::colegio_command(parsed->command));
    LIQUIDA_FUZZ_CHECK(parsed->name == gateway::command_name(parsed->command));

    const std::string text = gateway::to_json(*parsed).dump();
    const auto again = gateway::parse_command(text);
    if (!again)
        std::fprintf(stderr, "round trip refused: %s (%s)\n%s\n", again.error().code.c_str(), again.error().field.c_str(), text.c_str());
    LIQUIDA_FUZZ_CHECK(again.has_value());
    const std::string text_again = gateway::to_json(*again).dump();
    if (text_again != text) std::fprintf(stderr, "round trip differs:\n%s\n%s\n", text.c_str(), text_again.c_str());
    LIQUIDA_FUZZ_CHECK(text_again == text);
    return 0;
}
