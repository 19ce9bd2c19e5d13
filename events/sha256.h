// SHA-256 (OpenSSL), fed in pieces: the hash chain, the views' digests and the replay's.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace liquida::events {

using Hash = std::array<uint8_t, 32>;

std::string to_hex(const Hash& h);

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    Sha256& update(std::string_view bytes);
    Sha256& update(const void* data, size_t size);
    Hash digest();  // once; the object is done after it
    std::string hex() { return to_hex(digest()); }

private:
    evp_md_ctx_st* ctx_;
};

}  // namespace liquida::events
