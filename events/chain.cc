#include "events/chain.h"

#include <algorithm>

namespace liquida::events {
namespace {

// The record's fields as content_hash hashes them, into a per-thread buffer: one SHA-256
// call per record, no allocation once the buffer has grown (this runs on every append).
void put_u64(std::string& out, uint64_t n) {  // big-endian
    char b[8];
    for (int i = 7; i >= 0; --i, n >>= 8) b[i] = static_cast<char>(n & 0xff);
    out.append(b, sizeof b);
}
void put_bytes(std::string& out, std::string_view s) {
    put_u64(out, s.size());
    out.append(s);
}

Hash sha256_of(const void* data, size_t size) { return Sha256().update(data, size).digest(); }

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

Hash content_hash(const Record& r) {
    thread_local std::string buf;
    buf.clear();
    put_u64(buf, static_cast<uint64_t>(r.timestamp));
    put_bytes(buf, r.key);
    put_bytes(buf, r.value);
    for (const Header& x : r.headers) {
        if (is_seal(x.key)) continue;
        put_bytes(buf, x.key);
        put_bytes(buf, x.value);
    }
    return sha256_of(buf.data(), buf.size());
}

Hash link_hash(const Hash& prev, const Hash& content) {
    uint8_t both[64];
    std::copy(prev.begin(), prev.end(), both);
    std::copy(content.begin(), content.end(), both + 32);
    return sha256_of(both, sizeof both);
}

Seal take_seal(std::vector<Header>& headers) {
    Seal s;
    std::erase_if(headers, [&](Header& h) {
        if (h.key == kHeaderPrevHash) s.prev_hash = from_hex(h.value);
        else if (h.key == kHeaderHash) s.hash = from_hex(h.value);
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
    // Offsets may skip (Kafka's transaction markers); a record taken out is caught by the
    // next one's prev_hash.
    if (r.offset < next_) return fail("expected an offset from " + std::to_string(next_) + ", found " + std::to_string(r.offset));
    if (r.aborted) {  // never acknowledged: not part of the history, holds no link
        next_ = r.offset + 1;
        return true;
    }
    if (!r.seal.hash) return fail("the record carries no seal");
    if (r.seal.prev_hash != head_) return fail("its prev_hash is not the hash of the record before it");
    const Hash h = chain_hash(head_, r.record);
    if (r.seal.hash != h) return fail("its content does not hash to its sealed hash (altered)");
    head_ = h;
    next_ = r.offset + 1;
    return true;
}

}  // namespace liquida::events
