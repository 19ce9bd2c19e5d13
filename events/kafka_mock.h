// librdkafka's mock Kafka cluster (rdkafka_mock.h), in memory, on 127.0.0.1: for
// development (`liquida kafka-dev`) and tests. Not durable; retention is bounded by the mock.
#pragma once

#include <memory>
#include <string>

#include "events/errc.h"

typedef struct rd_kafka_s rd_kafka_t;                            // NOLINT: librdkafka's C names
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;  // NOLINT

namespace liquida::events {

class MockCluster {
public:
    // `brokers` brokers with ids 1..brokers. librdkafka 2.0.2 binds each mock broker to
    // 127.0.0.1 on a port the OS picks: a fixed `port` cannot be requested, so any port
    // other than 0 fails with errc::invalid_argument.
    static result<std::unique_ptr<MockCluster>> start(int brokers, int port = 0);
    ~MockCluster();
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    // "127.0.0.1:P1,127.0.0.1:P2,...": the bootstrap.servers of a client.
    std::string bootstrap() const;
    // The mock does not implement the CreateTopics admin API (2.0.2): topics are created
    // here. An existing topic is left as it is.
    result<ok_t> create_topic(const std::string& name, int partitions, int replication_factor = 1);
    // For fault injection with rd_kafka_mock_*.
    rd_kafka_mock_cluster_t* raw() { return cluster_; }

private:
    MockCluster(rd_kafka_t* owner, rd_kafka_mock_cluster_t* cluster) : owner_(owner), cluster_(cluster) {}
    rd_kafka_t* owner_;  // the handle librdkafka requires to own a mock cluster
    rd_kafka_mock_cluster_t* cluster_;
};

}  // namespace liquida::events
