// `liquida replay`: a month rebuilt from the log into scratch views, its report written as
// JSON, CSV and XLSX, and with --verify compared with the live views (docs/REPLAY.md).
// Exit codes: 0 done (and verified), 1 a failure, a broken hash chain or differences, 2 bad
// arguments.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "cli/subcommands.h"
#include "cli/log_setup.h"
#include "projections/runner.h"
#include "replay/replay.h"

namespace liquida::commands {
namespace {

void print_error(const fault& e) { std::fprintf(stderr, "liquida replay: %s: %s\n", code_name(e.code).c_str(), e.message.c_str()); }

void print_progress(const replay::Progress& p, const std::string& month) {
    const double eta = p.eta_seconds();
    std::fprintf(stderr, "liquida replay: %s: %s: %llu of %llu events, %.0f events/s, ETA %s\n", month.c_str(),
                 std::string(p.phase).c_str(), static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.total),
                 p.events_per_second(), eta < 0 ? "unknown" : (std::to_string(std::llround(eta)) + " s").c_str());
}

// The live views in DATA/views brought up to date with the log, as `views digest` does.
std::unique_ptr<projections::Views> live_views(events::EventLog& log, const std::filesystem::path& dir, const std::string& source,
                                               const std::string& month) {
    auto views = projections::Views::open(dir.string(), source);
    if (!views) {
        print_error(views.error());
        return nullptr;
    }
    projections::Runner runner(log, **views);
    const auto behind = runner.lag();
    if (!behind) {
        print_error(behind.error());
        return nullptr;
    }
    const int64_t lag = *behind;
    const auto start = std::chrono::steady_clock::now();
    auto last = start;
    uint64_t done = 0;
    runner.on_progress([&](size_t events) {
        done += events;
        const auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::seconds(1)) return;
        last = now;
        print_progress({"bringing the live views up to date", done, lag < 0 ? 0 : static_cast<uint64_t>(lag),
                        std::chrono::duration<double>(now - start).count()},
                       month);
    });
    if (auto n = runner.catch_up(); !n) {
        print_error(n.error());
        return nullptr;
    }
    return std::move(*views);
}

