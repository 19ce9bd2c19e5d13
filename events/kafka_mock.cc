#include "events/kafka_mock.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace liquida::events {

result<std::unique_ptr<MockCluster>> MockCluster::start(int brokers, int port) {
    if (brokers < 1) return fail(errc::invalid_argument, "mock cluster: needs at least one broker");
    if (port != 0) return fail(errc::invalid_argument, "mock cluster: librdkafka 2.0.2 cannot bind a mock broker to a fixed port (use 0)");
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    // The owner never connects anywhere; silence its "no bootstrap.servers" warning.
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t* owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!owner) {
        rd_kafka_conf_destroy(conf);
        return fail(errc::io_error, std::string("mock cluster: ") + errstr);
    }
    rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(owner, brokers);
    if (!cluster) {
        rd_kafka_destroy(owner);
        return fail(errc::io_error, "mock cluster: cannot start (see librdkafka's log)");
    }
    return std::unique_ptr<MockCluster>(new MockCluster(owner, cluster));
}

MockCluster::~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(owner_);
}

std::string MockCluster::bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

result<ok_t> MockCluster::create_topic(const std::string& name, int partitions, int replication_factor) {
    const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication_factor);
    if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        return fail(errc::io_error, "mock cluster: cannot create topic '" + name + "': " + rd_kafka_err2str(err));
    return ok;
}

}  // namespace liquida::events
