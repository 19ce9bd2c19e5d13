#include "events/publisher.h"

#include <algorithm>

#include "events/codec.h"
#include "events/topics.h"

namespace liquida::events {

std::string idempotency_key(std::string_view actor_id, std::string_view command_id, std::string_view topic) {
    if (command_id.empty()) return {};
    std::string key;
    for (std::string_view part : {actor_id, command_id, topic}) {
        key += std::to_string(part.size());
        key += ':';
        key += part;
    }
    return key;
}

result<AppendBatch> make_batch(std::span<const Envelope> events, int32_t partitions, std::string_view command_digest) {
    if (events.empty()) return fail(errc::invalid_argument, "no events to publish");
    const Envelope& first = events.front();
    const Topic topic = topic_for(first.payload);
    for (const Envelope& e : events) {
        if (e.provider_id != first.provider_id || e.actor_id != first.actor_id || e.command_id != first.command_id ||
            topic_for(e.payload) != topic)
            return fail(errc::invalid_argument, "one command's events must share provider, actor, command id and topic");
    }
    AppendBatch batch;
    batch.idempotency_key = idempotency_key(first.actor_id, first.command_id, topic_name(topic));
    const std::string key = partition_key(first.provider_id);
    batch.tp = TopicPartition{std::string(topic_name(topic)), partition_for(key, partitions)};
    batch.records.reserve(events.size());
    for (const Envelope& e : events) {
        std::string value = encode(e);
        // Never append what the readers' own decoder would refuse (CodecLimits): it would
        // stop every view and every start at that record.
        if (value.size() > CodecLimits{}.max_bytes)
            return fail(errc::buffer_too_large, "an event of " + std::to_string(value.size()) + " bytes is over the limit of " +
                                                    std::to_string(CodecLimits{}.max_bytes));
        batch.records.push_back(Record{key,
                                       std::move(value),
                                       e.recorded_at,
                                       {Header{std::string(kHeaderKind), std::string(domain::event_name(e.payload))},
                                        Header{std::string(kHeaderSchema), std::to_string(e.schema_version)},
                                        Header{std::string(kHeaderEventId), e.event_id.to_string()},
                                        Header{std::string(kHeaderOccurredAt), std::to_string(e.occurred_at)}}});
        if (!command_digest.empty())
            batch.records.back().headers.push_back({std::string(kHeaderCommandDigest), std::string(command_digest)});
    }
    return batch;
}

namespace {

// make_batch, with the partition count of the events' topic in `log`.
result<AppendBatch> batch_for(EventLog& log, std::span<const Envelope> events, std::string_view command_digest) {
    if (events.empty()) return fail(errc::invalid_argument, "no events to publish");
    const std::string_view topic = topic_name(topic_for(events.front().payload));
    const auto& topics = log.topics();
    auto spec = std::find_if(topics.begin(), topics.end(), [&](const TopicSpec& t) { return t.name == topic; });
    if (spec == topics.end()) return fail(errc::invalid_argument, "log has no topic '" + std::string(topic) + "'");
    return make_batch(events, spec->partitions, command_digest);
}

}  // namespace

result<std::vector<AppendResult>> publish_all(EventLog& log, std::span<const std::vector<Envelope>> by_topic,
                                              std::string_view command_digest) {
    std::vector<AppendBatch> batches;
    for (const std::vector<Envelope>& events : by_topic) {
        auto batch = batch_for(log, events, command_digest);
        if (!batch) return failure(std::move(batch).error());
        batches.push_back(std::move(*batch));
    }
    return log.append_all(std::move(batches));
}

result<AppendResult> publish(EventLog& log, std::span<const Envelope> events, std::string_view command_digest) {
    auto batch = batch_for(log, events, command_digest);
    if (!batch) return failure(std::move(batch).error());
    return log.append(std::move(*batch));
}

}  // namespace liquida::events