// Where the followers of a held log and views keep their own files while the replay runs.
struct FollowerDir {
    explicit FollowerDir(std::filesystem::path p) : path(std::move(p)) {
        std::error_code ec;  // a failure shows as the follower's own open error
        std::filesystem::create_directories(path, ec);
    }
    FollowerDir(const FollowerDir&) = delete;
    FollowerDir& operator=(const FollowerDir&) = delete;
    std::filesystem::path path;
    ~FollowerDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

// What the replay reads. A running serve holds DATA/log and DATA/views: the replay reads them
// beside it, as followers. The views are opened first, so the log, opened after, holds every
// record they applied.
struct Sources {
    std::unique_ptr<projections::Views> served_views;  // null when no process holds them
    std::unique_ptr<events::EventLog> log;
};

bool open_sources(const cli::Args& args, const std::filesystem::path& data, const std::string& source,
                  const std::filesystem::path& followers, Sources& out) {
    if (args.flag("verify") && held_by_another_process(data / "views")) {
        std::fprintf(stderr, "liquida replay: %s is held by a running process: --verify compares the views as they stand now\n",
                     (data / "views").c_str());
        auto views = projections::Views::open((data / "views").string(), source, (followers / "views").string());
        if (!views) {
            print_error(views.error());
            return false;
        }
        out.served_views = std::move(*views);
    }
    const bool log_held = source == "embedded" && held_by_another_process(data / "log");
    if (log_held)
        std::fprintf(stderr, "liquida replay: %s is held by a running process: replaying the log as it stands now\n",
                     (data / "log").c_str());
    out.log = open_log(args, "replay", log_held ? (followers / "log").string() : std::string());
    return out.log != nullptr;
}

// "2025-07-01T00:00:00-03:00": cuts fall on local midnight.
std::string iso_cut(replay::TimestampMs cut) { return domain::to_string(domain::local_date(cut)) + "T00:00:00-03:00"; }

// What the replay found, on stdout (and its warnings on stderr).
void print_report(const replay::Report& report, double seconds, const std::string& log, const std::filesystem::path& checkpoints) {
    const std::string month = domain::to_string(report.month);
    const std::string start = report.from_checkpoint ? "the checkpoint of " + domain::to_string(*report.from_checkpoint) : "scratch";
    std::printf(
        "replay %s: %llu events recorded before the cut (%s), views from %s (%llu events applied), in %.2f s (%.0f events/s) from the %s\n",
        month.c_str(), static_cast<unsigned long long>(report.events), iso_cut(report.cut).c_str(), start.c_str(),
        static_cast<unsigned long long>(report.applied), seconds, seconds > 0 ? static_cast<double>(report.events) / seconds : 0.0,
        log.c_str());
    if (report.checkpoint_kept) std::printf("kept the checkpoint %s\n", (checkpoints / month).string().c_str());
    if (report.closing == replay::Closing::month_not_ended)
        std::fprintf(stderr, "liquida replay: %s has not ended yet: the replay holds what was recorded so far\n", month.c_str());
    if (report.closing == replay::Closing::log_not_past_cut)
        std::fprintf(stderr,
                     "liquida replay: %s is not closed: the log holds no record at or after its cut (%s) yet, so events of the "
                     "month may still arrive; no close record or checkpoint was written. Replay it again once the log has "
                     "passed the cut, or close it now with --force-close\n",
                     month.c_str(), iso_cut(report.cut).c_str());
    if (report.out_of_order > 0)
        std::fprintf(stderr,
                     "liquida replay: warning: %llu records recorded before the cut were appended after a later one and are "
                     "not in the replay (see docs/REPLAY.md)\n",
                     static_cast<unsigned long long>(report.out_of_order));
    for (const auto& d : report.digests) std::printf("%s %s\n", d.view.c_str(), d.sha256.c_str());
    if (const auto& broken = report.chain_break)
        std::printf("chain BROKEN at %s/%d offset %lld: %s\n", broken->tp.topic.c_str(), broken->tp.partition,
                    static_cast<long long>(broken->offset), broken->reason.c_str());
    else std::printf("chain intact: every record before the cut matches its partition's hash chain\n");
}

// The comparison with the live views; the exit code.
int print_verification(const replay::Verification& v, const std::string& month) {
    std::printf("verify %s: settlement of %s: replayed %llu rows sha256 %s; live %llu rows sha256 %s\n", month.c_str(), month.c_str(),
                static_cast<unsigned long long>(v.replayed_rows), v.replayed_sha256.c_str(), static_cast<unsigned long long>(v.live_rows),
                v.live_sha256.c_str());
    for (const auto& d : v.differences)
        std::printf("differs %s %s: replayed %s, live %s%s\n", d.row.c_str(), d.field.c_str(), d.replayed.c_str(), d.live.c_str(),
                    d.later_events > 0 ? (" (" + std::to_string(d.later_events) + " events after the cut touch this row)").c_str()
                                       : " (no event after the cut touches this row)");
    std::printf("%llu events recorded after the cut change this period (of %llu recorded after it)\n",
                static_cast<unsigned long long>(v.later_events), static_cast<unsigned long long>(v.events_after_cut));
    if (v.holds()) {
        std::printf("verify %s: the replay equals the live views\n", month.c_str());
        return 0;
    }
    std::printf("verify %s: %llu rows differ (%zu fields); %llu of them not explained by events after the cut\n", month.c_str(),
                static_cast<unsigned long long>(v.differing_rows), v.differences.size(),
                static_cast<unsigned long long>(v.unexplained_rows));
    // Events after the cut explain a past month's differences (a later payment, a late debit):
    // the month holds. Only a difference nothing in the log explains fails.
    return v.unexplained_rows == 0 ? 0 : 1;
}

}  // namespace

