#include "gateway/gateway.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>

#include "gateway/json.h"

namespace liquida::gateway {

using namespace std::chrono_literals;

namespace {
constexpr auto kFirstBackoff = 100ms;  // the runner's wait after a failed step, doubling
constexpr auto kLastBackoff = 5000ms;
constexpr auto kChainPeriod = 100ms;  // the hash-chain watch's pause once caught up
// While behind, the lanes catch up on their own threads for this long between two looks at
// the lag (and at stop): /healthz's lag is never older than that and a step.
constexpr auto kCatchUpSlice = 1s;
}  // namespace

Gateway::Gateway(events::EventLog& log, projections::Views& views, const domain::Config& config, GatewayOptions options)
    : log_(log), views_(views), config_(config), options_(std::move(options)), runner_(log, views) {
    if (!options_.clock)
        options_.clock = [] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        };
    if (options_.test_clock) options_.business_clock = [c = options_.test_clock] { return c->now(); };
    if (!options_.business_clock) options_.business_clock = options_.clock;
}

Gateway::~Gateway() { stop(); }

std::string Gateway::start() {
    auto files = StaticFiles::load(options_.static_dir);
    if (!files) return "the dashboard: " + files.error();
    if (options_.data_dir.empty()) {
        std::string tmp = (std::filesystem::temp_directory_path() / "liquida-state-XXXXXX").string();
        if (::mkdtemp(tmp.data()) == nullptr) return "a temporary directory for the state: " + std::string(std::strerror(errno));
        state_dir_ = tmp;
        state_is_temporary_ = true;
    } else {
        state_dir_ = (std::filesystem::path(options_.data_dir) / "state").string();
        // Who may sign in must be known for sure: a users file that does not read stops the start.
        if (auto users = UserStore(options_.data_dir).load(); !users) return "the users file: " + users.error();
    }
    auto store = service::StateStore::open(state_dir_);
    if (!store) return store.error().message;
    store_ = std::move(*store);
    service_ = std::make_unique<service::CommandService>(log_, *store_, config_, options_.service);
    if (!options_.data_dir.empty()) {
        chain_ = std::make_unique<events::ChainWatch>(log_, (std::filesystem::path(options_.data_dir) / "chain-verified").string());
        if (auto loaded = chain_->load(); !loaded) return "the hash chain's verified point: " + loaded.error().message;
        service_->watch(chain_.get());
        runner_.on_read([this](const std::vector<events::StoredRecord>& records) {
            std::lock_guard lk(observe_mu_);  // the watch's verifiers are shared by every partition
            chain_->observe(records);
        });
    }
    auto folded = service_->start();
    if (!folded) return "reading the log into the state: " + folded.error().message;
    folded_ = *folded;
    auto pending = views_.pending({});
    if (!pending) return "reading the views: " + pending.error().message;
    hub_.remember(*pending);  // before the runner's thread: it publishes what follows
    runner_.on_delta([this](const projections::Delta& d) {
        metrics_.view_events_applied += d.events;
        hub_.publish(d, domain::local_date(options_.business_clock()), config_);
    });
    // Where the views stand before anyone asks /healthz: current when nothing is left to apply.
    if (auto p = runner_.progress(); p) {
        metrics_.view_lag = p->end - p->applied;
        metrics_.views_current = p->applied == p->end;
    }
    day_ = domain::local_date(options_.business_clock());
    runner_thread_ = std::thread([this] { run_views(); });
    if (chain_) chain_thread_ = std::thread([this] { watch_chain(); });
    app_ = std::make_unique<App>(AppParts{log_, views_, config_, *service_, hub_, metrics_, options_.key, options_.workers, options_.clock,
                                          std::move(*files), options_.data_dir, options_.auth_timeout, chain_.get(),
                                          options_.file_page_rows, kSessionTtlMs, options_.business_clock, options_.test_clock});
    server_ = std::make_unique<Server>(options_.server, *app_);
    if (auto err = server_->start(port_); !err.empty()) {
        stop();
        return err;
    }
    app_->attach(server_.get());
    return {};
}

// The runner's thread: applies the log to the views, retrying failed steps with backoff, and
// keeps the lag and "current" that /healthz reports.
void Gateway::publish_new_day() {
    const domain::Date today = domain::local_date(options_.business_clock());
    if (today == day_) return;
    auto rows = views_.padron_rows();
    if (!rows) return;  // tried again after the next step; the step's own failure is reported there
    projections::Delta d;
    for (auto& r : *rows)
        if (r.in_good_standing(day_) != r.in_good_standing(today))
            d.changes.push_back({projections::View::padron, std::to_string(r.provider.value()), projections::Row{std::move(r)}});
    day_ = today;
    if (!d.changes.empty()) hub_.publish(d, today, config_);
}

