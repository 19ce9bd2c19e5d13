#include "events/chain.h"

#include <algorithm>

namespace liquida::events {
namespace {

void put_u64(Sha256& h, uint64_t n) {  // big-endian
    uint8_t b[8];
    for (int i = 7; i >= 0; --i, n >>= 8) b[i] = static_cast<uint8_t>(n & 0xff);
    h.update(b, sizeof b);
}
void put_bytes(Sha256& h, std::string_view s) {
    put_u64(h, s.size());
    h.update(s);
}
bool is_seal(std::string_view key) { return key == kHeaderPrevHash || key == kHeaderHash; }

}  // namespace

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
    Sha256 h;
    h.update(prev.data(), prev.size());
    put_u64(h, static_cast<uint64_t>(r.timestamp));
    put_bytes(h, r.key);
    put_bytes(h, r.value);
    for (const Header& x : r.headers) {
        if (is_seal(x.key)) continue;
        put_bytes(h, x.key);
        put_bytes(h, x.value);
    }
    return h.digest();
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
