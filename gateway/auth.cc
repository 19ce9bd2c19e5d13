#include "gateway/auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace liquida::gateway {
namespace {

constexpr std::string_view kVersion = "v1";
constexpr std::string_view kSessionVersion = "s1";
constexpr size_t kSessionIdChars = 32;
constexpr size_t kMaxSubjectBytes = 128;
constexpr size_t kMaxTokenBytes = 1024;
constexpr size_t kSignatureChars = 43;  // 32 bytes of HMAC-SHA256, base64url unpadded
constexpr size_t kMaxKeyFileBytes = 4096;
constexpr std::string_view kKeyFileName = "gateway.key";

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
    std::string out;
    out.reserve((in.size() * 4 + 2) / 3);
    size_t i = 0;
    auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(in[k])); };
    for (; i + 3 <= in.size(); i += 3) {
        const uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += kAlphabet[v >> 6 & 63];
        out += kAlphabet[v & 63];
    }
    if (in.size() - i == 1) {
        const uint32_t v = byte(i) << 16;
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
    } else if (in.size() - i == 2) {
        const uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += kAlphabet[v >> 6 & 63];
    }
    return out;
}

int base64url_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

// Strict: unpadded, only the URL alphabet, unused trailing bits zero (one spelling per value).
std::optional<std::string> base64url_decode(std::string_view in) {
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        const int v = base64url_value(c);
        if (v < 0) return std::nullopt;
        acc = acc << 6 | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>(acc >> bits & 0xff);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::string mac(std::string_view key, std::string_view data) {
    const events::Hash h = hmac_sha256(key, data);
    return base64url(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

bool subject_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '@' ||
           c == '-';
}

// Canonical decimal: digits only, no leading zero unless "0", fits in T.
template <class T>
std::optional<T> parse_decimal(std::string_view s) {
    if (s.empty() || (s.size() > 1 && s[0] == '0') || s[0] < '0' || s[0] > '9') return std::nullopt;
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool space(char c) { return c == ' ' || c == '\t'; }

std::string errno_text(int err) { return std::strerror(err); }

std::string trim_trailing_whitespace(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    return s;
}

result<std::string, std::string> check_key(std::string key, const std::string& origin) {
    if (key.size() < kMinKeyBytes)
        return failure{"the signing key from " + origin + " has " + std::to_string(key.size()) + " bytes; at least " +
                       std::to_string(kMinKeyBytes) +
                       " are needed (64 random hex digits: "
                       "`openssl rand -hex 32`)"};
    return key;
}

struct KeyFile {
    std::string key;
    std::string warning;
};

// Reads a key file, trailing whitespace removed; sets `absent` when it does not exist.
result<KeyFile, std::string> read_key_file(const std::string& path, bool& absent) {
    absent = false;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        absent = err == ENOENT;
        return failure{"cannot open the key file " + path + ": " + errno_text(err)};
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return failure{"the key file " + path + " is not a regular file"};
    }
    auto text = read_all(fd, kMaxKeyFileBytes);
    ::close(fd);
    if (!text) return failure{"the key file " + path + ": " + text.error()};
    KeyFile out{trim_trailing_whitespace(std::move(*text)), {}};
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        out.warning = "the key file " + path + " is accessible by group or others (chmod 600 " + path + ")";
    return out;
}

// Writes a fresh key to a temporary file and hard-links it to `path`; EEXIST means someone
// else created it first, and theirs is kept. Returns false with `error` set on failure.
bool create_key_file(const std::filesystem::path& path, bool& lost_race, std::string& error) {
    lost_race = false;
    std::array<unsigned char, 32> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
        error = "RAND_bytes failed: no randomness for a new signing key";
        return false;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    for (unsigned char b : raw) {
        text += kHex[b >> 4];
        text += kHex[b & 15];
    }
    text += '\n';

    std::array<unsigned char, 8> suffix{};
    if (RAND_bytes(suffix.data(), static_cast<int>(suffix.size())) != 1) {
        error = "RAND_bytes failed";
        return false;
    }
    std::string tmp_name = path.string() + ".tmp-";
    for (unsigned char b : suffix) {
        tmp_name += kHex[b >> 4];
        tmp_name += kHex[b & 15];
    }
    const int fd = ::open(tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + tmp_name + ": " + errno_text(errno);
        return false;
    }
    bool ok = ::fchmod(fd, 0600) == 0;
    size_t written = 0;
    while (ok && written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ok = false;
            break;
        }
        written += static_cast<size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    const int write_errno = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(tmp_name.c_str());
        error = "cannot write " + tmp_name + ": " + errno_text(write_errno);
        return false;
    }
    const int linked = ::link(tmp_name.c_str(), path.c_str());
    const int link_errno = errno;
    ::unlink(tmp_name.c_str());
    if (linked != 0) {
        if (link_errno == EEXIST) {
            lost_race = true;
            return true;
        }
        error = "cannot create " + path.string() + ": " + errno_text(link_errno);
        return false;
    }
    if (const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return true;
}

}  // namespace

std::string_view role_name(Role role) noexcept {
    switch (role) {
        case Role::colegio: return "colegio";
        case Role::prestador: return "prestador";
        case Role::obra_social: return "obra_social";
    }
    return "unknown";
}

std::optional<Role> parse_role(std::string_view name) noexcept {
    for (Role r : {Role::colegio, Role::prestador, Role::obra_social})
        if (role_name(r) == name) return r;
    return std::nullopt;
}

std::string check_subject(Role role, std::string_view subject) {
    if (subject.empty()) return "the subject is empty";
    if (subject.size() > kMaxSubjectBytes) return "the subject is longer than " + std::to_string(kMaxSubjectBytes) + " bytes";
    for (char c : subject)
        if (!subject_char(c)) return "the subject may hold only letters, digits and . _ : @ -";
    if (role == Role::prestador && !parse_decimal<uint64_t>(subject))
        return "a prestador's subject is its provider id in decimal (like 42), not '" + std::string(subject) + "'";
    return {};
}

// RFC 2104 over the SHA-256 fetched once (events::Sha256): OpenSSL 3's one-shot HMAC() looks
// the MAC up by name on every call, under a lock, which showed in the command path's profile.
events::Hash hmac_sha256(std::string_view key, std::string_view data) {
    constexpr size_t kBlock = 64;
    std::array<uint8_t, kBlock> k{}, ipad{}, opad{};
    if (key.size() > kBlock) {
        const events::Hash hk = events::Sha256().update(key).digest();
        std::copy(hk.begin(), hk.end(), k.begin());
    } else {
        std::copy(key.begin(), key.end(), k.begin());
    }
    for (size_t i = 0; i < kBlock; ++i) {
        ipad[i] = static_cast<uint8_t>(k[i] ^ 0x36U);
        opad[i] = static_cast<uint8_t>(k[i] ^ 0x5cU);
    }
    const events::Hash inner = events::Sha256().update(ipad.data(), kBlock).update(data).digest();
    const events::Hash out = events::Sha256().update(opad.data(), kBlock).update(inner.data(), inner.size()).digest();
    OPENSSL_cleanse(k.data(), kBlock);
    OPENSSL_cleanse(ipad.data(), kBlock);
    OPENSSL_cleanse(opad.data(), kBlock);
    return out;
}

result<std::string, std::string> read_all(int fd, size_t max_bytes) {
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failure{"cannot read it: " + errno_text(errno)};
        if (n == 0) return text;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > max_bytes) return failure{"larger than " + std::to_string(max_bytes) + " bytes"};
    }
}

