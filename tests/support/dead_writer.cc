#include "tests/support/dead_writer.h"

#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>

#include "events/kafka_log.h"

namespace liquida::test {

struct DeadWriter::Producer {
    rd_kafka_t* rk = nullptr;
    ~Producer() {
        if (rk) rd_kafka_destroy(rk);
    }
};

DeadWriter::DeadWriter(const std::string& brokers) : producer_(std::make_unique<Producer>()) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err) == RD_KAFKA_CONF_OK);
    REQUIRE(rd_kafka_conf_set(conf, "log_level", "2", err, sizeof err) == RD_KAFKA_CONF_OK);
    producer_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!producer_->rk) {
        rd_kafka_conf_destroy(conf);
        FAIL(err);
    }
}

DeadWriter::~DeadWriter() = default;

void DeadWriter::write_prefix(const events::TopicPartition& tp, const std::vector<events::Record>& records, size_t count,
                              const std::string& key) {
    REQUIRE(records.size() < count);
    for (size_t i = 0; i < records.size(); ++i) {
        const events::Record& r = records[i];
        rd_kafka_headers_t* headers = rd_kafka_headers_new(r.headers.size() + 2);
        for (const auto& h : r.headers)
            rd_kafka_header_add(headers, h.key.data(), -1, h.value.data(), static_cast<ssize_t>(h.value.size()));
        const std::string mark = std::to_string(i) + "/" + std::to_string(count);
        rd_kafka_header_add(headers, events::kHeaderBatch.data(), static_cast<ssize_t>(events::kHeaderBatch.size()), mark.data(),
                            static_cast<ssize_t>(mark.size()));
        if (!key.empty())
            rd_kafka_header_add(headers, events::kHeaderIdempotencyKey.data(), static_cast<ssize_t>(events::kHeaderIdempotencyKey.size()),
                                key.data(), static_cast<ssize_t>(key.size()));
        rd_kafka_vu_t vus[7] = {};
        vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        vus[0].u.cstr = tp.topic.c_str();
        vus[1].vtype = RD_KAFKA_VTYPE_PARTITION;
        vus[1].u.i32 = tp.partition;
        vus[2].vtype = RD_KAFKA_VTYPE_KEY;
        vus[2].u.mem = {const_cast<char*>(r.key.data()), r.key.size()};
        vus[3].vtype = RD_KAFKA_VTYPE_VALUE;
        vus[3].u.mem = {const_cast<char*>(r.value.data()), r.value.size()};
        vus[4].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
        vus[4].u.i64 = r.timestamp;
        vus[5].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        vus[5].u.i = RD_KAFKA_MSG_F_COPY;
        vus[6].vtype = RD_KAFKA_VTYPE_HEADERS;
        vus[6].u.headers = headers;
        rd_kafka_error_t* e = rd_kafka_produceva(producer_->rk, vus, 7);
        const auto err = e ? rd_kafka_error_code(e) : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (e) {
            rd_kafka_error_destroy(e);
            rd_kafka_headers_destroy(headers);
        }
        REQUIRE(err == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    REQUIRE(rd_kafka_flush(producer_->rk, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR);
}

}  // namespace liquida::test
