// `liquida import FILE`: a colegio's history brought in from the portals it used before, as
// commands with the business time each happened at, decided by the same rules as at that time
// (the padrón's May and September window, a document's expiry, the day 1-5 window) through
// the same command path and role checks as POST /v1/commands. It runs with no server on the
// data directory: history decided while a server takes today's commands would interleave them.
//
// FILE has one JSON object per line: a command as POST /v1/commands takes it (its command_id
// required, so that running the file again appends nothing twice), plus "at" (an instant with
// its offset) and "as" (the issuer: "colegio:NAME", "prestador:ID", "obra_social:ID"). The
// instants never go back: each line's is at or after the previous line's and the log's last
// event, and not after the business clock's now. The first line refused stops the import,
// naming it; the lines before it are in the log, and the same file run again after fixing it
// goes on from there.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/log_setup.h"
#include "cli/subcommands.h"
#include "gateway/command_policy.h"
#include "gateway/json.h"
#include "service/command_service.h"
#include "service/state_store.h"
#include "service/test_clock.h"

namespace liquida::commands {

namespace {

constexpr size_t kMaxLine = 1 << 20;  // as an HTTP command's body

// A line's command, issuer and instant, or why the line is refused.
struct Line {
    gateway::CommandRequest request;
    gateway::Role role = gateway::Role::colegio;
    std::string subject;
    domain::TimestampMs at = 0;
};

result<Line, std::string> parse_line(const std::string& text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return failure(std::string("request.invalid_json: not a JSON object"));
    const auto at = j.find("at");
    if (at == j.end() || !at->is_string())
        return failure(std::string("request.missing_field (at): the instant it happened, 2025-06-02T10:00:00-03:00"));
    const auto instant = domain::parse_instant(at->get<std::string>());
    if (!instant || *instant < 0 || *instant > domain::kMaxInstant)
        return failure("request.invalid_value (at): not an instant with its offset: " + at->get<std::string>());
    const auto as = j.find("as");
    if (as == j.end() || !as->is_string())
        return failure(std::string("request.missing_field (as): who issued it, colegio:NAME, prestador:ID or obra_social:ID"));
    const std::string issuer = as->get<std::string>();
    const auto colon = issuer.find(':');
    const auto role = gateway::parse_role(issuer.substr(0, colon));
    if (colon == std::string::npos || !role) return failure("request.invalid_value (as): expected ROLE:SUBJECT, not " + issuer);
    const std::string subject = issuer.substr(colon + 1);
    if (auto why = gateway::check_subject(*role, subject); !why.empty()) return failure("request.invalid_value (as): " + why);
    j.erase("at");
    j.erase("as");
    auto request = gateway::parse_command(j.dump());
    if (!request) return failure(request.error().code + " (" + request.error().field + "): " + request.error().message);
    if (request->command_id.empty())
        return failure(std::string(
            "request.missing_field (command_id): every line needs its own, so that running the file again appends nothing twice"));
    return Line{std::move(*request), *role, subject, *instant};
}

// The business clock's now: the test clock's when the data directory runs on one, else the wall's.
result<domain::TimestampMs, std::string> business_now(const std::string& data) {
    const std::string clock_file = (std::filesystem::path(data) / service::kTestClockFile).string();
    if (!service::TestClock::exists(clock_file))
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto clock = service::TestClock::open(clock_file, 0);
    if (!clock) return failure("test clock: " + clock.error().message);
    return (*clock)->now();
}

struct Tally {
    size_t imported = 0, retried = 0, events = 0;
};

// One line decided and appended, or recognised as already in the log; why it is refused
// otherwise. `latest` is the instant of the log's last decided event.
result<ok_t, std::string> import_line(service::CommandService& service, const Line& line, domain::TimestampMs now,
                                      domain::TimestampMs& latest, Tally& tally) {
    const service::Issuer issuer = gateway::issuer_of(line.role, line.subject);
    const std::string digest = gateway::command_digest(line.request.provider, line.request.command);
    // Already in the log (the file run again): recognised before any rule by time.
    if (auto earlier = service.earlier(line.request.provider, line.request.command_id, issuer, digest)) {
        if (!*earlier) return failure(earlier->error().code + " (" + earlier->error().field + "): " + earlier->error().message);
        ++tally.retried;
        return ok;
    }
    if (line.at > now) return failure("import.in_the_future (at): after the business clock's now (" + domain::to_iso_local(now) + ")");
    if (line.at < latest)
        return failure("import.before_the_log (at): the log already holds an event decided at " + domain::to_iso_local(latest) +
                       "; history goes before today's, never among it");
    if (auto refused = gateway::may_not_issue(service, line.role, line.subject, line.request))
        return failure(refused->code + ": " + refused->message);
    auto out = service.execute(line.request.provider, line.request.command, line.request.command_id, issuer, line.at, digest);
    if (!out)
        return failure(out.error().code + (out.error().field.empty() ? "" : " (" + out.error().field + ")") + ": " + out.error().message);
    if (out->duplicate) {
        ++tally.retried;
        return ok;
    }
    ++tally.imported;
    tally.events += out->events.size();
    latest = line.at;
    return ok;
}

}  // namespace

int import(const cli::Args& args) {
    const std::string data = args.get("data");
    const std::string& file = args.positional(0);
    args.get_int("partitions", 1, 4096);
    for (const char* part : {"state", "log"})
        if (held_by_another_process(std::filesystem::path(data) / part)) {
            std::fprintf(stderr,
                         "liquida import: %s is in use by a running liquida serve (%s/%s is locked): stop it first; "
                         "history decided while a server takes today's commands would interleave with them\n",
                         data.c_str(), data.c_str(), part);
            return 1;
        }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "liquida import: cannot open %s\n", file.c_str());
        return 1;
    }
    auto config = load_config(args, "import");
    if (!config) return 1;
    auto log = open_log(args, "import");
    if (!log) return 1;
    auto store = service::StateStore::open((std::filesystem::path(data) / "state").string());
    if (!store) {
        std::fprintf(stderr, "liquida import: state: %s\n", store.error().message.c_str());
        return 1;
    }
    // On a test clock, history ends at the clock's now.
    const auto now = business_now(data);
    if (!now) {
        std::fprintf(stderr, "liquida import: %s\n", now.error().c_str());
        return 1;
    }
    auto latest = last_decided(*log);
    if (!latest) {
        std::fprintf(stderr, "liquida import: reading the log: %s\n", latest.error().message.c_str());
        return 1;
    }
    service::CommandService service(*log, **store, *config);
    if (auto started = service.start(); !started) {
        std::fprintf(stderr, "liquida import: reading the log into the state: %s\n", started.error().message.c_str());
        return 1;
    }

    size_t number = 0;
    Tally tally;
    domain::TimestampMs previous = 0;
    std::vector<char> buffer(kMaxLine + 2);  // a longer line is refused, never read whole
    const auto refuse = [&](const std::string& why) {
        std::fprintf(stderr, "liquida import: %s line %zu refused: %s\n", file.c_str(), number, why.c_str());
        std::printf(
            "liquida import: stopped at line %zu; %zu commands imported (%zu events), %zu already in the log. "
            "Fix the line and run the same file again: the lines before it are recognised and skipped.\n",
            number, tally.imported, tally.events, tally.retried);
        return 1;
    };
    while (in.getline(buffer.data(), static_cast<std::streamsize>(buffer.size()))) {
        ++number;
        const std::streamsize newline = in.eof() ? 0 : 1;  // counted by gcount, not stored; none on a last line without one
        const std::string text(buffer.data(), static_cast<size_t>(std::max<std::streamsize>(0, in.gcount() - newline)));
        if (text.size() > kMaxLine) return refuse("request.too_long: over " + std::to_string(kMaxLine) + " bytes");
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        auto line = parse_line(text);
        if (!line) return refuse(line.error());
        if (line->at < previous)
            return refuse("import.out_of_order (at): before the line above it (" + domain::to_iso_local(previous) + ")");
        previous = line->at;
        if (auto done = import_line(service, *line, *now, *latest, tally); !done) return refuse(done.error());
    }
    if (!in.eof()) {  // a line over the limit (getline stopped at the buffer) or a read error
        ++number;
        return refuse(in.bad() ? std::string("reading the file failed") : "request.too_long: over " + std::to_string(kMaxLine) + " bytes");
    }
    std::printf("liquida import: %zu commands imported (%zu events), %zu already in the log, from %zu lines of %s\n", tally.imported,
                tally.events, tally.retried, number, file.c_str());
    return 0;
}

}  // namespace liquida::commands
