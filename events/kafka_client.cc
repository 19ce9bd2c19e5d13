#include "events/kafka_client.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <initializer_list>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace liquida::events::kafka {

namespace {

bool parse_mark(std::string_view text, BatchMark& mark) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return false;
    const char* mid = text.data() + slash;
    return std::from_chars(text.data(), mid, mark.index).ec == std::errc{} &&
           std::from_chars(mid + 1, text.data() + text.size(), mark.count).ec == std::errc{} && mark.index < mark.count;
}

}  // namespace

Record decode(const rd_kafka_message_t* m) {
    Record r;
    if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_timestamp_type_t type;
    r.timestamp = rd_kafka_message_timestamp(m, &type);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return r;
    const char* hname = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &hname, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        if (hname == kHeaderIdempotencyKey || hname == kHeaderBatch) continue;
        r.headers.push_back(Header{hname, value ? std::string(static_cast<const char*>(value), size) : std::string()});
    }
    return r;
}

BatchMark decode_mark(const rd_kafka_message_t* m) {
    BatchMark mark;
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return mark;
    const void* batch = nullptr;
    size_t batch_size = 0;
    if (rd_kafka_header_get_last(headers, kHeaderBatch.data(), &batch, &batch_size) || !batch ||
        !parse_mark(std::string_view(static_cast<const char*>(batch), batch_size), mark))
        return BatchMark{};
    const void* key = nullptr;
    size_t key_size = 0;
    if (!rd_kafka_header_get_last(headers, kHeaderIdempotencyKey.data(), &key, &key_size) && key)
        mark.key.assign(static_cast<const char*>(key), key_size);
    return mark;
}

void add_header(rd_kafka_headers_t* headers, std::string_view key, std::string_view value) {
    rd_kafka_header_add(headers, key.data(), static_cast<ssize_t>(key.size()), value.data(), static_cast<ssize_t>(value.size()));
}

std::string describe(rd_kafka_resp_err_t err, const char* detail) {
    std::string s = std::string(rd_kafka_err2name(err)) + ": " + rd_kafka_err2str(err);
    if (detail && *detail) s += " (" + std::string(detail) + ")";
    return s;
}

namespace {

// Errors of a watermark query that pass once metadata catches up: a leader that moved, a
// broker reconnecting, a topic just created that not every broker knows yet.
bool transient(rd_kafka_resp_err_t err) {
    switch (err) {
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN: return true;
        default: return false;
    }
}

}  // namespace

