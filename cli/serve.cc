// `liquida serve`: the log, the views kept up to date by the projection runner, the
// command path, and the HTTP + websocket gateway; optionally the demo feed.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include <boost/asio/ip/address.hpp>

#include "sim/simulation.h"
#include "gateway/gateway.h"
#include "gateway/json.h"
#include "cli/subcommands.h"
#include "cli/log_setup.h"

namespace liquida::commands {
namespace {

using namespace std::chrono_literals;

bool is_loopback(const std::string& address) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(address, ec);
    return !ec && a.is_loopback();
}

constexpr domain::Period kDemoStart{2025, 6};

domain::TimestampMs wall_clock() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The simulator's commands through the same command path as HTTP, at about `rate` a second.
// Its command ids are stable, so after a restart the commands already in the log are
// recognised as retries and the feed carries on where it stopped.
// It runs on the test clock, moving it forward to each simulated instant; a command whose
// instant the colegio has moved the clock past is decided at the clock's.
void run_demo(const domain::Config& config, service::CommandService& commands, gateway::Metrics& metrics, int64_t rate,
              const std::atomic<bool>& stop, service::TestClock& clock) {
    sim::Simulation simulation(config, {1, 0.02, kDemoStart, 12});
    const auto interval = std::chrono::microseconds(1'000'000 / std::max<int64_t>(1, rate));
    auto next = std::chrono::steady_clock::now();
    while (!stop) {
        auto c = simulation.next();
        if (!c) return;
        const domain::TimestampMs now = clock.follow(c->now);
        const service::Issuer issuer{static_cast<events::ActorRole>(c->actor), c->actor_id};
        auto out = commands.execute(c->provider, c->command, c->command_id, issuer, now, gateway::command_digest(c->provider, c->command));
        if (!out) {
            metrics.rejected(out.error().code);
        } else if (out->duplicate) {
            continue;  // already in the log: no need to wait
        } else {
            metrics.commands_accepted++;
            metrics.events_appended += out->events.size();
        }
        next += interval;
        std::this_thread::sleep_until(next);
        if (std::chrono::steady_clock::now() - next > 1s) next = std::chrono::steady_clock::now();  // fell behind: no burst
    }
}

// The token signing key; off loopback only from --key-file or LIQUIDA_KEY. Prints why not.
std::optional<gateway::KeySource> signing_key(const cli::Args& args, const std::string& listen, const std::string& data) {
    const bool loopback = is_loopback(listen);
    auto key = gateway::resolve_key(args.get("key-file"), data, loopback);
    if (!key) {
        std::fprintf(stderr, "liquida serve: %s\n", key.error().c_str());
        return std::nullopt;
    }
    using Kind = gateway::KeySource::Kind;
    if (!loopback && key->kind != Kind::key_file && key->kind != Kind::environment) {
        std::fprintf(stderr, "liquida serve: listening on %s needs a signing key from --key-file or LIQUIDA_KEY\n", listen.c_str());
        return std::nullopt;
    }
    if (!key->warning.empty()) std::fprintf(stderr, "liquida serve: warning: %s\n", key->warning.c_str());
    return std::move(*key);
}

// Each topic with its partitions and events, as serve starts.
void print_topics(events::EventLog& log) {
    for (const auto& t : log.topics()) {
        int64_t total = 0;
        for (int32_t p = 0; p < t.partitions; ++p)
            if (auto end = log.end_offset({t.name, p})) total += *end;
        std::printf("  %-24s %3d partitions %10lld events\n", t.name.c_str(), t.partitions, static_cast<long long>(total));
    }
}

// --test-clock's START: a date (the start of that Argentine day) or an ISO-8601 instant.
std::optional<domain::TimestampMs> test_clock_start(const cli::Args& args) {
    const std::string text = args.get("test-clock");
    if (text.empty())
        return args.flag("demo") ? std::optional(domain::start_of_local_day(domain::date_from_civil(kDemoStart.year, kDemoStart.month, 1)))
                                 : std::nullopt;
    if (const auto day = domain::parse_date(text); day && day->days >= 0) return domain::start_of_local_day(*day);
    if (const auto at = domain::parse_instant(text); at && *at >= 0 && *at <= domain::kMaxInstant) return at;
    throw cli::UsageError{"--test-clock: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS-03:00, got \"" + text + "\""};
}

// The test clock of DATA, or null on the wall clock. A data directory keeps the kind of clock
// it started with, and a test clock never starts before an event the log holds: either way the
// next commands would be decided before ones already decided (`demo_default`: the demo's own
// start, moved after them instead). Prints why not.
result<std::unique_ptr<service::TestClock>, bool> business_clock(std::optional<domain::TimestampMs> start, bool demo_default,
                                                                 const std::string& data, events::EventLog& log) {
    const std::string file = (std::filesystem::path(data) / service::kTestClockFile).string();
    const bool kept = service::TestClock::exists(file);
    if (!start && kept) {
        std::fprintf(stderr,
                     "liquida serve: %s ran on a test clock (%s): serve it with --test-clock (it resumes where it stood), "
                     "or start the real clock on a new data directory\n",
                     data.c_str(), file.c_str());
        return failure{false};
    }
    if (!start) return std::unique_ptr<service::TestClock>();
    if (!kept) {
        auto last = last_decided(log);
        if (!last) {
            std::fprintf(stderr, "liquida serve: reading the log's last event: %s\n", last.error().message.c_str());
            return failure{false};
        }
        // The demo's feed decides its own instants: on a directory it filled before, its clock
        // picks up after the last of them.
        if (demo_default && *last > *start) start = *last;
        if (*last > *start) {
            std::fprintf(stderr,
                         "liquida serve: the log holds an event decided at %s; a test clock starting at %s would decide the "
                         "next commands before it: start it at or after that, or on a new data directory\n",
                         domain::to_iso_local(*last).c_str(), domain::to_iso_local(*start).c_str());
            return failure{false};
        }
    }
    auto clock = service::TestClock::open(file, *start);
    if (!clock) {
        std::fprintf(stderr, "liquida serve: test clock: %s\n", clock.error().message.c_str());
        return failure{false};
    }
    if ((*clock)->now() != *start)
        std::printf("liquida serve: the test clock resumes at %s, where it stood (later than the start asked for)\n",
                    domain::to_iso_local((*clock)->now()).c_str());
    return std::move(*clock);
}

// SIGINT and SIGTERM blocked before any thread starts, so that `serve` waits for them with sigwait.
sigset_t block_stop_signals() {
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    return stop_signals;
}

// Amounts a seed does not vouch for are someone's guess until the colegio sets its own.
void warn_placeholders(const domain::Config& config) {
    const auto guessed = domain::placeholders(config);
    if (guessed.empty()) return;
    std::string names;
    for (const auto& n : guessed) names += (names.empty() ? "" : ", ") + n;
    std::fprintf(stderr, "liquida serve: %zu amounts and rates of the configuration are placeholders, not from the seeds: %s\n",
                 guessed.size(), names.c_str());
}

}  // namespace

