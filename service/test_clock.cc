#include "service/test_clock.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "events/durable_file.h"

namespace liquida::service {

namespace {

constexpr std::string_view kMagic = "liquida-test-clock-1";

// "liquida-test-clock-1\n<ms>\n", or an error naming the file and the way out.
result<domain::TimestampMs> read_clock(const std::string& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    const auto damaged = [&] {
        return fail(errc::clock_damaged,
                    file + " is not a test clock (" + std::string(kMagic) +
                        "); it holds the business time this data directory runs on: restore it, or start on a new data directory");
    };
    if (!in && !in.eof()) return damaged();
    const std::string head = std::string(kMagic) + "\n";
    if (!s.starts_with(head) || !s.ends_with("\n")) return damaged();
    const std::string_view digits(s.data() + head.size(), s.size() - head.size() - 1);
    domain::TimestampMs at = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), at);
    if (ec != std::errc{} || end != digits.data() + digits.size() || at < 0) return damaged();
    return at;
}

}  // namespace

bool TestClock::exists(const std::string& file) {
    std::error_code ec;
    return std::filesystem::exists(file, ec) || ec;  // unreadable counts: open() then says why
}

result<std::unique_ptr<TestClock>> TestClock::open(std::string file, domain::TimestampMs start) {
    domain::TimestampMs at = start;
    if (exists(file)) {
        auto kept = read_clock(file);
        if (!kept) return failure{std::move(kept).error()};
        at = std::max(at, *kept);
    }
    std::unique_ptr<TestClock> clock(new TestClock(std::move(file), at));
    {
        std::lock_guard lk(clock->mu_);
        if (auto kept = clock->keep(at); !kept) return failure{std::move(kept).error()};
    }
    return clock;
}

domain::TimestampMs TestClock::now() const {
    std::lock_guard lk(mu_);
    return at_;
}

result<ok_t> TestClock::keep(domain::TimestampMs at) {
    auto written = events::replace_file(file_, std::string(kMagic) + "\n" + std::to_string(at) + "\n");
    if (written) kept_ = at;
    return written;
}

liquida::result<domain::TimestampMs, ClockRefusal> TestClock::set(domain::TimestampMs to) {
    std::lock_guard lk(mu_);
    if (to < at_) return failure{ClockRefusal{true, "El reloj de prueba sólo avanza: está en " + domain::to_iso_local(at_) + "."}};
    if (auto kept = keep(to); !kept) return failure{ClockRefusal{false, kept.error().message}};
    at_ = to;
    return at_;
}

domain::TimestampMs TestClock::follow(domain::TimestampMs to) {
    std::lock_guard lk(mu_);
    if (to <= at_) return at_;
    // A failed write is not the feed's concern: its commands are decided again after a restart.
    if (domain::local_date(to) != domain::local_date(kept_)) (void)keep(to);
    at_ = to;
    return at_;
}

}  // namespace liquida::service