// Not rd_kafka_query_watermark_offsets for the end: before librdkafka 2.3 it waits forever for
// a leader that died (librdkafka issue 2588); rd_kafka_offsets_for_times keeps its timeout.
rd_kafka_resp_err_t list_offset(rd_kafka_t* rk, const std::string& topic, int32_t partition, int64_t query, int64_t& out,
                                std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        PartitionList list(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = query;
        auto err = rd_kafka_offsets_for_times(rk, list.get(), std::max(1, to_ms(left)));
        if (!err) err = list->elems[0].err;
        if (!err) out = list->elems[0].offset;
        if (!err || !transient(err) || Clock::now() + std::chrono::milliseconds(50) >= deadline) return err;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

namespace {

// One log's topic administration, on the cluster `rk` talks to.
class TopicAdmin {
public:
    TopicAdmin(rd_kafka_t* rk, const KafkaLogOptions& options) : rk_(rk), options_(options) {}

    // Topic name -> partition count, as the cluster has them.
    result<std::unordered_map<std::string, int>> cluster_topics() {
        const rd_kafka_metadata_t* md = nullptr;
        if (auto err = rd_kafka_metadata(rk_, 1, nullptr, &md, to_ms(options_.timeout)))
            return fail(errc::io_error, "kafka log: metadata from " + options_.brokers + ": " + describe(err));
        std::unordered_map<std::string, int> out;
        for (int i = 0; i < md->topic_cnt; ++i)
            if (!md->topics[i].err) out[md->topics[i].topic] = md->topics[i].partition_cnt;
        rd_kafka_metadata_destroy(md);
        return out;
    }

    // Creates missing topics; refuses existing ones with another partition count.
    result<ok_t> ensure_topics() {
        const auto deadline = Clock::now() + options_.timeout;
        bool created = false;
        for (;;) {
            auto existing = cluster_topics();
            if (!existing) return failure(std::move(existing).error());
            std::vector<const TopicSpec*> missing;
            for (const TopicSpec& t : options_.topics) {
                auto it = existing->find(wire(t.name));
                if (it == existing->end()) missing.push_back(&t);
                else if (it->second != t.partitions)
                    return fail(errc::config_mismatch, "topic '" + wire(t.name) + "' has " + std::to_string(it->second) +
                                                           " partitions in the cluster, configured " + std::to_string(t.partitions));
            }
            if (missing.empty()) return check_retention();
            if (created) {
                // Created: wait until the metadata shows it (bounded).
                if (Clock::now() > deadline)
                    return fail(errc::io_error, "kafka log: topic '" + missing.front()->name + "' created but not visible in metadata");
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                continue;
            }
            if (auto r = create_topics(missing); !r) return r;
            created = true;
        }
    }

    // One admin request: `submit(options, queue)` sends it; its result event, or null when no
    // answer came within the log's timeout (bounded by the request timeout, plus queueing).
    template <class Submit>
    std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> admin(rd_kafka_admin_op_t op, Submit submit) {
        char errstr[512];
        rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk_, op);
        rd_kafka_AdminOptions_set_request_timeout(opts, to_ms(options_.timeout), errstr, sizeof errstr);
        if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS)
            rd_kafka_AdminOptions_set_operation_timeout(opts, to_ms(options_.timeout), errstr, sizeof errstr);
        rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
        submit(opts, queue);
        rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, to_ms(options_.timeout + std::chrono::seconds(5)));
        rd_kafka_queue_destroy(queue);
        rd_kafka_AdminOptions_destroy(opts);
        return {ev, [](rd_kafka_event_t* e) {
                    if (e) rd_kafka_event_destroy(e);
                }};
    }

    result<ok_t> create_topics(const std::vector<const TopicSpec*>& missing) {
        char errstr[512];
        std::vector<rd_kafka_NewTopic_t*> news;
        std::string names;
        for (const TopicSpec* t : missing) {
            news.push_back(rd_kafka_NewTopic_new(wire(t->name).c_str(), t->partitions, options_.replication_factor, errstr, sizeof errstr));
            // The log is the history: kept forever, whatever the brokers' default retention
            // (7 days by record time, which deletes back-dated records at once).
            // (Fails only on a null name or value.)
            for (const char* key : {"retention.ms", "retention.bytes"}) (void)rd_kafka_NewTopic_set_config(news.back(), key, "-1");
            names += (names.empty() ? "'" : ", '") + wire(t->name) + "'";
        }
        const auto ev = admin(RD_KAFKA_ADMIN_OP_CREATETOPICS, [&](rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* queue) {
            rd_kafka_CreateTopics(rk_, news.data(), news.size(), opts, queue);
        });
        for (auto* t : news) rd_kafka_NewTopic_destroy(t);
        if (!ev) return fail(errc::io_error, "kafka log: no answer to creating topics " + names);
        if (auto err = rd_kafka_event_error(ev.get()))
            return fail(errc::io_error, "kafka log: cluster refused to create topics " + names + ": " +
                                            describe(err, rd_kafka_event_error_string(ev.get())));
        if (const auto* res = rd_kafka_event_CreateTopics_result(ev.get())) {
            size_t n = 0;
            const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(res, &n);
            for (size_t i = 0; i < n; ++i) {
                const auto terr = rd_kafka_topic_result_error(topics[i]);
                if (terr && terr != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                    return fail(errc::io_error, "kafka log: cluster refused to create topic '" +
                                                    std::string(rd_kafka_topic_result_name(topics[i])) + "' (replication factor " +
                                                    std::to_string(options_.replication_factor) +
                                                    "): " + describe(terr, rd_kafka_topic_result_error_string(topics[i])));
            }
        }
        return ok;
    }

    // Refuses topics that would delete records: a retention by time or size, or compaction.
    // The log is the history, and an acknowledged record must never go. librdkafka's mock
    // cluster (its id "mockCluster...") has no DescribeConfigs and is not checked.
    result<ok_t> check_retention() {
        if (char* id = rd_kafka_clusterid(rk_, to_ms(options_.timeout))) {
            const bool mock = std::string_view(id).starts_with("mockCluster");
            rd_kafka_mem_free(rk_, id);
            if (mock) return ok;
        }
        // A topic just created may not be known yet to the broker asked (KRaft names a random
        // one as controller): asked again until the timeout.
        for (const auto deadline = Clock::now() + options_.timeout;;) {
            std::vector<rd_kafka_ConfigResource_t*> resources;
            for (const TopicSpec& t : options_.topics)
                resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, wire(t.name).c_str()));
            const auto ev = admin(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, [&](rd_kafka_AdminOptions_t* opts, rd_kafka_queue_t* queue) {
                rd_kafka_DescribeConfigs(rk_, resources.data(), resources.size(), opts, queue);
            });
            for (auto* r : resources) rd_kafka_ConfigResource_destroy(r);
            if (!ev) return fail(errc::io_error, "kafka log: no answer to describing the topics' configs");
            if (auto err = rd_kafka_event_error(ev.get())) {
                if (err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE || err == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION) return ok;
                return fail(errc::io_error,
                            "kafka log: describing the topics' configs: " + describe(err, rd_kafka_event_error_string(ev.get())));
            }
            const auto* res = rd_kafka_event_DescribeConfigs_result(ev.get());
            size_t n = 0;
            const rd_kafka_ConfigResource_t** topics = res ? rd_kafka_DescribeConfigs_result_resources(res, &n) : nullptr;
            bool unknown = false;
            for (size_t i = 0; i < n; ++i) {
                const std::string topic = rd_kafka_ConfigResource_name(topics[i]);
                const auto err = rd_kafka_ConfigResource_error(topics[i]);
                if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && Clock::now() < deadline) {
                    unknown = true;
                    continue;
                }
                if (err)
                    return fail(
                        errc::io_error,
                        "kafka log: describing topic '" + topic + "': " + describe(err, rd_kafka_ConfigResource_error_string(topics[i])) +
                            (err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ? "; Liquida's user needs DescribeConfigs on its topics"
                                                                                 : ""));
                size_t m = 0;
                const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(topics[i], &m);
                for (size_t j = 0; j < m; ++j)
                    if (auto r = keeps_records(topic, rd_kafka_ConfigEntry_name(entries[j]), rd_kafka_ConfigEntry_value(entries[j])); !r)
                        return r;
            }
            if (!unknown) return ok;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }

    // A topic's config entry that deletes records: a retention of 0 or more (negative: none),
    // or compaction.
    static result<ok_t> keeps_records(const std::string& topic, const std::string& key, const char* v) {
        const std::string_view value = v ? v : "";
        bool deletes = false;
        if (key == "retention.ms" || key == "retention.bytes") {
            int64_t n = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            deletes = ec != std::errc{} || end != value.data() + value.size() || n >= 0;
        } else if (key == "cleanup.policy") {
            deletes = value.find("compact") != std::string_view::npos;
        }
        if (deletes)
            return fail(errc::config_mismatch, "topic '" + topic + "' has " + key + "=" + std::string(value) +
                                                   ": the log keeps every record forever (retention.ms=-1, "
                                                   "retention.bytes=-1, cleanup.policy=delete); change the topic's config");
        return ok;
    }