std::vector<cli::OptionSpec> serve_options() {
    auto options = log_options();
    options.push_back({"port", "p", "HTTP and websocket port (0: any free port)", "8080"});
    options.push_back({"listen", "addr", "address to listen on; other than loopback needs --key-file or LIQUIDA_KEY", "127.0.0.1"});
    options.push_back({"threads", "n", "io threads", "2"});
    options.push_back({"workers", "n", "threads running commands (each waits for its durable append)", "32"});
    options.push_back({"key-file", "file", "token signing key; else LIQUIDA_KEY, else DIR/gateway.key (created on loopback)", ""});
    options.push_back(
        {"static", "dir", "the dashboard's files, served at / (default: gateway/web, looked up from the current directory upward)", ""});
    options.push_back({"state-cache", "n", "providers' ledgers kept in memory (the rest are read from DIR/state when needed)", "128"});
    options.push_back({"test-clock", "start",
                       "run on a test clock from START (YYYY-MM-DD or an ISO instant) that the colegio moves forward with POST /v1/clock",
                       ""});
    options.push_back(
        {"demo", "", "feed the simulator's commands through the command path so the views move (on a test clock from 2025-06-01)", ""});
    options.push_back({"demo-rate", "n", "demo commands per second", "50"});
    options.push_back(config_option());
    return options;
}

