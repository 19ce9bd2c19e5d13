// Opening the event log a command runs on: the embedded log in DATA/log, or Kafka when
// --kafka is given. Every command that reads or writes events takes the same options.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/config.h"
#include "events/log.h"
#include "cli/cli.h"

namespace liquida::commands {

// --kafka, --kafka-config, --kafka-topic-prefix, --kafka-replication, --partitions.
std::vector<cli::OptionSpec> kafka_options();
// --data, the Kafka options above, --no-sync, --accept-wal-loss.
std::vector<cli::OptionSpec> log_options(std::string default_data = "./data");

// Opens the log the options name; on failure prints "liquida <who>: <code>: <message>"
// to stderr and returns null. `follower_dir` non-empty: the embedded log is opened to read
// beside the process that holds it (EmbeddedLogOptions::follower_dir).
// Creates the data directory when missing and makes it its user's alone (0700), also when it
// was made before by other means; false, with a message on stderr, when it cannot.
bool make_private_dir(const std::filesystem::path& data, const char* who);

std::unique_ptr<events::EventLog> open_log(const cli::Args& args, const char* who, const std::string& follower_dir = {});

// A librdkafka properties file (--kafka-config): "key=value" lines and '#' comments, as
// Kafka's client.properties. On failure `error` says where and false is returned.
bool read_properties(const std::string& path, std::map<std::string, std::string>& out, std::string& error);

// Whether another process holds the RocksDB database in `dir` (its LOCK file), as a running
// `serve` holds DATA/log and DATA/views.
bool held_by_another_process(const std::filesystem::path& dir);

// `relative` under the current directory or the nearest parent that has it.
std::optional<std::filesystem::path> find_upward(const std::filesystem::path& relative);

// --config: the obras sociales' rules.
cli::OptionSpec config_option();
// Reads and validates --config; by default ops/config/liquida.json, looked up from the
// current directory upward (works from the repository and from a build directory in it).
// On failure prints why to stderr and returns nullopt.
std::optional<domain::Config> load_config(const cli::Args& args, const char* who);

// "embedded log at DIR" or "Kafka at BROKERS", for messages.
std::string describe_log(const cli::Args& args);

// The latest instant any event in the log was decided at (0 for an empty log): what a test
// clock starts after and imported history goes after.
events::result<domain::TimestampMs> last_decided(events::EventLog& log);

}  // namespace liquida::commands