private:
    std::string wire(const std::string& topic) const { return options_.topic_prefix + topic; }

    rd_kafka_t* rk_;
    const KafkaLogOptions& options_;
};

}  // namespace

result<ok_t> ensure_topics(rd_kafka_t* rk, const KafkaLogOptions& options) { return TopicAdmin(rk, options).ensure_topics(); }

std::vector<BatchState> batch_states(std::span<const Fetched> records) {
    std::vector<BatchState> out(records.size(), BatchState::aborted);
    for (size_t i = 0; i < records.size();) {
        const BatchMark& first = records[i].mark;
        size_t j = i + 1;
        if (first.index == 0)
            while (j < records.size() && j - i < first.count) {
                const BatchMark& m = records[j].mark;
                if (m.index != j - i || m.count != first.count || m.key != first.key ||
                    records[j].stored.offset != records[i].stored.offset + static_cast<int64_t>(j - i))
                    break;
                ++j;
            }
        const BatchState state = first.index != 0       ? BatchState::aborted
                                 : j - i == first.count ? BatchState::complete
                                 : j == records.size()  ? BatchState::cut
                                                        : BatchState::aborted;
        std::fill(out.begin() + static_cast<ptrdiff_t>(i), out.begin() + static_cast<ptrdiff_t>(j), state);
        i = j;
    }
    return out;
}

