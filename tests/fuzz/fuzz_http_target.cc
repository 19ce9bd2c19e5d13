// gateway::parse_target and percent_decode on any request target (gateway/http_target.h):
// never a crash; the path is the text before the first '?' as sent; at most kMaxQueryParams
// parameters; decoding never lengthens a text and leaves one without '%' or '+' as it is.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/http_target.h"
#include "tests/fuzz/check.h"

namespace gateway = liquida::gateway;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    const std::string decoded = gateway::percent_decode(input);
    LIQUIDA_FUZZ_CHECK(decoded.size() <= input.size());
    if (input.find_first_of("%+") == std::string_view::npos) LIQUIDA_FUZZ_CHECK(decoded == input);

    const auto target = gateway::parse_target(input);
    if (!target) {
        LIQUIDA_FUZZ_CHECK(!target.error().message.empty());
        return 0;
    }
    LIQUIDA_FUZZ_CHECK(target->path == input.substr(0, input.find('?')));
    LIQUIDA_FUZZ_CHECK(target->query.size() <= gateway::kMaxQueryParams);
    for (const auto& [name, value] : target->query) LIQUIDA_FUZZ_CHECK(name.size() + value.size() < input.size());
    return 0;
}
