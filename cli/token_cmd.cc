// `liquida token --role R --subject ID [--ttl SECONDS] [--data DIR] [--key-file F]`: a bearer
// token signed with the key `serve` would use. Explanation on stderr, the token alone on stdout
// (so it is the last line of the combined output, and `$(liquida token ...)` is just the token).
#include <chrono>
#include <cstdio>
#include <ctime>

#include "gateway/auth.h"
#include "cli/subcommands.h"

namespace liquida::commands {
namespace {

std::string utc_text(int64_t ms) {
    const auto secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

int token(const cli::Args& args) {
    const std::string role_text = args.get("role");
    if (role_text.empty()) throw cli::UsageError{"option '--role' is required (colegio, prestador or obra_social)"};
    const auto role = gateway::parse_role(role_text);
    if (!role) throw cli::UsageError{"unknown role '" + role_text + "' (known: colegio, prestador, obra_social)"};
    const std::string subject = args.get("subject");
    if (subject.empty()) throw cli::UsageError{"option '--subject' is required"};
    if (auto why = gateway::check_subject(*role, subject); !why.empty()) throw cli::UsageError{"--subject: " + why};
    const int64_t ttl = args.get_int("ttl", 1, 10LL * 366 * 86400);

    auto key = gateway::resolve_key(args.get("key-file"), args.get("data"), /*create_if_missing=*/true);
    if (!key) {
        std::fprintf(stderr, "liquida token: %s\n", key.error().c_str());
        return 1;
    }
    if (!key->warning.empty()) std::fprintf(stderr, "liquida token: warning: %s\n", key->warning.c_str());

    const int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    const gateway::Claims claims{*role, subject, now_ms + ttl * 1000};
    std::fprintf(stderr, "liquida token: role %s, subject %s, expires %s (in %lld s), signed with the key from %s\n", role_text.c_str(),
                 subject.c_str(), utc_text(claims.expires_at_ms).c_str(), static_cast<long long>(ttl), key->origin.c_str());
    std::fprintf(stderr, "liquida token: send it as 'Authorization: Bearer <token>'\n");
    std::fflush(stderr);
    std::printf("%s\n", gateway::sign(claims, key->key).c_str());
    return 0;
}

}  // namespace liquida::commands
