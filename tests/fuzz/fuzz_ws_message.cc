// gateway::parse_client_message on any websocket text (gateway/ws_messages.h): a message or a
// MessageError, never a throw; a subscription keeps within its limits and names a view.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "gateway/ws_messages.h"
#include "tests/fuzz/check.h"

namespace gateway = liquida::gateway;

namespace {

struct Check {
    void operator()(const gateway::AuthMessage&) const {}
    void operator()(const gateway::SubscribeMessage& m) const {
        LIQUIDA_FUZZ_CHECK(m.subscription.id.size() <= gateway::kMaxSubscriptionId);
        LIQUIDA_FUZZ_CHECK(m.subscription.obra_social.size() <= gateway::kMaxObraSocialId);
        LIQUIDA_FUZZ_CHECK(!liquida::projections::view_name(m.subscription.view).empty());
        if (m.subscription.period) LIQUIDA_FUZZ_CHECK(m.subscription.period->month >= 1 && m.subscription.period->month <= 12);
    }
    void operator()(const gateway::UnsubscribeMessage&) const {}
    void operator()(const gateway::MessageError& e) const {
        LIQUIDA_FUZZ_CHECK(e.code.name().starts_with("request."));
        LIQUIDA_FUZZ_CHECK(!e.message.empty());
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::visit(Check{}, gateway::parse_client_message(std::string_view(reinterpret_cast<const char*>(data), size)));
    return 0;
}