std::string sign(const Claims& claims, std::string_view key) {
    assert(check_subject(claims.role, claims.subject).empty());
    assert(claims.expires_at_ms >= 0);
    assert(claims.session.empty() == claims.user.empty());
    std::string payload(claims.session.empty() ? kVersion : kSessionVersion);
    payload.append("|").append(role_name(claims.role)).append("|").append(claims.subject);
    payload.append("|").append(std::to_string(claims.expires_at_ms));
    if (!claims.session.empty()) payload.append("|").append(claims.session).append("|").append(claims.user);
    std::string token = base64url(payload);
    const std::string signature = mac(key, token);
    token += '.';
    token += signature;
    return token;
}

ApiCode token_error_code(TokenError error) {
    switch (error) {
        case TokenError::missing: return "auth.missing_token";
        case TokenError::malformed: return "auth.malformed_token";
        case TokenError::bad_signature: return "auth.bad_signature";
        case TokenError::expired: return "auth.expired_token";
        case TokenError::revoked: return "auth.revoked_token";
    }
    return "auth.malformed_token";  // not a TokenError: no token this server issued
}

result<Claims, TokenError> verify(std::string_view token, std::string_view key, int64_t now_ms) {
    if (token.empty()) return failure{TokenError::missing};
    if (token.size() > kMaxTokenBytes) return failure{TokenError::malformed};
    const size_t dot = token.find('.');
    if (dot == std::string_view::npos || dot == 0 || token.find('.', dot + 1) != std::string_view::npos)
        return failure{TokenError::malformed};
    const std::string_view encoded = token.substr(0, dot);
    const std::string_view signature = token.substr(dot + 1);
    for (char c : encoded)
        if (base64url_value(c) < 0) return failure{TokenError::malformed};
    if (signature.size() != kSignatureChars) return failure{TokenError::malformed};
    for (char c : signature)
        if (base64url_value(c) < 0) return failure{TokenError::malformed};

    const std::string expected = mac(key, encoded);
    assert(expected.size() == kSignatureChars);
    if (CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) return failure{TokenError::bad_signature};

    // Signed with our key: from here on the payload is ours, but check it all the same.
    const auto payload = base64url_decode(encoded);
    if (!payload) return failure{TokenError::malformed};
    std::string_view rest = *payload;
    std::string_view fields[6];
    size_t n = 0;
    for (; n < 6; ++n) {
        const size_t bar = rest.find('|');
        fields[n] = rest.substr(0, bar);
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
    }
    const bool session = fields[0] == kSessionVersion;
    if (n != (session ? 5 : 3) || (!session && fields[0] != kVersion)) return failure{TokenError::malformed};
    const auto role = parse_role(fields[1]);
    if (!role || !check_subject(*role, fields[2]).empty()) return failure{TokenError::malformed};
    const auto expires = parse_decimal<int64_t>(fields[3]);
    if (!expires) return failure{TokenError::malformed};
    Claims claims{*role, std::string(fields[2]), *expires};
    if (session) {
        if (fields[4].size() != kSessionIdChars ||
            !std::all_of(fields[4].begin(), fields[4].end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
            return failure{TokenError::malformed};
        if (fields[5].empty() || fields[5].size() > kMaxSubjectBytes || !std::all_of(fields[5].begin(), fields[5].end(), subject_char))
            return failure{TokenError::malformed};
        claims.session = fields[4];
        claims.user = fields[5];
    }
    if (now_ms >= *expires) return failure{TokenError::expired};
    return claims;
}

result<Claims, TokenError> from_authorization_header(std::string_view header_value, std::string_view key, int64_t now_ms) {
    while (!header_value.empty() && space(header_value.front())) header_value.remove_prefix(1);
    while (!header_value.empty() && space(header_value.back())) header_value.remove_suffix(1);
    if (header_value.empty()) return failure{TokenError::missing};
    constexpr std::string_view kScheme = "bearer";
    if (!iequals(header_value.substr(0, kScheme.size()), kScheme)) return failure{TokenError::missing};
    std::string_view rest = header_value.substr(kScheme.size());
    if (rest.empty()) return failure{TokenError::malformed};
    if (!space(rest.front())) return failure{TokenError::missing};  // "Bearerx": another scheme
    while (!rest.empty() && space(rest.front())) rest.remove_prefix(1);
    if (rest.empty()) return failure{TokenError::malformed};
    return verify(rest, key, now_ms);
}

Scope scope_of(const Claims& claims) {
    switch (claims.role) {
        case Role::colegio: return ColegioScope{};
        case Role::prestador: {
            // verify() admits a prestador's subject only as a provider id (check_subject).
            uint64_t id = 0;
            std::from_chars(claims.subject.data(), claims.subject.data() + claims.subject.size(), id);
            return PrestadorScope{id};
        }
        case Role::obra_social: return ObraSocialScope{claims.subject};
    }
    return PrestadorScope{0};  // no role beyond these: the narrowest scope
}

result<ScopedFilter, OutOfScope> narrow(const Scope& scope, ScopedFilter asked) {
    if (const auto* p = std::get_if<PrestadorScope>(&scope)) {
        if (asked.provider && *asked.provider != p->provider)
            return failure{OutOfScope{"provider", "Un prestador sólo ve sus propios datos."}};
        asked.provider = p->provider;
    } else if (const auto* os = std::get_if<ObraSocialScope>(&scope)) {
        if (!asked.obra_social.empty() && asked.obra_social != os->obra_social)
            return failure{OutOfScope{"obra_social", "Una obra social sólo ve lo suyo."}};
        asked.obra_social = os->obra_social;
    }
    return asked;
}

result<KeySource, std::string> resolve_key(const std::string& key_file, const std::string& data_dir, bool create_if_missing) {
    if (!key_file.empty()) {
        bool absent = false;
        auto file = read_key_file(key_file, absent);
        if (!file) return failure{file.error()};
        const std::string origin = "file " + key_file;
        auto key = check_key(std::move(file->key), origin);
        if (!key) return failure{key.error()};
        return KeySource{std::move(*key), KeySource::Kind::key_file, origin, std::move(file->warning)};
    }
    if (const char* env = std::getenv("LIQUIDA_KEY"); env != nullptr) {
        auto key = check_key(env, "LIQUIDA_KEY");
        if (!key) return failure{key.error()};
        return KeySource{std::move(*key), KeySource::Kind::environment, "LIQUIDA_KEY", {}};
    }
    if (data_dir.empty()) return failure{std::string("no signing key: give --key-file, set LIQUIDA_KEY or give --data")};

    const std::filesystem::path path = std::filesystem::path(data_dir) / kKeyFileName;
    bool created = false;
    for (int attempt = 0; attempt < 2; ++attempt) {
        bool absent = false;
        auto file = read_key_file(path.string(), absent);
        if (file) {
            const std::string origin = path.string() + (created ? " (created)" : "");
            auto key = check_key(std::move(file->key), origin);
            if (!key) return failure{key.error()};
            return KeySource{std::move(*key), created ? KeySource::Kind::data_dir_created : KeySource::Kind::data_dir, origin,
                             std::move(file->warning)};
        }
        if (!absent) return failure{file.error()};
        if (!create_if_missing) return failure{"no signing key: give --key-file, set LIQUIDA_KEY, or create " + path.string()};
        if (attempt > 0) break;
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec) return failure{"cannot create " + path.parent_path().string() + ": " + ec.message()};
        bool lost_race = false;
        std::string error;
        if (!create_key_file(path, lost_race, error)) return failure{error};
        created = !lost_race;
    }
    return failure{"cannot read " + path.string() + " after creating it"};
}

}  // namespace liquida::gateway
