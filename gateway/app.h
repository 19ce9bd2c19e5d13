// What the gateway's URLs mean: commands in, views out, live views and topic streams over
// websockets, health and metrics. docs/API.md is the contract.
#pragma once

#include <atomic>
#include <chrono>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/config.h"
#include "gateway/as_of.h"
#include "events/chain_watch.h"
#include "events/log.h"
#include "gateway/auth.h"
#include "gateway/live.h"
#include "gateway/metrics.h"
#include "gateway/server.h"
#include "gateway/sessions.h"
#include "gateway/static_files.h"
#include "gateway/users.h"
#include "projections/views.h"
#include "replay/listings.h"
#include "replay/months.h"
#include "service/command_service.h"
#include "service/test_clock.h"

namespace liquida::gateway {

// A sign-in's token lives this long: a working day.
inline constexpr int64_t kSessionTtlMs = 8LL * 3600 * 1000;

struct AppParts {
    events::EventLog& log;
    projections::Views& views;
    const domain::Config& config;
    service::CommandService& commands;
    LiveHub& hub;
    Metrics& metrics;
    std::string key;                             // token signing key
    size_t workers = 16;                         // threads that run commands (each waits for a durable append)
    std::function<domain::TimestampMs()> clock;  // now; tests may fix it
    StaticFiles static_files;                    // the dashboard, served at "/"
    std::string data_dir;                        // for as-of queries (gateway/as_of.h); empty: refused
    // A websocket that has not authenticated by then is closed with 4401.
    std::chrono::milliseconds auth_timeout{10'000};
    const events::ChainWatch* chain = nullptr;  // the hash chain's state, for /healthz; may be null
    size_t file_page_rows = 256;                // rows of a view read at a time into a listing's file
    int64_t session_ttl_ms = kSessionTtlMs;
    // What commands are decided at and the views judged by (GatewayOptions::business_clock);
    // `clock` when empty. Tokens expire by `clock`.
    std::function<domain::TimestampMs()> business_clock = {};
    // The test clock `business_clock` reads, which POST /v1/clock moves; null on the wall clock.
    service::TestClock* test_clock = nullptr;
};

class App final : public Handler {
public:
    explicit App(AppParts parts);
    ~App() override;

    void http(HttpRequest request, std::function<void(HttpResponse)> done) override;
    Upgrade websocket(const HttpRequest& request, std::shared_ptr<WebSocket> socket) override;

    // Set once the server runs, for /metrics and /healthz.
    void attach(const Server* server) { server_ = server; }
    // Stops topic streams; call before the server stops.
    void stop();

private:
    HttpResponse route(const HttpRequest& request);
    // Sign-in, sign-out, passwords and users (gateway/account_routes.cc); false when the
    // request is not one of those.
    bool account(const HttpRequest& request, std::function<void(HttpResponse)>& finish);
    // Its answers that check no password (method, token, role, logout, the list of users), or
    // nullopt for those that do, with `claims` set when the route takes a token.
    std::optional<HttpResponse> account_at_once(const HttpRequest& request, const std::string& path, std::optional<Claims>& claims);
    HttpResponse login(const std::string& body);
    HttpResponse change_password(const std::string& body, const Claims& claims);
    HttpResponse add_user(const std::string& body);
    HttpResponse command(const HttpRequest& request, const Claims& claims);
    // The views and reports: a table of routes, each handler given its request scoped to the token.
    struct ViewRequest;
    HttpResponse view(const std::string& path, const std::map<std::string, std::string>& query, const Claims& claims);
    HttpResponse padron_view(const ViewRequest& request);
    HttpResponse padron_row_view(const ViewRequest& request);
    HttpResponse pending_view(const ViewRequest& request);
    HttpResponse settlement_view(const ViewRequest& request);
    HttpResponse invoices_view(const ViewRequest& request);
    HttpResponse orders_view(const ViewRequest& request);
    HttpResponse validation_view(const ViewRequest& request);
    HttpResponse payouts_view(const ViewRequest& request);
    HttpResponse debits_view(const ViewRequest& request);
    HttpResponse payment_orders_view(const ViewRequest& request);
    HttpResponse retentions_view(const ViewRequest& request);
    HttpResponse authorizations_view(const ViewRequest& request);  // A9, from the provider's ledger
    HttpResponse submissions_view(const ViewRequest& request);     // F5, from the provider's ledger
    HttpResponse presentations_view(const ViewRequest& request);   // F6, from the colegio's ledger
    // A listing given as its table: JSON pages of {column key: value}, or the file.
    HttpResponse table_view(const ViewRequest& request, replay::Table table, std::string name, std::string title);
    // The colegio's months: GET /v1/months[/YYYY-MM[/reports/NAME]], POST /v1/months/YYYY-MM/close.
    HttpResponse months_view(const std::string& path, const Claims& claims);
    HttpResponse meta_view(const Claims& claims) const;  // gateway/meta_routes.cc
    // POST /v1/clock: the colegio moves the test clock (gateway/clock_routes.cc).
    HttpResponse set_clock(const std::string& body, const Claims& claims);
    HttpResponse close_month(const std::string& path, const std::map<std::string, std::string>& query, const Claims& claims);
    // A listing as a file (gateway/downloads.h), with its filters on the Resumen sheet.
    // `more`: further chunks of the last table (gateway/downloads.h), optional.
    HttpResponse send_file(const ViewRequest& request, std::string name, std::string title, std::vector<replay::Table> tables,
                           std::function<bool(replay::Table&)> more = {});
    // Names beside ids, from the padrón rows the request's scope may read.
    replay::Names names_for(const ViewRequest& request);
    Upgrade live(const HttpRequest& request, const std::shared_ptr<WebSocket>& socket);
    Upgrade topic_stream(const HttpRequest& request, const std::string& topic, const std::shared_ptr<WebSocket>& socket);

    AppParts p_;
    Sessions sessions_;
    Authenticator auth_;
    std::unique_ptr<UserStore> users_;  // none without a data directory
    boost::asio::thread_pool password_pool_{1};
    std::atomic<int> password_waiting_{0};
    boost::asio::thread_pool workers_;
    std::unique_ptr<AsOfViews> as_of_;
    std::unique_ptr<replay::Months> months_;
    // As-of rebuilds and month closes run one at a time, off the io threads and the command workers.
    boost::asio::thread_pool as_of_pool_{1};
    const Server* server_ = nullptr;
    std::atomic<bool> stopping_{false};
    struct Stream {
        std::shared_ptr<const std::atomic<bool>> ended;   // its reader has ended
        std::shared_ptr<const std::atomic<bool>> closed;  // its client went away
        std::string holder;                               // "role:subject" of the token that opened it
    };
    std::mutex streams_mu_;
    std::vector<Stream> streams_;  // topic streams running, or ended and not yet counted out
    // The topic streams' readers: asynchronous steps, not a thread per stream.
    boost::asio::thread_pool stream_pool_{2};
};

}  // namespace liquida::gateway