void Gateway::run_views() {
    auto last_lag = std::chrono::steady_clock::time_point{};
    // The log's end at each measurement, oldest first, kept back to the newest that is at
    // least a second old: the views are current when they have applied that much.
    std::deque<std::pair<std::chrono::steady_clock::time_point, int64_t>> ends;
    auto backoff = kFirstBackoff;
    while (!stopping_) {
        auto n = runner_.behind() ? runner_.catch_up(std::chrono::steady_clock::now() + kCatchUpSlice) : runner_.step();
        if (!n) {
            if (stopping_) return;
            // A failed step commits nothing, so it can simply run again: a broker away or a
            // read timing out passes; a damaged record does not, and /healthz says so
            // meanwhile. Backing off keeps a lasting failure from spinning.
            {
                std::lock_guard lk(error_mu_);
                if (runner_error_ != n.error().message)  // once per cause, not per retry
                    std::fprintf(stderr, "liquida: views: a projection step failed, retrying with backoff: %s\n",
                                 n.error().message.c_str());
                runner_error_ = n.error().message;
            }
            metrics_.view_lag = -1;
            metrics_.view_step_failures++;
            for (auto slept = 0ms; slept < backoff && !stopping_; slept += 50ms) std::this_thread::sleep_for(50ms);
            backoff = std::min(backoff * 2, kLastBackoff);
            continue;
        }
        publish_new_day();
        if (backoff != kFirstBackoff) {
            backoff = kFirstBackoff;
            std::lock_guard lk(error_mu_);
            runner_error_.clear();
            std::fprintf(stderr, "liquida: views: projection steps succeed again\n");
        }
        // Lag asks the log for every end offset: at most once a second while busy.
        const auto now = std::chrono::steady_clock::now();
        if (*n == 0 || now - last_lag > 1s) {
            auto p = runner_.progress();
            bool current = false;
            if (!p) {  // the views ahead of the log: never a negative lag, an error state
                std::lock_guard lk(error_mu_);
                if (runner_error_ != p.error().message) std::fprintf(stderr, "liquida: views: %s\n", p.error().message.c_str());
                runner_error_ = p.error().message;
                ends.clear();
            } else {
                ends.emplace_back(now, p->end);
                while (ends.size() > 1 && now - ends[1].first >= 1s) ends.pop_front();
                current = p->applied == p->end || (now - ends.front().first >= 1s && p->applied >= ends.front().second);
            }
            // The lag first: /healthz reads views_current first, so "ok" never comes with
            // a lag older than it.
            metrics_.view_lag = p ? p->end - p->applied : -1;
            metrics_.views_current = current;
            last_lag = now;
        }
        if (*n == 0) runner_.wait(100ms);
    }
}

// The hash chain's thread: verifies what the runner's reads did not, a period apart once caught up.
void Gateway::watch_chain() {
    auto backoff = kFirstBackoff;
    while (!stopping_) {
        auto n = chain_->step();
        if (!n) {  // a read or a save failed: it is tried again; a broken link is not this
            std::fprintf(stderr, "liquida: hash chain: %s\n", n.error().message.c_str());
            for (auto slept = 0ms; slept < backoff && !stopping_; slept += 50ms) std::this_thread::sleep_for(50ms);
            backoff = std::min(backoff * 2, kLastBackoff);
            continue;
        }
        backoff = kFirstBackoff;
        if (!chain_->caught_up()) continue;  // catching up: the next batch at once
        // Caught up: the runner's reads verify most records as they come (observe); a
        // step a period apart asks every partition's end and reads what it has not.
        std::this_thread::sleep_for(kChainPeriod);
        chain_->wait(200ms);
    }
}

void Gateway::stop() {
    if (stopping_.exchange(true)) return;
    if (app_) app_->stop();
    if (server_) server_->stop();
    app_.reset();  // joins the command workers
    if (runner_thread_.joinable()) runner_thread_.join();
    if (chain_thread_.joinable()) chain_thread_.join();
    if (chain_) {  // what was appended since the last step is verified, and the point saved
        auto last = chain_->step();
        if (!last) std::fprintf(stderr, "liquida: hash chain: %s\n", last.error().message.c_str());
        if (auto flushed = chain_->flush(); !flushed)
            std::fprintf(stderr, "liquida: hash chain: %s (verified again at the next start)\n", flushed.error().message.c_str());
    }
    service_.reset();  // saves what is dirty
    store_.reset();
    if (state_is_temporary_) {
        std::error_code ec;
        std::filesystem::remove_all(state_dir_, ec);
    }
}

std::string Gateway::runner_error() const {
    std::lock_guard lk(error_mu_);
    return runner_error_;
}

}  // namespace liquida::gateway