std::vector<cli::OptionSpec> replay_options() {
    std::vector<cli::OptionSpec> options = log_options("");
    options[0].help =
        "data directory: the embedded log (DIR/log), the live views (DIR/views) and reports (DIR/replay); "
        "with --kafka only the views and reports, default ./data";
    options.push_back({"month", "YYYY-MM", "the month to replay: every event recorded before its end in Argentina time", ""});
    options.push_back({"out", "dir", "where the report files go (default DATA/replay/YYYY-MM)", ""});
    options.push_back({"verify", "",
                       "compare the month's settlement with the live views (DATA/views, brought up to date first); exit 1 on differences "
                       "no later event explains",
                       ""});
    options.push_back(
        {"from-scratch", "", "rebuild the views from offset 0, not from the checkpoint of an earlier month (DATA/checkpoints)", ""});
    options.push_back(
        {"force-close", "", "close the month (close record and checkpoint) though the log holds no record at or after its cut yet", ""});
    options.push_back(config_option());
    return options;
}

int replay(const cli::Args& args) {
    const std::string month_text = args.get("month");
    if (month_text.empty()) throw cli::UsageError{"option '--month YYYY-MM' is required"};
    const auto month = domain::parse_period(month_text);
    if (!month || month->year < 1971 || month->year > 9998)
        throw cli::UsageError{"option '--month' must be a month YYYY-MM, not '" + month_text + "'"};
    if (args.get("data").empty() && args.get("kafka").empty())
        throw cli::UsageError{"give the log: --data DIR (embedded) or --kafka BROKERS"};
    const std::filesystem::path data = args.get("data").empty() ? std::filesystem::path("./data") : std::filesystem::path(args.get("data"));
    const std::filesystem::path out = args.get("out").empty() ? data / "replay" / month_text : std::filesystem::path(args.get("out"));
    const std::string source = args.get("kafka").empty() ? "embedded" : "kafka";
    if (source == "embedded" && !std::filesystem::is_directory(data / "log"))  // not created: a typo would replay nothing
        throw cli::UsageError{"no embedded log at " + (data / "log").string()};

    const auto config = load_config(args, "replay");
    if (!config) return 1;
    const FollowerDir followers{out / ".followers"};
    Sources sources;
    if (!open_sources(args, data, source, followers.path, sources)) return 1;
    auto& log = sources.log;

    replay::ReplayOptions options;
    options.scratch_dir = out / ".scratch-views";
    options.source = source;
    options.checkpoints_dir = data / "checkpoints";
    options.from_scratch = args.flag("from-scratch");
    options.force_close = args.flag("force-close");
    options.progress = [&](const replay::Progress& p) { print_progress(p, month_text); };

    const auto began = std::chrono::steady_clock::now();
    auto replayed = replay::replay_month(*log, *month, *config, options);
    if (!replayed) {
        print_error(replayed.error());
        return 1;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    const replay::Report& report = replayed->report;
    print_report(report, seconds, describe_log(args), options.checkpoints_dir);
    auto files = replay::write_reports(report, out);
    if (!files) {
        print_error(files.error());
        return 1;
    }
    for (const auto& f : *files) std::printf("wrote %s\n", f.string().c_str());
    std::fflush(stdout);
    if (report.chain_break) return 1;  // altered records: nothing else of this replay can be trusted
    if (!args.flag("verify")) return 0;

    auto live = sources.served_views ? std::move(sources.served_views) : live_views(*log, data / "views", source, month_text);
    if (!live) return 1;
    auto verified = replay::verify_month(*log, *replayed, *live, options);
    if (!verified) {
        print_error(verified.error());
        return 1;
    }
    return print_verification(*verified, month_text);
}

}  // namespace liquida::commands
