#include "events/sha256.h"

#include <openssl/evp.h>

#include <utility>

namespace liquida::events {

std::string to_hex(const Hash& h) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s(64, '0');
    for (size_t i = 0; i < h.size(); ++i) {
        s[2 * i] = kDigits[h[i] >> 4];
        s[2 * i + 1] = kDigits[h[i] & 0xf];
    }
    return s;
}

namespace {
// Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up, under a lock, on every
// init, which showed in the append path's profile.
const EVP_MD* sha256() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

// One context kept per thread: a hash per record (the chain) or per request (the tokens)
// would otherwise allocate and free one each time. Hashes on a thread follow one another
// (a second while the first lives allocates its own).
struct SpareContext {
    EVP_MD_CTX* ctx = nullptr;
    ~SpareContext() { EVP_MD_CTX_free(ctx); }
};
thread_local SpareContext spare;
}  // namespace

Sha256::Sha256() : ctx_(std::exchange(spare.ctx, nullptr)) {
    if (!ctx_) ctx_ = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx_, sha256(), nullptr);
}
Sha256::~Sha256() {
    if (spare.ctx) EVP_MD_CTX_free(ctx_);
    else spare.ctx = ctx_;
}

Sha256& Sha256::update(const void* data, size_t size) {
    EVP_DigestUpdate(ctx_, data, size);
    return *this;
}
Sha256& Sha256::update(std::string_view bytes) { return update(bytes.data(), bytes.size()); }

Hash Sha256::digest() {
    Hash out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, out.data(), &len);
    return out;
}

}  // namespace liquida::events
