// What a client sends on /v1/live, parsed and bounded before anything acts on it. Transport
// only: who may see what is decided by the caller (gateway/app.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/codes.h"
#include "gateway/live.h"

namespace liquida::gateway {

// Limits of a client message (docs/SECURITY.md); a longer one is refused with request.too_long.
inline constexpr size_t kMaxSubscriptionId = 64;
inline constexpr size_t kMaxObraSocialId = 64;

struct AuthMessage {
    std::string token;  // empty when "auth" was not a string: the token check refuses it
};
struct SubscribeMessage {
    Subscription subscription;
    std::optional<uint64_t> resume_from;
};
struct UnsubscribeMessage {
    std::string id;
};
// A message refused as it stands: the client gets {"type":"error", code, message}.
struct MessageError {
    ApiCode code;
    std::string message;
};
using ClientMessage = std::variant<AuthMessage, SubscribeMessage, UnsubscribeMessage, MessageError>;

// {"auth": token} | {"subscribe": view, "id"?, "provider"?, "obra_social"?, "period"?,
// "resume_from"?} | {"unsubscribe": id}. Never throws, whatever the text.
ClientMessage parse_client_message(std::string_view text);

}  // namespace liquida::gateway
