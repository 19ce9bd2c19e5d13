// GET /v1/meta: what a client needs to show the API's values to a person, each from the one
// place it is defined: the configuration's obras sociales with their names, the Spanish label
// of every event kind, document type and state and retention kind, and who may issue each
// command (the matrix the server enforces), and the business clock (the instant and the
// Argentina date the views are judged by: a demo's, not today's). Any signed-in role: none of
// it is private.
#include "domain/names.h"
#include "gateway/app.h"
#include "gateway/json.h"
#include "gateway/responses.h"

namespace liquida::gateway {

using nlohmann::json;

namespace {

template <size_t N>
json labelled(const std::string_view (&names)[N], const std::string_view (&labels)[N]) {
    json out = json::object();
    for (size_t i = 0; i < N; ++i) out[std::string(names[i])] = labels[i];
    return out;
}

}  // namespace

HttpResponse App::meta_view() const {
    json obras_sociales = json::array();
    for (const auto& os : p_.config.obras_sociales) obras_sociales.push_back({{"id", os.id.value()}, {"name", os.name}});
    json events = json::object();
    for (size_t i = 0; i < domain::kEventKinds; ++i) events[std::string(domain::event_name(i))] = domain::event_label(i);
    json commands = json::object();
    const auto& names = command_names();
    for (size_t i = 0; i < names.size(); ++i) {
        json roles = json::array();
        for (const Role role : {Role::colegio, Role::prestador, Role::obra_social})
            if (may_issue(role, i)) roles.push_back(role_name(role));
        commands[names[i]] = std::move(roles);
    }
    const domain::TimestampMs now = p_.business_clock();
    return ok_json({{"now", now},
                    {"today", domain::to_string(domain::local_date(now))},
                    {"obras_sociales", std::move(obras_sociales)},
                    {"labels",
                     {{"event", std::move(events)},
                      {"document_type", labelled(domain::kDocumentTypeNames, domain::kDocumentTypeLabels)},
                      {"document_status", labelled(domain::kDocumentStatusNames, domain::kDocumentStatusLabels)},
                      {"retention_kind", labelled(domain::kRetentionKindNames, domain::kRetentionKindLabels)}}},
                    {"commands", std::move(commands)}});
}

}  // namespace liquida::gateway