int serve(const cli::Args& args) {
    sigset_t stop_signals = block_stop_signals();

    gateway::ServerOptions server_options;
    server_options.listen = args.get("listen");
    server_options.port = static_cast<uint16_t>(args.get_int("port", 0, 65535));
    server_options.threads = static_cast<int>(args.get_int("threads", 1, 64));
    const auto workers = static_cast<size_t>(args.get_int("workers", 1, 1024));
    const auto demo_rate = args.get_int("demo-rate", 1, 100'000);
    const std::string data = args.get("data");
    args.get_int("partitions", 1, 4096);  // bad arguments first: exit 2 before touching anything
    const auto clock_start = test_clock_start(args);

    const auto key = signing_key(args, server_options.listen, data);
    if (!key) return 1;

    auto config = load_config(args, "serve");
    if (!config) return 1;
    warn_placeholders(*config);
    auto log = open_log(args, "serve");
    if (!log) return 1;
    auto views =
        projections::Views::open((std::filesystem::path(data) / "views").string(), args.get("kafka").empty() ? "embedded" : "kafka");
    if (!views) {
        std::fprintf(stderr, "liquida serve: views: %s\n", views.error().message.c_str());
        return 1;
    }
    std::printf("liquida serve: %s; signing key from %s\n", describe_log(args).c_str(), key->origin.c_str());
    print_topics(*log);
    std::fflush(stdout);
    auto test_clock = business_clock(clock_start, args.flag("demo") && args.get("test-clock").empty(), data, *log);
    if (!test_clock) return 1;

    std::string static_dir = args.get("static");
    if (static_dir.empty())
        if (auto found = find_upward("gateway/web/index.html")) static_dir = found->parent_path().string();
    service::ServiceOptions service_options;
    service_options.cache_providers = static_cast<size_t>(args.get_int("state-cache", 1, 10'000'000));
    gateway::GatewayOptions options{server_options, key->key, workers, wall_clock, static_dir, data, service_options};
    options.test_clock = test_clock->get();
    gateway::Gateway gw(*log, **views, *config, options);
    if (auto err = gw.start(); !err.empty()) {
        std::fprintf(stderr, "liquida serve: %s\n", err.c_str());
        return 1;
    }
    const uint16_t port = gw.port();
    std::printf("liquida serve: %zu events of the log folded into the state at start\n", gw.events_folded());
    std::atomic<bool> stopping{false};
    std::thread demo;
    if (args.flag("demo")) demo = std::thread([&] { run_demo(*config, gw.commands(), gw.metrics(), demo_rate, stopping, **test_clock); });

    const std::string host = server_options.listen == "0.0.0.0" ? "127.0.0.1" : server_options.listen;
    std::printf("liquida serve: listening on http://%s:%u/ (%d io threads)%s\n", host.c_str(), port, server_options.threads,
                args.flag("demo") ? "; demo feed on" : "");
    if (*test_clock)
        std::printf("liquida serve: on a test clock at %s; the colegio moves it with POST /v1/clock\n",
                    domain::to_iso_local((*test_clock)->now()).c_str());
    std::printf("liquida serve: ready; stop with Ctrl-C (SIGINT) or SIGTERM\n");
    std::fflush(stdout);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    std::printf("liquida serve: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    std::fflush(stdout);
    stopping = true;
    if (demo.joinable()) demo.join();
    gw.stop();
    log->close();
    if (!gw.runner_error().empty()) {
        std::fprintf(stderr, "liquida serve: the views were failing when it stopped: %s\n", gw.runner_error().c_str());
        return 1;
    }
    return 0;
}

}  // namespace liquida::commands
