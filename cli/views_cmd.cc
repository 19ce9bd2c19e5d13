// `liquida views digest` and `liquida bench projections`: the views brought up to date from
// the log, then fingerprinted or timed.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/subcommands.h"
#include "cli/log_setup.h"
#include "projections/runner.h"

namespace liquida::commands {
namespace {

std::string log_source(const cli::Args& args) { return args.get("kafka").empty() ? "embedded" : "kafka"; }

std::unique_ptr<projections::Views> open_views(const std::filesystem::path& dir, const cli::Args& args, const char* who) {
    auto views = projections::Views::open(dir.string(), log_source(args));
    if (!views) {
        std::fprintf(stderr, "liquida %s: %s: %s\n", who, code_name(views.error().code).c_str(), views.error().message.c_str());
        return nullptr;
    }
    return std::move(*views);
}

// Catches up, reporting progress on stderr about once a second.
bool catch_up(events::EventLog& log, projections::Views& views, const char* who, size_t& applied, double& seconds) {
    projections::Runner runner(log, views);
    const auto behind = runner.lag();
    if (!behind) {
        std::fprintf(stderr, "liquida %s: %s: %s\n", who, code_name(behind.error().code).c_str(), behind.error().message.c_str());
        return false;
    }
    const int64_t lag = *behind;
    auto last = std::chrono::steady_clock::now();
    const auto start = last;
    size_t done = 0;
    runner.on_progress([&](size_t events) {
        done += events;
        const auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::seconds(1)) return;
        last = now;
        std::fprintf(stderr, "liquida %s: %zu of %lld events applied\n", who, done, static_cast<long long>(lag));
    });
    auto n = runner.catch_up();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!n) {
        std::fprintf(stderr, "liquida %s: %s: %s\n", who, code_name(n.error().code).c_str(), n.error().message.c_str());
        return false;
    }
    applied = *n;
    return true;
}

}  // namespace

int views(const cli::Args& args) {
    if (args.positional(0) != "digest") throw cli::UsageError{"unknown views action '" + args.positional(0) + "' (known: digest)"};
    auto log = open_log(args, "views");
    if (!log) return 1;
    auto views = open_views(std::filesystem::path(args.get("data")) / "views", args, "views");
    if (!views) return 1;
    size_t applied = 0;
    double seconds = 0;
    if (!catch_up(*log, *views, "views", applied, seconds)) return 1;
    std::fprintf(stderr, "liquida views: %zu events applied in %.2f s; views up to date with the %s\n", applied, seconds,
                 describe_log(args).c_str());
    auto digests = views->digests();
    if (!digests) {
        std::fprintf(stderr, "liquida views: %s\n", digests.error().message.c_str());
        return 1;
    }
    for (const auto& d : *digests) std::printf("%s %s\n", d.view.c_str(), d.sha256.c_str());
    return 0;
}

int bench_projections(const cli::Args& args) {
    auto log = open_log(args, "bench");
    if (!log) return 1;
    const auto scratch = std::filesystem::path(args.get("data")) / "bench-views";
    std::filesystem::remove_all(scratch);
    auto views = open_views(scratch, args, "bench");
    if (!views) return 1;
    size_t applied = 0;
    double seconds = 0;
    if (!catch_up(*log, *views, "bench", applied, seconds)) return 1;
    if (applied == 0) {
        std::fprintf(stderr, "liquida bench: no events in the %s; run 'liquida simulate' first\n", describe_log(args).c_str());
        return 1;
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("bench projections: %zu events into the views in %.3f s: %.0f events/s, peak memory %.0f MiB\n", applied, seconds,
                static_cast<double>(applied) / seconds, static_cast<double>(usage.ru_maxrss) / 1024.0);
    views.reset();
    std::filesystem::remove_all(scratch);
    return 0;
}

}  // namespace liquida::commands
