#include "gateway/ws_messages.h"

#include <nlohmann/json.hpp>

namespace liquida::gateway {

using nlohmann::json;

namespace {

std::optional<projections::View> view_named(std::string_view name) {
    for (auto v : projections::kViews)
        if (projections::view_name(v) == name) return v;
    return std::nullopt;
}

MessageError wrong_filter() { return {"request.wrong_type", "Filtro inválido (id, provider, obra_social, period)."}; }

}  // namespace

ClientMessage parse_client_message(std::string_view text) {
    const json msg = json::parse(text, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) return MessageError{"request.invalid_json", "Se esperaba un objeto JSON."};
    if (msg.contains("auth")) return AuthMessage{msg["auth"].is_string() ? msg["auth"].get<std::string>() : std::string()};
    if (msg.contains("unsubscribe") && msg["unsubscribe"].is_string()) return UnsubscribeMessage{msg["unsubscribe"].get<std::string>()};
    if (!msg.contains("subscribe") || !msg["subscribe"].is_string())
        return MessageError{"request.unknown_message", "Se esperaba subscribe, unsubscribe o auth."};
    const auto view = view_named(msg["subscribe"].get<std::string>());
    if (!view) return MessageError{"request.unknown_view", "Vista desconocida."};
    SubscribeMessage out;
    Subscription& sub = out.subscription;
    sub.view = *view;
    sub.id = msg["subscribe"].get<std::string>();
    if (msg.contains("id")) {
        if (!msg["id"].is_string()) return wrong_filter();
        sub.id = msg["id"].get<std::string>();
    }
    if (msg.contains("provider")) {
        if (!msg["provider"].is_number_unsigned()) return wrong_filter();  // -1 would wrap
        sub.provider = domain::ProviderId{msg["provider"].get<uint64_t>()};
    }
    if (msg.contains("obra_social")) {
        if (!msg["obra_social"].is_string()) return wrong_filter();
        sub.obra_social = msg["obra_social"].get<std::string>();
    }
    if (msg.contains("period")) {
        if (!msg["period"].is_string()) return wrong_filter();
        sub.period = domain::parse_period(msg["period"].get<std::string>());
        if (!sub.period) return wrong_filter();
    }
    if (sub.id.size() > kMaxSubscriptionId || sub.obra_social.size() > kMaxObraSocialId)
        return MessageError{"request.too_long", "El id de la suscripción o la obra social es demasiado largo."};
    if (msg.contains("resume_from") && msg["resume_from"].is_number_unsigned()) out.resume_from = msg["resume_from"].get<uint64_t>();
    // A filter the view's rows do not carry would match no change (and the snapshot ignores it).
    if (sub.view == projections::View::padron) sub.obra_social.clear();
    if (sub.view == projections::View::padron || sub.view == projections::View::pending) sub.period.reset();
    return out;
}

}  // namespace liquida::gateway
