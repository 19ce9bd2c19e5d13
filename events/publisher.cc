#include "events/publisher.h"

#include <algorithm>

#include "events/codec.h"
#include "events/topics.h"

namespace liquida::events {

result<AppendBatch> make_batch(std::span<const Envelope> events, int32_t partitions) {
    if (events.empty()) return fail(errc::invalid_argument, "no events to publish");
    const Envelope& first = events.front();
    const Topic topic = topic_for(first.payload);
    for (const Envelope& e : events) {
        if (e.provider_id != first.provider_id || e.command_id != first.command_id || topic_for(e.payload) != topic)
            return fail(errc::invalid_argument, "one command's events must share provider, command id and topic");
    }
    AppendBatch batch;
    batch.idempotency_key = first.command_id;
    const std::string key = partition_key(first.provider_id);
    batch.tp = TopicPartition{std::string(topic_name(topic)), partition_for(key, partitions)};
    batch.records.reserve(events.size());
    for (const Envelope& e : events) {
        batch.records.push_back(Record{
            key, encode(e), e.recorded_at,
            {Header{std::string(kHeaderKind), std::string(domain::event_name(e.payload))},
             Header{std::string(kHeaderSchema), std::to_string(e.schema_version)},
             Header{std::string(kHeaderEventId), e.event_id.to_string()},
             Header{std::string(kHeaderOccurredAt), std::to_string(e.occurred_at)}}});
    }
    return batch;
}

result<AppendResult> publish(EventLog& log, std::span<const Envelope> events) {
    if (events.empty()) return fail(errc::invalid_argument, "no events to publish");
    const std::string_view topic = topic_name(topic_for(events.front().payload));
    const auto& topics = log.topics();
    auto spec = std::find_if(topics.begin(), topics.end(), [&](const TopicSpec& t) { return t.name == topic; });
    if (spec == topics.end()) return fail(errc::invalid_argument, "log has no topic '" + std::string(topic) + "'");
    auto batch = make_batch(events, spec->partitions);
    if (!batch) return failure(std::move(batch).error());
    return log.append(std::move(*batch));
}

}  // namespace liquida::events
