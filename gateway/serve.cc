#include <csignal>
#include <cstdio>
#include <filesystem>

#include "events/log.h"
#include "events/topics.h"
#include "gateway/commands.h"

namespace liquida::commands {

int serve(const cli::Args& args) {
    const std::string data = args.get("data");
    const auto partitions = static_cast<int32_t>(args.get_int("partitions", 1, 4096));

    // Block the stop signals before any thread starts, then wait for them synchronously.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(data) / "log", ec);
    if (ec) {
        std::fprintf(stderr, "liquida serve: cannot create %s: %s\n", data.c_str(), ec.message().c_str());
        return 1;
    }
    auto log = events::open_embedded_log({(std::filesystem::path(data) / "log").string(),
                                          events::default_topics(partitions), !args.flag("no-sync")});
    if (!log) {
        std::fprintf(stderr, "liquida serve: %s: %s\n", std::string(events::code_name(log.error().code)).c_str(),
                     log.error().message.c_str());
        return 1;
    }
    std::printf("liquida serve: embedded event log at %s\n", (std::filesystem::path(data) / "log").c_str());
    for (const auto& t : (*log)->topics()) {
        int64_t total = 0;
        for (int32_t p = 0; p < t.partitions; ++p) {
            auto end = (*log)->end_offset({t.name, p});
            if (end) total += *end;
        }
        std::printf("  %-24s %3d partitions %10lld events\n", t.name.c_str(), t.partitions, static_cast<long long>(total));
    }
    std::printf("liquida serve: ready; stop with Ctrl-C (SIGINT) or SIGTERM\n");
    std::fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    std::printf("liquida serve: %s received, closing the log\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    (*log)->close();
    return 0;
}

}  // namespace liquida::commands
