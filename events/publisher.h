// Appends the events of one command to the log: encoded, keyed by provider, with headers a
// consumer can filter on without decoding the FlatBuffer.
#pragma once

#include <span>

#include "events/envelope.h"
#include "events/errc.h"
#include "events/log.h"

namespace liquida::events {

// Record header names.
inline constexpr std::string_view kHeaderKind = "liquida.kind";             // "order_loaded"
inline constexpr std::string_view kHeaderSchema = "liquida.schema_version";  // "1"
inline constexpr std::string_view kHeaderEventId = "liquida.event_id";       // uuid text
inline constexpr std::string_view kHeaderOccurredAt = "liquida.occurred_at"; // ms, decimal

// The batch for one command's events. They must share provider, command id and topic, so
// they land atomically in one partition; errc::invalid_argument otherwise.
result<AppendBatch> make_batch(std::span<const Envelope> events, int32_t partitions);

// make_batch, then append. A command id already in the log appends nothing and returns the
// original offsets (AppendResult::duplicate).
result<AppendResult> publish(EventLog& log, std::span<const Envelope> events);

}  // namespace liquida::events
