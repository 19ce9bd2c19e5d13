// Bearer tokens for the gateway: HMAC-SHA256-signed claims (role, subject, expiry), the scope
// rules they grant, and where the signing key comes from.
//
// Token format (v1), compact and URL-safe:
//
//     base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload)))
//
// base64url is RFC 4648 section 5 without padding. The MAC covers the encoded payload text, so
// the token string itself is what is signed (no two spellings of one token). The payload is
//
//     "v1|" role "|" subject "|" expires_at_ms                        (a machine's, `liquida token`)
//     "s1|" role "|" subject "|" expires_at_ms "|" session "|" user     (a person's, POST /v1/login)
//
// role is `colegio`, `prestador` or `obra_social`; subject is 1..128 bytes of [A-Za-z0-9._:@-]
// and, for a prestador, the provider id in canonical decimal ("42", no sign, no leading zero);
// expires_at_ms is milliseconds since the Unix epoch (UTC), canonical decimal, >= 0. A token
// is good while now_ms < expires_at_ms. session is 32 lowercase hex digits naming the session
// (gateway/sessions.h), good only while that session is open; user is the signed-in user's
// name (gateway/users.h).
//
// The key is used as raw bytes: whatever the key file holds (trailing whitespace and newlines
// removed) or LIQUIDA_KEY's value. At least 16 bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "domain/result.h"
#include "events/sha256.h"
#include "gateway/codes.h"

namespace liquida::gateway {

// Who a token speaks for.
enum class Role : uint8_t { colegio, prestador, obra_social };

// "colegio", "prestador", "obra_social".
std::string_view role_name(Role role) noexcept;
std::optional<Role> parse_role(std::string_view name) noexcept;

struct Claims {
    Role role = Role::colegio;
    // prestador: the provider id in decimal; obra_social: the obra social id ("sancor");
    // colegio: any name for who holds it (it grants nothing more).
    std::string subject;
    // Milliseconds since the Unix epoch (UTC); the token is refused from this instant on.
    int64_t expires_at_ms = 0;
    // A person's token (POST /v1/login): the session it belongs to and who signed in.
    // Both empty in a machine's token.
    std::string session = {};
    std::string user = {};
};

// Empty if the subject is acceptable for the role, else why not (for a usage message).
std::string check_subject(Role role, std::string_view subject);

// The v1 token for claims whose subject passes check_subject (asserted). key: >= 16 bytes.
std::string sign(const Claims& claims, std::string_view key);
// The signature's MAC: HMAC-SHA256 (RFC 2104) of `data` under `key`.
events::Hash hmac_sha256(std::string_view key, std::string_view data);

enum class TokenError : uint8_t {
    missing,        // no Authorization header, or not a Bearer one
    malformed,      // not a v1 token (shape, encoding, payload fields)
    bad_signature,  // well formed, but not signed with this key (forged or altered)
    expired,        // signed with this key, but now_ms >= expires_at_ms
    revoked,        // a person's token whose session has ended (logout, password change, restart)
};

// Stable code for responses and logs: "auth.missing_token", "auth.malformed_token",
// "auth.bad_signature", "auth.expired_token", "auth.revoked_token". Every one of them is a 401.
ApiCode token_error_code(TokenError error);

// Checks shape, then the signature (constant-time compare), then the payload, then expiry.
result<Claims, TokenError> verify(std::string_view token, std::string_view key, int64_t now_ms);

// The value of an Authorization header: "Bearer <token>" (scheme case-insensitive, as RFC 7235
// says). Empty, or another scheme ("Basic ..."): missing. "Bearer" with no token: malformed.
result<Claims, TokenError> from_authorization_header(std::string_view header_value, std::string_view key, int64_t now_ms);

// Whose rows a token's holder sees, computed once per request: the colegio everything, a
// prestador the rows of its own provider id, an obra social those of its own id.
struct ColegioScope {};
struct PrestadorScope {
    uint64_t provider = 0;
};
struct ObraSocialScope {
    std::string obra_social;
};
using Scope = std::variant<ColegioScope, PrestadorScope, ObraSocialScope>;
Scope scope_of(const Claims& claims);

// A request's filters by provider and obra social, narrowed to its scope: a prestador's
// provider and an obra social's id are filled in; asking for another's is refused (403
// auth.forbidden, with the field and a Spanish message).
struct ScopedFilter {
    std::optional<uint64_t> provider;
    std::string obra_social;  // empty: any
};
struct OutOfScope {
    std::string field;
    std::string message;
};
result<ScopedFilter, OutOfScope> narrow(const Scope& scope, ScopedFilter asked);

// What the open file `fd` holds from its position to its end, or why not ("cannot read it:
// ...", "larger than N bytes"): small files read whole (keys, the users file).
result<std::string, std::string> read_all(int fd, size_t max_bytes);

// The smallest key accepted, in bytes.
inline constexpr size_t kMinKeyBytes = 16;

struct KeySource {
    enum class Kind : uint8_t {
        key_file,          // --key-file F
        environment,       // LIQUIDA_KEY
        data_dir,          // DIR/gateway.key, already there
        data_dir_created,  // DIR/gateway.key, created by this call
    };
    std::string key;  // raw key bytes
    Kind kind = Kind::key_file;
    std::string origin;   // for messages: "file F", "LIQUIDA_KEY", "DIR/gateway.key", "DIR/gateway.key (created)"
    std::string warning;  // non-empty when the key file is readable by group or others
};

// The signing key, first found of: key_file (when not empty); the LIQUIDA_KEY environment
// variable (when set, even to ""); data_dir/gateway.key. When that file is absent and
// create_if_missing, it is created with 32 random bytes (RAND_bytes) written as 64 hex digits,
// mode 0600, atomically (a temporary file hard-linked into place: a concurrent creator's key
// is never overwritten, and a partial file is never seen). Fails with a message naming the
// source when it cannot be read or holds fewer than kMinKeyBytes bytes.
result<KeySource, std::string> resolve_key(const std::string& key_file, const std::string& data_dir, bool create_if_missing);

}  // namespace liquida::gateway
