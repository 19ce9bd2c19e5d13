// Commands in and events out as JSON, for the HTTP gateway and the topic stream; and which
// role may issue which command.
//
// Value formats, both ways:
//   text              JSON string                       "razon_social": "Pérez, Ana"
//   obra social id    JSON string                       "obra_social": "sancor"
//   money (centavos)  JSON integer; floats and strings are refused   "amount": 1983997
//   other numbers     JSON integer within the member's range (uint32: 0..4294967295)
//   date              "YYYY-MM-DD"                      "issued_on": "2025-06-25"
//   period            "YYYY-MM"                         "period": "2025-06"
//   instant           integer ms since the Unix epoch (UTC); on input also ISO-8601 with
//                     seconds and an offset: "2025-06-25T10:55:00-03:00", "...Z", ".250" ms
//   enums             snake_case name                   "iva": "responsable_inscripto"
//   nested structs    objects, lists as arrays          "transaction": {"boca": 88, ...}
//
// A command body is one object: {"command": "load_order", "provider": 1042, "command_id":
// "...", ...the command's members, named as in domain/commands.h}. Booleans, texts, lists and
// optional members may be omitted or null (false, "", [], none: the domain then says what is
// missing, as order.id_required); every other member (numbers except a budget line's tooth,
// money, dates, periods, enums, obra social ids, nested objects) is required. Unknown members
// are refused, so a typo is never silently ignored.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/commands.h"
#include "domain/error.h"
#include "domain/events.h"
#include "domain/result.h"
#include "events/envelope.h"
#include "gateway/auth.h"

namespace liquida::gateway {

// Limits of a command body (docs/SECURITY.md). Past one: request.too_long, field named.
inline constexpr size_t kMaxCommandId = 128;       // bytes of command_id or Idempotency-Key
inline constexpr size_t kMaxTextBytes = 200;       // any text member, obra social ids included
inline constexpr size_t kMaxFreeTextBytes = 2000;  // clinical_summary and reason
inline constexpr size_t kMaxListItems = 200;       // any list member...
inline constexpr size_t kMaxBudgetLines = 64;      // ...but a budget's lines

// A command as posted to POST /v1/commands.
struct CommandRequest {
    std::string name;             // "load_order"
    domain::ProviderId provider;  // whose ledger decides it; >= 1
    std::string command_id;       // optional in the body ("command_id"); empty when absent
    domain::Command command;
};

// The body as a CommandRequest, or the first problem found, as DomainError{code, message
// (Spanish), field (path: "transaction.number", "lines[2].tooth")}. Codes:
//   request.invalid_json     not JSON, not an object, or nested deeper than 64 levels
//   request.unknown_command  "command" names no command (field "command")
//   request.unknown_field    a member the command does not have (field: its path); reported
//                            before any other problem of the same object
//   request.missing_field    a required member absent or null
//   request.wrong_type       a member of the wrong JSON type (the message says which is expected)
//   request.invalid_value    a bad date, period, instant or enum name; a number out of range
//                            (negative where unsigned, provider 0); command_id over
//                            kMaxCommandId bytes or with other than visible ASCII
//   request.too_long         a text or a list over its limit (above)
// Never throws; any input, however large or malformed, yields a value or an error.
result<CommandRequest, domain::DomainError> parse_command(std::string_view body);

// SHA-256 (hex) of the command's JSON body as to_json writes it, without its id: the
// fingerprint (service::CommandService::execute) of commands that have no body of their own,
// the demo feed's.
std::string command_digest(domain::ProviderId provider, const domain::Command& command);

// 1 to kMaxCommandId bytes of visible ASCII (no spaces or control characters).
bool valid_command_id(std::string_view id) noexcept;

// The body parse_command reads back into the same request (every member written; optionals
// without a value as null; instants as integer ms). For load generators and the demo feed.
nlohmann::json to_json(const CommandRequest& request);

// Stable snake_case name of a command kind: "register_provider", "ingresar_invoice".
std::string_view command_name(const domain::Command& command) noexcept;
// Every command name, in domain::Command variant order.
const std::vector<std::string>& command_names();

// Who may issue which command: each command's line in gateway/json.cc (LIQUIDA_COMMAND, with the
// rule that says why); docs/API.md prints the table and GET /v1/meta serves it. Scope (which
// provider or obra social) is checked apart: see obra_social_of and gateway/auth.h.
bool may_issue(Role role, const domain::Command& command) noexcept;
bool may_issue(Role role, size_t command_index) noexcept;  // the kind at that index of domain::Command

// The command's own obra social member when it has one (adhere_to_obra_social, load_order,
// check_eligibility, issue_token, submit_budget, issue_invoice, issue_payment_order,
// apply_retentions, pay_provider), to scope an obra social's token. nullopt for the others:
// those name an invoice or transaction, whose obra social is in the provider's ledger.
std::optional<domain::ObraSocialId> obra_social_of(const domain::Command& command);

// The event's members: the names of events/schema/envelope.fbs (they equal the
// C++ members) and the value formats above, without the kind (RetentionApplied has a member
// named "kind"; the envelope carries the event kind beside its payload). An enum value this build
// does not know is written as its number. Texts are copied as they are: dump with
// nlohmann::json::error_handler_t::replace when events come from outside (not UTF-8 checked).
nlohmann::json to_json(const domain::Event& event);

// {"event_id": "8-4-4-4-12 hex", "occurred_at": ms, "recorded_at": ms, "actor_id",
//  "actor_role": "system" | "colegio" | "prestador" | "obra_social", "command_id",
//  "correlation_id", "schema_version", "provider_id": 1042, "kind": "order_loaded",
//  "payload": {...the event's members}}
nlohmann::json to_json(const events::Envelope& envelope);

}  // namespace liquida::gateway
