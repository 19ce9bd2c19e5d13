// Who may issue which command, applied the same way to POST /v1/commands and to
// `liquida import`: the role matrix (gateway/json.h may_issue), a prestador on its own data
// only, an obra social on what is its own only (the command's obra social, or that of the
// invoice, transaction or order it names, read from the provider's ledger).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/auth.h"
#include "gateway/json.h"
#include "service/command_service.h"

namespace liquida::gateway {

// Why not: `auth.forbidden` with its Spanish message, or the ledger that could not be read
// (`unavailable`: nothing was decided, try again).
struct IssueRefusal {
    bool unavailable = false;
    std::string code;
    std::string message;
};

std::optional<IssueRefusal> may_not_issue(service::CommandService& commands, Role role, std::string_view subject,
                                          const CommandRequest& request);

// The issuer of a command from a token's role and subject: "prestador:1042" scopes its ids.
service::Issuer issuer_of(Role role, std::string_view subject, std::string user = {});

}  // namespace liquida::gateway
