// gateway::from_authorization_header with a fixed key and clock (gateway/auth.h): claims or
// a TokenError, never a crash. Two kinds of input:
//   "#" payload   the payload text, signed here with the key, so that the fuzzer reaches the
//                 payload's parsing behind the signature check it cannot forge;
//   anything else the header value as sent.
// Whatever is accepted has a subject check_subject accepts, has not expired, and is the one
// spelling sign() gives for its claims.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/auth.h"
#include "tests/fuzz/check.h"

namespace gateway = liquida::gateway;

namespace {

constexpr std::string_view kKey = "liquida-fuzz-key-0123456789abcdef";
constexpr int64_t kNowMs = 1'750'859'700'000;  // 2025-06-25T10:55:00-03:00

// RFC 4648 section 5, unpadded: the token's encoding, written again so the harness does not
// share a bug with the code under test.
std::string base64url(std::string_view in) {
    constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        acc = (acc << 8 | static_cast<unsigned char>(c)) & 0xFFFFU;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[acc >> bits & 63U];
        }
    }
    if (bits > 0) out += kAlphabet[acc << (6 - bits) & 63U];
    return out;
}

std::string signed_token(std::string_view payload) {
    const std::string encoded = base64url(payload);
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), kKey.data(), static_cast<int>(kKey.size()), reinterpret_cast<const unsigned char*>(encoded.data()), encoded.size(),
         md.data(), &len);
    return encoded + "." + base64url(std::string_view(reinterpret_cast<const char*>(md.data()), len));
}

// The token of a header value from_authorization_header accepted: after the scheme and blanks.
std::string_view token_of(std::string_view header) {
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
    while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
    header.remove_prefix(6);  // "Bearer", any case
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
    return header;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string header;
    if (!input.empty() && input.front() == '#') header = "Bearer " + signed_token(input.substr(1));
    else header = std::string(input);

    const auto claims = gateway::from_authorization_header(header, kKey, kNowMs);
    if (!claims) {
        LIQUIDA_FUZZ_CHECK(gateway::token_error_code(claims.error()).name().starts_with("auth."));
        return 0;
    }
    LIQUIDA_FUZZ_CHECK(gateway::check_subject(claims->role, claims->subject).empty());
    LIQUIDA_FUZZ_CHECK(claims->expires_at_ms > kNowMs);
    LIQUIDA_FUZZ_CHECK(gateway::sign(*claims, kKey) == token_of(header));
    return 0;
}
