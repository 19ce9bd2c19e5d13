// The views' RocksDB layout: its column families and how each row's key is built. Keys are
// big-endian numbers and NUL-terminated texts, so a view's rows sort by provider, transaction,
// period as people look for them. Internal to projections/.
#pragma once

#include <string>
#include <string_view>

#include "domain/events.h"
#include "events/log.h"
#include "projections/views.h"

namespace liquida::projections::keys {

using domain::ObraSocialId;
using domain::Period;
using domain::ProviderId;

enum Cf : size_t { kPadron, kPending, kSettlement, kInvoices, kValidation, kOrders, kState, kMeta, kCfCount };
constexpr const char* kCfNames[kCfCount] = {"padron", "pending", "settlement", "invoices", "validation", "orders", "state", "meta"};

// Offsets are keyed "topic\0partition"; this key has no NUL so cannot collide with them.
constexpr const char* kSourceKey = "source";

std::string provider_key(ProviderId p);
std::string transaction_key(const domain::TransactionRef& t);
std::string pending_key(ProviderId p, const domain::TransactionRef& t, uint32_t item);
// A period's settlement rows, or only those of one obra social (`os` not null).
std::string settlement_prefix(Period period, const std::string* os);
std::string settlement_key(Period period, const ObraSocialId& os, ProviderId p);
std::string offset_key(const events::TopicPartition& tp);
// A row's key as people read it: "1042", "1042/88-T-123/2", "2025-06/sancor/1042", "1042/f-1".
std::string readable_key(Cf cf, std::string_view key);
// The view whose live followers get a column family's changes: none for the working state, and
// for the validation rows, which nobody follows live.
std::optional<View> followed(Cf cf);

}  // namespace liquida::projections::keys
