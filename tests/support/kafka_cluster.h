// The real Apache Kafka cluster that ctest starts for the tests that need it: three KRaft
// nodes on loopback, run by ops/kafka/cluster (the kafka_cluster fixture of
// tests/CMakeLists.txt), in the folder LIQUIDA_KAFKA_CLUSTER names.
#pragma once

#include <cstdint>
#include <string>

namespace liquida::test {

class KafkaCluster {
public:
    // The fixture's cluster; fails the test (never skips it) when LIQUIDA_KAFKA_CLUSTER is
    // unset, that is when the test is run other than through ctest.
    static const KafkaCluster& get();

    const std::string& bootstrap() const { return bootstrap_; }
    // A topic prefix no other test case uses, so test cases share the cluster without
    // seeing each other's records (KafkaLogOptions::topic_prefix).
    static std::string new_prefix();

    // SIGKILL node `id` (1..3): a crash. restart() starts it again on its data and returns
    // once every live broker answers.
    void kill(int id) const;
    void restart(int id) const;
    // `ops/kafka/cluster ARGS` on this cluster (e.g. "java org.apache.kafka.tools.TopicCommand
    // ..."), bounded by `seconds`; its output. Fails the test when it fails.
    std::string run(const std::string& args, int seconds) const;
    // The node that leads a partition now (-1 when it has none), from the brokers' metadata.
    int leader(const std::string& topic, int32_t partition) const;

private:
    explicit KafkaCluster(std::string dir);
    std::string dir_;
    std::string bootstrap_;
};

}  // namespace liquida::test