result<ok_t> check_options(const KafkaLogOptions& options) {
    if (options.brokers.empty()) return fail(errc::invalid_argument, "kafka log: brokers are required");
    if (options.topics.empty()) return fail(errc::invalid_argument, "kafka log: no topics");
    if (options.replication_factor < 1) return fail(errc::invalid_argument, "kafka log: replication factor must be >= 1");
    if (options.timeout <= std::chrono::milliseconds(0) || options.timeout > std::chrono::minutes(15))
        return fail(errc::invalid_argument, "kafka log: timeout must be above 0 and at most 15 minutes");
    for (const auto& t : options.topics)
        if (t.name.empty() || t.partitions < 1 || t.partitions > 4096)
            return fail(errc::invalid_argument, "kafka log: topic '" + t.name + "' needs 1..4096 partitions");
    // Kafka's own rule for topic names: at most 249 of [a-zA-Z0-9._-].
    auto kafka_name = [](const std::string& n) {
        return n.size() <= 249 && std::all_of(n.begin(), n.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
               });
    };
    for (const auto& t : options.topics) {
        std::string full = options.topic_prefix;
        full.append(t.name);
        if (!kafka_name(full))
            return fail(errc::invalid_argument,
                        "kafka log: topic '" + full + "' is not a Kafka topic name (at most 249 of a-z A-Z 0-9 . _ -)");
    }
    auto fixed = [&](const char* key, std::initializer_list<std::string_view> allowed) {
        auto it = options.properties.find(key);
        return it == options.properties.end() || std::find(allowed.begin(), allowed.end(), it->second) != allowed.end();
    };
    if (!fixed("enable.idempotence", {"true"}) || !fixed("acks", {"all", "-1"}))
        return fail(errc::invalid_argument, "kafka log: enable.idempotence=true and acks=all are required");
    for (const char* own : {"transactional.id", "isolation.level"})
        if (options.properties.contains(own))
            return fail(errc::invalid_argument, std::string("kafka log: ") + own + " is the log's own (transactional_id sets the first)");
    if (options.transactional_id.size() > 249)
        return fail(errc::invalid_argument, "kafka log: transactional id longer than 249 characters");
    return ok;
}

result<Handle> make_client(rd_kafka_type_t type, const KafkaLogOptions& options,
                           const std::vector<std::pair<std::string, std::string>>& role,
                           void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*)) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::vector<std::pair<std::string, std::string>> props{{"bootstrap.servers", options.brokers}};
    if (type == RD_KAFKA_PRODUCER) {
        // linger.ms 1, not librdkafka's 5: every append waits for its acknowledgement, so
        // the linger is added to each command's latency; batching comes from the appends
        // in flight together (docs/PERFORMANCE.md).
        props.insert(props.end(), {{"linger.ms", "1"},
                                   {"batch.size", "1000000"},
                                   {"compression.type", "lz4"},
                                   {"message.timeout.ms", std::to_string(to_ms(options.timeout))}});
    }
    props.insert(props.end(), role.begin(), role.end());
    props.insert(props.end(), options.properties.begin(), options.properties.end());
    if (type == RD_KAFKA_PRODUCER) props.insert(props.end(), {{"enable.idempotence", "true"}, {"acks", "all"}});
    for (const auto& [k, v] : props) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            return fail(errc::invalid_argument, "kafka log: property " + k + ": " + errstr);
        }
    }
    if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return fail(errc::io_error, std::string("kafka log: ") + errstr);
    }
    return Handle(rk);
}

}  // namespace liquida::events::kafka
