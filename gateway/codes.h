// The codes the gateway answers of its own: the request's shape, sign-in and tokens, users,
// the test clock, views, streams and months. Besides them an answer carries a domain refusal's
// code (domain/codes.h), a month's refusal (replay/months.h), the service's own
// (service/command_service.h) or a module's errc (docs/OPERATIONS.md). docs/API.md lists exactly
// these, the months' and the service's (tests/gateway/codes_doc_test.cc).
#pragma once

#include <string_view>

#include "domain/codes.h"

namespace liquida::gateway {

// clang-format off
inline constexpr std::string_view kApiCodes[] = {
    "auth.bad_credentials", "auth.bad_signature", "auth.expired_token", "auth.forbidden", "auth.locked", "auth.malformed_token",
    "auth.missing_token", "auth.not_a_session", "auth.rate_limited", "auth.revoked_token", "auth.too_many_sessions",
    "clock.backwards", "clock.not_a_test_clock", "clock.unavailable",
    "download.failed",
    "live.too_many_subscriptions",
    "month.report_not_found", "month.unavailable",
    "request.format_not_offered", "request.headers_too_large", "request.invalid_json", "request.invalid_value", "request.malformed",
    "request.method_not_allowed", "request.missing_field", "request.not_found", "request.too_large", "request.too_long",
    "request.unknown_command", "request.unknown_field", "request.unknown_message", "request.unknown_topic", "request.unknown_view",
    "request.wrong_type",
    "server.internal",
    "stream.too_many",
    "user.exists", "user.not_found", "user.store_unavailable", "user.too_many", "user.weak_password",
    "view.as_of_failed", "view.as_of_unavailable", "view.not_found", "view.unavailable",
};
// clang-format on

// A literal not in kApiCodes does not compile.
using ApiCode = domain::Listed<kApiCodes>;

}  // namespace liquida::gateway
