// Appends the events of one command to the log: encoded, keyed by provider, with headers a
// consumer can filter on without decoding the FlatBuffer.
#pragma once

#include <span>

#include "events/envelope.h"
#include "events/errc.h"
#include "events/log.h"

namespace liquida::events {

// Record header names.
inline constexpr std::string_view kHeaderKind = "liquida.kind";               // "order_loaded"
inline constexpr std::string_view kHeaderSchema = "liquida.schema_version";   // "8": events::kSchemaVersion
inline constexpr std::string_view kHeaderEventId = "liquida.event_id";        // uuid text
inline constexpr std::string_view kHeaderOccurredAt = "liquida.occurred_at";  // ms, decimal
// SHA-256 (hex) of the command that produced the record, when its issuer gave one: a retry
// under the same id with another command is told apart from a true retry.
inline constexpr std::string_view kHeaderCommandDigest = "liquida.command_digest";

// The log's idempotency key of one command's batch on one topic. Command ids are scoped by
// whoever issued them (the envelope's actor_id), so one issuer's id never answers for
// another's; the topic tells a command's batches on several topics apart. Length-prefixed,
// so no id can be crafted to look like another. Empty when the command has no id.
std::string idempotency_key(std::string_view actor_id, std::string_view command_id, std::string_view topic);

// The batch for one command's events. They must share provider, actor, command id and topic,
// so they land atomically in one partition; errc::invalid_argument otherwise. A non-empty
// `command_digest` goes on every record as kHeaderCommandDigest.
result<AppendBatch> make_batch(std::span<const Envelope> events, int32_t partitions, std::string_view command_digest = {});

// A command's events, one batch per topic (each as make_batch wants them), appended all or
// nothing. A batch already in the log (same issuer, id and topic) is not appended again: its
// result has the original offsets (AppendResult::duplicate). Results in the order of `by_topic`.
result<std::vector<AppendResult>> publish_all(EventLog& log, std::span<const std::vector<Envelope>> by_topic,
                                              std::string_view command_digest = {});

// The same, for the events of one topic.
result<AppendResult> publish(EventLog& log, std::span<const Envelope> events, std::string_view command_digest = {});

}  // namespace liquida::events
