// Tamper evidence: the log seals every record it appends into a SHA-256 chain per partition.
// A record's hash covers the previous record's hash and the record itself (key, value,
// timestamp, the caller's headers): hash = SHA-256(prev_hash || SHA-256(record)), so the
// record's own digest can be computed by its appender, in parallel, and only the short link
// is computed in partition order. Altering, dropping or reordering a sealed record breaks
// the chain at that record, and a month-close record (per partition: last offset and hash)
// pins everything before it. Both backends seal the same way: the same records give the same
// chain on the embedded log and on Kafka.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/log.h"
#include "events/sha256.h"

namespace liquida::events {

// On Kafka the seal travels as two headers of hex text, set by the log (a caller's are
// replaced) and given back parsed in StoredRecord::seal, not in Record::headers.
inline constexpr std::string_view kHeaderPrevHash = "liquida.prev_hash";
inline constexpr std::string_view kHeaderHash = "liquida.hash";
inline bool is_seal(std::string_view header) { return header == kHeaderPrevHash || header == kHeaderHash; }

// The hash before a partition's first record: 32 zero bytes.
inline constexpr Hash kGenesis{};

std::optional<Hash> from_hex(std::string_view hex);

// SHA-256 of the record: timestamp (8 bytes, big-endian), then key, value and each of the
// caller's headers' key and value, each prefixed by its length (8 bytes, big-endian).
Hash content_hash(const Record& r);
// SHA-256(prev || content).
Hash link_hash(const Hash& prev, const Hash& content);
inline Hash chain_hash(const Hash& prev, const Record& r) { return link_hash(prev, content_hash(r)); }

// Splits a stored record's seal headers from its headers (the backends' read path).
Seal take_seal(std::vector<Header>& headers);

// Where a partition's chain first fails, and why.
struct ChainBreak {
    TopicPartition tp;
    int64_t offset = 0;
    std::string reason;
};

// Checks one partition's records in offset order from `from`, whose predecessor's hash is
// `head` (kGenesis at offset 0, or a month-close record's hash). Offsets may skip; aborted
// records are passed over (they are not part of the history and hold no link).
class ChainVerifier {
public:
    explicit ChainVerifier(TopicPartition tp, int64_t from = 0, const Hash& head = kGenesis)
        : tp_(std::move(tp)), next_(from), head_(head) {}

    // False from the first record that breaks the chain on; broken() says where.
    bool feed(const StoredRecord& r);

    const Hash& head() const noexcept { return head_; }  // the last verified record's hash
    int64_t next() const noexcept { return next_; }      // past the last record fed
    const std::optional<ChainBreak>& broken() const noexcept { return broken_; }

private:
    TopicPartition tp_;
    int64_t next_;
    Hash head_;
    std::optional<ChainBreak> broken_;
};

}  // namespace liquida::events
