#include "cli/subcommands.h"

#include "cli/log_setup.h"

namespace liquida::commands {

namespace {
std::vector<cli::OptionSpec> with(std::vector<cli::OptionSpec> options, std::vector<cli::OptionSpec> more) {
    for (auto& o : more) options.push_back(std::move(o));
    return options;
}

std::vector<cli::OptionSpec> bench_options() {
    return with(
        kafka_options(),
        {{"data", "dir", "bench log: scratch directory (emptied first); bench projections: the data directory", "./build/bench-log"},
         {"events", "n", "bench log: events to append; http: commands to send; live: events to append", "2000000"},
         {"connections", "n", "bench http: keep-alive connections; live: websocket subscribers", "64"},
         {"rate", "n", "bench live: events appended per second", "10000"},
         {"config", "file", "bench http/live: the obras sociales' rules (default: ops/config/liquida.json, looked up upward)", ""},
         {"batch", "n", "bench log: events per append", "100"},
         {"threads", "n", "bench log, kafka-raw: concurrent appenders", "1"},
         {"workers", "n", "bench http: the gateway's command workers (as serve --workers)", "32"},
         {"sync", "", "bench log: fsync every group commit (default: WAL written, not fsynced, as db_bench)", ""}});
}

std::vector<cli::OptionSpec> kafka_dev_options() {
    return {{"brokers", "n", "mock brokers (ids 1..n); topics get replication min(n, 3)", "1"},
            {"port", "p", "first broker reachable on 127.0.0.1:p (a forwarder; 0: a port the OS picks)", "0"},
            {"partitions", "n", "partitions per topic", "8"}};
}

std::vector<cli::OptionSpec> token_options() {
    return {{"role", "role", "colegio, prestador or obra_social", ""},
            {"subject", "id", "prestador: the provider id; obra_social: the obra social id (sancor); colegio: any name", ""},
            {"ttl", "seconds", "validity from now", "86400"},
            {"data", "dir", "data directory holding gateway.key", "./data"},
            {"key-file", "file", "signing key file (raw bytes, trailing newline ignored, at least 16 bytes)", ""}};
}

std::vector<cli::OptionSpec> user_options() {
    return {{"username", "name", "3 to 64 of a-z 0-9 . _ @ -", ""},
            {"role", "role", "colegio, prestador or obra_social", ""},
            {"subject", "id", "prestador: the provider id; obra_social: the obra social id (sancor); colegio: any name", ""},
            {"data", "dir", "data directory (DIR/users)", "./data"}};
}
}  // namespace

const std::vector<Command>& all() {
    static const std::vector<Command> commands{
        {{"serve",
          "Serve Liquida until SIGINT or SIGTERM: commands in (POST /v1/commands), views out (/v1/views/...), live views "
          "and topic streams over websockets, /healthz and /metrics; the dashboard at /. See docs/API.md.",
          {},
          serve_options()},
         serve},
        {{"bench",
          "Benchmarks. 'bench log' appends events of realistic size in batches to a scratch log (--data, emptied "
          "first) and prints events/s; with --kafka it appends to Kafka (the topics must exist, as with "
          "'liquida kafka-dev'). 'bench kafka-raw --kafka BROKERS' produces the same records with librdkafka's "
          "producer alone (same settings, every delivery report awaited): the peer of 'bench log --kafka'. "
          "'bench projections' rebuilds every view from offset 0 of the log in "
          "--data (fill it with 'liquida simulate') into a scratch copy and prints events/s and peak memory. "
          "'bench http' runs the gateway on a scratch log (--data, emptied) and sends load_order commands over "
          "--connections keep-alive connections: commands/s, p50/p99. 'bench live' has --connections websocket "
          "subscribers watch one provider each while --events are appended at --rate a second: latency, drops.",
          {"what"},
          bench_options()},
         bench},
        {{"views",
          "'views digest' brings the views in DIR/views up to date with the log, then prints one line per view: "
          "its name and the SHA-256 of its rows in key order (equal views, equal digests).",
          {"action"},
          log_options()},
         views},
        {{"kafka-dev",
          "Run librdkafka's mock Kafka cluster on 127.0.0.1 with the topics created, for development and tests. "
          "Not a real Kafka: in memory (lost on stop), about 5 MiB or 100000 batches kept per partition "
          "(older ones dropped), no CreateTopics, no ListOffsets by time (librdkafka 2.0.2). See docs/OPERATIONS.md.",
          {},
          kafka_dev_options()},
         kafka_dev},
        {{"simulate",
          "A seeded, reproducible workload of a colegio (providers, affiliates, SanCor sessions with tokens, InSSSeP "
          "dental budgets, IOMA audited care, orders, invoices, debits, payments and retentions) decided by the domain "
          "and published to the log. Users' mistakes are rejected and counted, never written. Prints each month "
          "(YYYY-MM) with its counts, then commands rejected by error code and events/s.",
          {},
          simulate_options()},
         simulate},
        {{"replay",
          "Audit replay of a month (docs/REPLAY.md): rebuilds the views as they stood at the month's end (every event "
          "recorded before the first instant of the next month, Argentina time) into scratch views, never the live "
          "ones, and writes the report (settlement per obra social and provider, padron, pending consumption, A10 "
          "validation, F4 invoice listing) as report-YYYY-MM.json, five CSVs and report-YYYY-MM.xlsx into --out. "
          "--verify compares the period's settlement with the live views row by row: exit 0 when equal, 1 with "
          "every difference listed and the events after the cut that explain them.",
          {},
          replay_options()},
         replay},
        {{"import",
          "Bring in a colegio's history from the portals it used before: FILE has one command per line as POST "
          "/v1/commands takes it (command_id required), plus \"at\" (the instant it happened, with its offset) and "
          "\"as\" (colegio:NAME, prestador:ID or obra_social:ID). Each is decided by the rules at its instant, in "
          "order, after the log's last event and not after now; the first refused stops the import, naming its line. "
          "Run again, the lines already in the log are skipped. Refused while a server holds DIR. See docs/OPERATIONS.md.",
          {"file"},
          with(log_options(), {config_option()})},
         import},
        {{"token",
          "Print a bearer token for the gateway, signed (HMAC-SHA256) with the key 'serve' uses: --key-file, else "
          "the LIQUIDA_KEY environment variable, else DIR/gateway.key (created, mode 0600, when absent). "
          "The token is alone on the last line (stdout); send it as 'Authorization: Bearer <token>'.",
          {},
          token_options()},
         token},
        {{"user",
          "Add a person who signs in to the dashboard with a password (POST /v1/login): 'user add'. The password "
          "is read from standard input (typed twice without echo at a terminal, else the first line), at least 12 "
          "characters, and stored as an Argon2id hash in DIR/users; the colegio adds the rest from the dashboard.",
          {"action"},
          user_options()},
         user},
    };
    return commands;
}

}  // namespace liquida::commands
