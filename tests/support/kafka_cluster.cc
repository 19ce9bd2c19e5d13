#include "tests/support/kafka_cluster.h"

#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>

#include "tests/support/process.h"

namespace liquida::test {

KafkaCluster::KafkaCluster(std::string dir) : dir_(std::move(dir)) {
    const std::string out = run("bootstrap", 30);
    bootstrap_ = out.substr(0, out.find('\n'));
}

std::string KafkaCluster::run(const std::string& args, int seconds) const {
    const Run r = sh("LIQUIDA_KAFKA_CLUSTER='" + dir_ + "' timeout " + std::to_string(seconds) + " '" + std::string(LIQUIDA_SOURCE_DIR) +
                     "/ops/kafka/cluster' " + args);
    INFO(r.out);
    REQUIRE(r.code == 0);
    return r.out;
}

const KafkaCluster& KafkaCluster::get() {
    const char* dir = std::getenv("LIQUIDA_KAFKA_CLUSTER");
    if (dir == nullptr || *dir == '\0') FAIL("LIQUIDA_KAFKA_CLUSTER is unset: run this test through ctest, which starts the Kafka cluster");
    static const KafkaCluster cluster(dir);
    return cluster;
}

std::string KafkaCluster::new_prefix() {
    static std::atomic<int> n{0};
    std::string prefix = "t";
    prefix.append(std::to_string(::getpid())).append("-").append(std::to_string(n++)).append(".");
    return prefix;
}

void KafkaCluster::kill(int id) const { run("kill " + std::to_string(id), 30); }

void KafkaCluster::restart(int id) const { run("restart " + std::to_string(id), 180); }

int KafkaCluster::leader(const std::string& topic, int32_t partition) const {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
    rd_kafka_conf_set(conf, "log_level", "2", err, sizeof err);
    std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err), rd_kafka_destroy);
    REQUIRE(rk);
    std::unique_ptr<rd_kafka_topic_t, void (*)(rd_kafka_topic_t*)> t(rd_kafka_topic_new(rk.get(), topic.c_str(), nullptr),
                                                                     rd_kafka_topic_destroy);
    const rd_kafka_metadata_t* md = nullptr;
    REQUIRE(rd_kafka_metadata(rk.get(), 0, t.get(), &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    int leader = -1;
    for (int i = 0; i < md->topic_cnt; ++i)
        for (int p = 0; p < md->topics[i].partition_cnt; ++p)
            if (md->topics[i].partitions[p].id == partition) leader = md->topics[i].partitions[p].leader;
    rd_kafka_metadata_destroy(md);
    return leader;
}

}  // namespace liquida::test
