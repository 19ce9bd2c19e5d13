// events::decode on any bytes (events/codec.h): an error or an envelope, never a crash; decode
// accepts only what verify accepts, at any alignment; what it accepts encodes back to a buffer
// that decodes to the same envelope, and renders as the topic stream's JSON (gateway/json.h,
// as gateway/app.cc renders the records it reads from the log).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "events/codec.h"
#include "gateway/json.h"
#include "tests/fuzz/check.h"

namespace events = liquida::events;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto decoded = events::decode(bytes);
    LIQUIDA_FUZZ_CHECK(!decoded || events::verify(std::span(data, size)));

    // The same bytes one byte off alignment (a record inside a larger read buffer).
    std::vector<char> shifted(size + 1);
    if (size > 0) std::memcpy(shifted.data() + 1, data, size);
    const auto decoded_shifted = events::decode(std::string_view(shifted.data() + 1, size));
    LIQUIDA_FUZZ_CHECK(decoded.has_value() == decoded_shifted.has_value());
    if (!decoded) return 0;
    LIQUIDA_FUZZ_CHECK(*decoded == *decoded_shifted);

    const auto again = events::decode(events::encode(*decoded));
    LIQUIDA_FUZZ_CHECK(again.has_value() && *again == *decoded);

    // Texts from outside are not UTF-8 checked: dumped with replacement, as the gateway does.
    const auto text = liquida::gateway::to_json(*decoded).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    LIQUIDA_FUZZ_CHECK(!text.empty());
    return 0;
}
