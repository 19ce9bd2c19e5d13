#include "events/chain.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

namespace liquida::events {
namespace {

void put_len(EVP_MD_CTX* ctx, uint64_t n) {
    uint8_t b[8];
    for (int i = 7; i >= 0; --i, n >>= 8) b[i] = static_cast<uint8_t>(n & 0xff);
    EVP_DigestUpdate(ctx, b, sizeof b);
}
void put_bytes(EVP_MD_CTX* ctx, std::string_view s) {
    put_len(ctx, s.size());
    EVP_DigestUpdate(ctx, s.data(), s.size());
}
bool is_seal(std::string_view key) { return key == kHeaderPrevHash || key == kHeaderHash; }

}  // namespace

std::string to_hex(const Hash& h) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s(64, '0');
    for (size_t i = 0; i < h.size(); ++i) {
        s[2 * i] = kDigits[h[i] >> 4];
        s[2 * i + 1] = kDigits[h[i] & 0xf];
    }
    return s;
}

std::optional<Hash> from_hex(std::string_view hex) {
    if (hex.size() != 64) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    Hash h{};
    for (size_t i = 0; i < h.size(); ++i) {
        const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        h[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return h;
}

Hash chain_hash(const Hash& prev, const Record& r) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    EVP_DigestUpdate(ctx.get(), prev.data(), prev.size());
    put_len(ctx.get(), static_cast<uint64_t>(r.timestamp));
    put_bytes(ctx.get(), r.key);
    put_bytes(ctx.get(), r.value);
    for (const Header& h : r.headers) {
        if (is_seal(h.key)) continue;
        put_bytes(ctx.get(), h.key);
        put_bytes(ctx.get(), h.value);
    }
    Hash out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
    return out;
}

Hash seal(Record& r, const Hash& prev) {
    std::erase_if(r.headers, [](const Header& h) { return is_seal(h.key); });
    const Hash h = chain_hash(prev, r);
    r.headers.push_back(Header{std::string(kHeaderPrevHash), to_hex(prev)});
    r.headers.push_back(Header{std::string(kHeaderHash), to_hex(h)});
    return h;
}

Seal take_seal(std::vector<Header>& headers) {
    Seal s;
    std::erase_if(headers, [&](Header& h) {
        if (h.key == kHeaderPrevHash) s.prev_hash = std::move(h.value);
        else if (h.key == kHeaderHash) s.hash = std::move(h.value);
        else return false;
        return true;
    });
    return s;
}

bool ChainVerifier::feed(const StoredRecord& r) {
    if (broken_) return false;
    auto fail = [&](std::string reason) {
        broken_ = ChainBreak{tp_, r.offset, std::move(reason)};
        return false;
    };
    if (r.offset != next_) return fail("expected offset " + std::to_string(next_) + ", found " + std::to_string(r.offset));
    if (r.seal.hash.empty()) return fail("the record carries no seal");
    const auto prev = from_hex(r.seal.prev_hash);
    if (!prev || *prev != head_) return fail("its prev_hash is not the hash of the record before it");
    const Hash h = chain_hash(head_, r.record);
    if (to_hex(h) != r.seal.hash) return fail("its content does not hash to its sealed hash (altered)");
    head_ = h;
    ++next_;
    return true;
}

}  // namespace liquida::events
