#include "gateway/command_policy.h"

namespace liquida::gateway {

namespace {

events::ActorRole actor_role(Role r) {
    switch (r) {
        case Role::colegio: return events::ActorRole::colegio;
        case Role::prestador: return events::ActorRole::prestador;
        case Role::obra_social: return events::ActorRole::obra_social;
    }
    return events::ActorRole::system;
}

// The obra social a command acts on: its own field, else the presentation, invoice, transaction
// or order it names, looked up in the provider's (or the colegio's) ledger.
events::result<std::optional<domain::ObraSocialId>> command_obra_social(service::CommandService& commands, domain::ProviderId provider,
                                                                        const domain::Command& c) {
    if (auto os = obra_social_of(c)) return os;
    std::optional<domain::ObraSocialId> out;
    auto found = commands.with(provider, [&](const domain::ProviderLedger& l) {
        std::visit(
            [&](const auto& cmd) {
                if constexpr (requires { cmd.presentation; }) {  // F6: the colegio's, provider is kColegio
                    if (auto it = l.presentations.presentations.find(cmd.presentation); it != l.presentations.presentations.end())
                        out = it->second.submitted.obra_social;
                } else if constexpr (requires { cmd.invoice_id; }) {
                    if (auto it = l.invoices.invoices.find(cmd.invoice_id); it != l.invoices.invoices.end())
                        out = it->second.issued.obra_social;
                } else if constexpr (requires { cmd.transaction; }) {
                    if (auto it = l.authorizations.budgets.find(domain::key_of(cmd.transaction)); it != l.authorizations.budgets.end())
                        out = it->second.submitted.obra_social;
                } else if constexpr (requires { cmd.order_id; }) {
                    if (auto it = l.orders.orders.find(cmd.order_id); it != l.orders.orders.end()) out = it->second.loaded.obra_social;
                }
            },
            c);
    });
    if (!found) return failure(std::move(found).error());
    return out;
}

}  // namespace

std::optional<IssueRefusal> may_not_issue(service::CommandService& commands, Role role, std::string_view subject,
                                          const CommandRequest& request) {
    const auto forbidden = [](std::string message) {
        return IssueRefusal{false, std::string(ApiCode("auth.forbidden").name()), std::move(message)};
    };
    if (!may_issue(role, request.command)) return forbidden("Este rol no puede emitir este comando.");
    if (role == Role::prestador && std::to_string(request.provider.value()) != subject)
        return forbidden("Un prestador sólo opera sobre sus propios datos.");
    if (role == Role::obra_social) {
        const auto os = command_obra_social(commands, request.provider, request.command);
        if (!os) return IssueRefusal{true, code_name(os.error().code), "No se pudo leer el estado: " + os.error().message};
        if (!*os || (*os)->value() != subject) return forbidden("Una obra social sólo opera sobre lo suyo.");
    }
    return std::nullopt;
}

service::Issuer issuer_of(Role role, std::string_view subject, std::string user) {
    return {actor_role(role), std::string(role_name(role)) + ":" + std::string(subject), std::move(user)};
}

}  // namespace liquida::gateway
