#include "cli/log_setup.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "events/codec.h"
#include "events/kafka_log.h"
#include "events/topics.h"

namespace liquida::commands {
namespace {

constexpr const char* kDefaultConfig = "ops/config/liquida.json";

}  // namespace

std::optional<std::filesystem::path> find_upward(const std::filesystem::path& relative) {
    std::error_code ec;
    for (auto dir = std::filesystem::current_path(ec); !ec && !dir.empty(); dir = dir.parent_path()) {
        std::error_code missing;  // not found sets it: keep it apart from the loop's
        if (std::filesystem::exists(dir / relative, missing)) return dir / relative;
        if (dir == dir.parent_path()) break;
    }
    return std::nullopt;
}

namespace {

std::optional<std::filesystem::path> find_config(const std::string& option) {
    if (!option.empty()) {
        if (std::filesystem::is_regular_file(option)) return std::filesystem::path(option);
        return std::nullopt;
    }
    return find_upward(kDefaultConfig);
}

}  // namespace

cli::OptionSpec config_option() {
    return {"config", "file", "obras sociales' rules (default: ops/config/liquida.json, looked up from the current directory upward)", ""};
}

std::optional<domain::Config> load_config(const cli::Args& args, const char* who) {
    const auto path = find_config(args.get("config"));
    if (!path) {
        std::fprintf(stderr, "liquida %s: cannot find the configuration %s\n", who,
                     args.get("config").empty() ? kDefaultConfig : args.get("config").c_str());
        return std::nullopt;
    }
    std::ifstream in(*path);
    std::stringstream text;
    text << in.rdbuf();
    auto config = domain::parse_config(text.str());
    if (!config) {
        std::fprintf(stderr, "liquida %s: %s: %s: %s (%s)\n", who, path->c_str(), config.error().code.c_str(),
                     config.error().message.c_str(), config.error().field.c_str());
        return std::nullopt;
    }
    return std::move(config).value();
}

std::vector<cli::OptionSpec> kafka_options() {
    return {{"kafka", "brokers", "use Kafka at host:port[,host:port...] instead of the embedded log", ""},
            {"kafka-config", "file", "librdkafka properties (key=value lines: security.protocol, sasl.*, ssl.*)", ""},
            {"kafka-topic-prefix", "text", "Kafka: put before every topic name (e.g. staging.), to share a cluster", ""},
            {"kafka-replication", "n", "Kafka: replication factor of topics created at start (3 on a real cluster)", "1"},
            {"kafka-transactional-id", "text",
             "Kafka: the writer's transactional id; a writer with the same id fences this one (default PREFIXliquida.writer)", ""},
            {"partitions", "n", "partitions per topic when the topics are created", "8"}};
}

std::vector<cli::OptionSpec> log_options(std::string default_data) {
    std::vector<cli::OptionSpec> options = kafka_options();
    options.insert(options.begin(),
                   {"data", "dir", "data directory: the embedded event log (DIR/log) and the views", std::move(default_data)});
    options.push_back({"no-sync", "", "embedded log: acknowledge appends before fsync (survives a crash, not a power loss)", ""});
    options.push_back(
        {"accept-wal-loss", "", "embedded log: open a damaged log, losing every record after the damage (docs/OPERATIONS.md)", ""});
    return options;
}

std::string describe_log(const cli::Args& args) {
    if (!args.get("kafka").empty()) return "Kafka at " + args.get("kafka");
    return "embedded log at " + (std::filesystem::path(args.get("data")) / "log").string();
}

bool read_properties(const std::string& path, std::map<std::string, std::string>& out, std::string& error) {
    std::ifstream in(path);
    if (!in) {
        error = "cannot read " + path;
        return false;
    }
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) {
            error = path + ":" + std::to_string(n) + ": expected key=value";
            return false;
        }
        auto trim = [](std::string s) {
            s.erase(0, s.find_first_not_of(" \t"));
            s.erase(s.find_last_not_of(" \t\r") + 1);
            return s;
        };
        out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
    }
    return true;
}

bool held_by_another_process(const std::filesystem::path& dir) {
    // RocksDB locks its LOCK file with fcntl; F_GETLK names a holder in another process.
    const int fd = ::open((dir / "LOCK").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    const bool held = ::fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
    ::close(fd);
    return held;
}

bool make_private_dir(const std::filesystem::path& data, const char* who) {
    std::error_code ec;
    std::filesystem::create_directories(data, ec);
    if (!ec) std::filesystem::permissions(data, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
    if (ec) std::fprintf(stderr, "liquida %s: cannot make %s private (0700): %s\n", who, data.c_str(), ec.message().c_str());
    return !ec;
}

std::unique_ptr<events::EventLog> open_log(const cli::Args& args, const char* who, const std::string& follower_dir) {
    const auto partitions = static_cast<int32_t>(args.get_int("partitions", 1, 4096));
    if (const std::filesystem::path data = args.get("data"); !data.empty() && !make_private_dir(data, who)) return nullptr;
    events::result<std::unique_ptr<events::EventLog>> log = std::unique_ptr<events::EventLog>();
    if (const std::string brokers = args.get("kafka"); !brokers.empty()) {
        events::KafkaLogOptions options;
        options.brokers = brokers;
        options.topics = events::default_topics(partitions);
        options.topic_prefix = args.get("kafka-topic-prefix");
        options.transactional_id = args.get("kafka-transactional-id");
        options.replication_factor = static_cast<int16_t>(args.get_int("kafka-replication", 1, 32));
        if (const std::string file = args.get("kafka-config"); !file.empty()) {
            std::string error;
            if (!read_properties(file, options.properties, error)) {
                std::fprintf(stderr, "liquida %s: %s\n", who, error.c_str());
                return nullptr;
            }
        }
        log = events::open_kafka_log(options);
    } else {
        const auto dir = std::filesystem::path(args.get("data")) / "log";
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            std::fprintf(stderr, "liquida %s: cannot create %s: %s\n", who, dir.c_str(), ec.message().c_str());
            return nullptr;
        }
        events::EmbeddedLogOptions options{dir.string(), events::default_topics(partitions), !args.flag("no-sync")};
        if (args.flag("accept-wal-loss")) options.wal_recovery = events::EmbeddedLogOptions::WalRecovery::point_in_time;
        options.follower_dir = follower_dir;
        log = events::open_embedded_log(options);
    }
    if (!log) {
        std::fprintf(stderr, "liquida %s: %s: %s\n", who, code_name(log.error().code).c_str(), log.error().message.c_str());
        return nullptr;
    }
    return std::move(*log);
}

// A partition's end may be transaction markers: read further back until an event shows.
events::result<domain::TimestampMs> last_decided(events::EventLog& log) {
    constexpr int64_t kLookBack = 64;  // records read back from a partition's end
    domain::TimestampMs latest = 0;
    for (const auto& t : log.topics())
        for (int32_t p = 0; p < t.partitions; ++p) {
            const events::TopicPartition tp{t.name, p};
            auto end = log.end_offset(tp);
            if (!end) return failure(std::move(end).error());
            bool found = false;
            for (int64_t to = *end; to > 0 && !found; to -= kLookBack) {
                auto records = log.read(tp, std::max<int64_t>(0, to - kLookBack), kLookBack);
                if (!records) return failure(std::move(records).error());
                for (const auto& r : *records) {
                    if (r.aborted || r.offset >= to) continue;
                    auto e = events::decode(r.record.value);
                    if (!e) return failure(std::move(e).error());
                    latest = std::max(latest, e->occurred_at);
                    found = true;
                }
            }
        }
    return latest;
}

}  // namespace liquida::commands
