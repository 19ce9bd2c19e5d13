// The running gateway: the command service (service/command_service.h) and its state store,
// the projection runner thread feeding the live hub, the HTTP + websocket server.
// `liquida serve` and the tests use it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "events/chain_watch.h"
#include "gateway/app.h"
#include "gateway/live.h"
#include "gateway/metrics.h"
#include "gateway/server.h"
#include "projections/runner.h"
#include "service/command_service.h"
#include "service/state_store.h"

namespace liquida::gateway {

struct GatewayOptions {
    ServerOptions server;
    std::string key;  // token signing key
    size_t workers = 32;
    std::function<domain::TimestampMs()> clock;  // default: the system clock
    std::string static_dir;
    // The data directory: as-of queries rebuild views in DATA/as-of from DATA/checkpoints.
    // Empty: as-of queries of the settlement are refused (501).
    // Also where the hash chain's verified point is kept (DATA/chain-verified; empty: the
    // chain is not watched) and the command path's state (DATA/state; empty: a private
    // temporary directory, removed at stop, so every start reads the whole log).
    std::string data_dir;
    service::ServiceOptions service;
    // A websocket that has not authenticated by then is closed with 4401.
    std::chrono::milliseconds auth_timeout{10'000};
    // Rows of a view read at a time into a listing's file (projections::Cursor).
    size_t file_page_rows = 256;
    // The instant the business runs at: what commands are decided at and what the views are
    // judged by (documents in force, days pending, whether a month has ended). Default:
    // `clock`, or `test_clock` when given. Tokens and sessions always expire by `clock`, the real one.
    std::function<domain::TimestampMs()> business_clock = {};
    // `serve --test-clock` and `--demo`: the business time is this clock's, which the colegio
    // moves with POST /v1/clock (service/test_clock.h). Null: the wall clock, not movable.
    service::TestClock* test_clock = nullptr;
};

class Gateway {
public:
    Gateway(events::EventLog& log, projections::Views& views, const domain::Config& config, GatewayOptions options);
    ~Gateway();

    // Opens the state and folds what the log holds past it, starts the runner and the server.
    // Empty on success, else what failed.
    std::string start();
    uint16_t port() const { return port_; }
    // Stops the server, the streams and the runner (the log stays open).
    void stop();

    service::CommandService& commands() { return *service_; }  // after start()
    Metrics& metrics() { return metrics_; }
    LiveHub& hub() { return hub_; }
    size_t events_folded() const { return folded_; }  // at start, into the state
    uint64_t slow_drops() const { return server_ ? server_->slow_drops() : 0; }
    // The runner's last error while its steps fail (it retries with backoff); empty when fine.
    std::string runner_error() const;

private:
    void run_views();
    // On the runner's thread: when the business day turns, the padrón rows whose standing the
    // new day changes (a document expired by the date alone) go to live subscribers.
    void publish_new_day();
    void watch_chain();
    events::EventLog& log_;
    projections::Views& views_;
    const domain::Config& config_;
    GatewayOptions options_;
    std::string state_dir_;
    bool state_is_temporary_ = false;
    std::unique_ptr<service::StateStore> store_;
    std::unique_ptr<service::CommandService> service_;
    LiveHub hub_;
    Metrics metrics_;
    projections::Runner runner_;
    std::unique_ptr<App> app_;
    std::unique_ptr<Server> server_;
    std::thread runner_thread_;
    std::unique_ptr<events::ChainWatch> chain_;
    std::mutex observe_mu_;  // the runner's lanes hand it records at once
    std::thread chain_thread_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex error_mu_;
    std::string runner_error_;
    uint16_t port_ = 0;
    size_t folded_ = 0;
    domain::Date day_;  // the business day the live padrón rows were last judged on
};

}  // namespace liquida::gateway
