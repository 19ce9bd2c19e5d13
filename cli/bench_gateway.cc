// `liquida bench http` and `liquida bench live`: the gateway in-process on 127.0.0.1 over a
// scratch embedded log, driven through real sockets.
//   http: keep-alive connections send load_order commands (decided, appended with fsync,
//         answered); commands/s and latency percentiles.
//   live: websocket subscribers each watch one provider's settlement rows while events are
//         appended at a fixed rate; append-to-receive latency percentiles and drops.
#include <utility>  // before Asio: Boost 1.74's Asio misses it under GCC 12 in C++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "events/publisher.h"
#include "events/topics.h"
#include "gateway/auth.h"
#include "cli/subcommands.h"
#include "gateway/gateway.h"
#include "cli/log_setup.h"

namespace liquida::commands {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kKey = "bench-signing-key-0123456789abcdef";

double percentile(std::vector<double>& v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// A scratch gateway: embedded log and views under `dir`, emptied first.
struct Scratch {
    std::unique_ptr<events::EventLog> log;
    std::unique_ptr<projections::Views> views;
    std::unique_ptr<gateway::Gateway> gateway;
    std::string token;

    bool open(const std::string& dir, const domain::Config& config, bool sync, size_t workers = 32) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        auto l = events::open_embedded_log({dir + "/log", events::default_topics(8), sync});
        auto v = projections::Views::open(dir + "/views");
        if (!l || !v) {
            std::fprintf(stderr, "liquida bench: cannot open the scratch log or views in %s\n", dir.c_str());
            return false;
        }
        log = std::move(*l);
        views = std::move(*v);
        gateway::GatewayOptions options;
        options.server.port = 0;
        options.server.threads = 2;
        options.key = kKey;
        options.workers = workers;
        options.data_dir = dir;  // as serve runs: the hash-chain watch on
        gateway = std::make_unique<gateway::Gateway>(*log, *views, config, options);
        if (auto err = gateway->start(); !err.empty()) {
            std::fprintf(stderr, "liquida bench: %s\n", err.c_str());
            return false;
        }
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        token = gateway::sign({gateway::Role::colegio, "bench", now + 3'600'000}, kKey);
        return true;
    }
};

class HttpClient {
public:
    HttpClient(net::io_context& ioc, uint16_t port, std::string token) : socket_(ioc), token_(std::move(token)) {
        socket_.connect({net::ip::make_address("127.0.0.1"), port});
    }
    unsigned post(const std::string& body) {
        http::request<http::string_body> req{http::verb::post, "/v1/commands", 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::authorization, "Bearer " + token_);
        req.set(http::field::content_type, "application/json");
        req.keep_alive(true);
        req.body() = body;
        req.prepare_payload();
        http::write(socket_, req);
        http::response<http::string_body> res;
        http::read(socket_, buffer_, res);
        return res.result_int();
    }

private:
    tcp::socket socket_;
    beast::flat_buffer buffer_;
    std::string token_;
};

std::string provider_setup_json(uint64_t p, int step) {
    static const char* kTypes[] = {"rnp", "afip", "cbu", "seguro", "anexo1"};
    json j{{"provider", p}};
    if (step == 0) {
        j.update({{"command", "register_provider"},
                  {"matricula", "MP-" + std::to_string(p)},
                  {"cuit", "27-35215358-9"},
                  {"razon_social", "Prestador " + std::to_string(p)},
                  {"iva", "monotributo"},
                  {"cbu", "2850590940090418135201"},
                  {"category", "A"},
                  {"recien_matriculado", true}});
    } else if (step == 1) {
        j.update({{"command", "adhere_to_obra_social"}, {"obra_social", "sancor"}, {"provider_number", std::to_string(p)}});
    } else if (step <= 6) {
        j.update({{"command", "upload_document"},
                  {"type", kTypes[step - 2]},
                  {"document_id", "d" + std::to_string(step)},
                  {"reference", "s3://docs"},
                  {"expires_on", "2035-12-31"}});
    } else if (step <= 11) {
        j.update({{"command", "verify_document"}, {"document_id", "d" + std::to_string(step - 5)}, {"approved", true}});
    } else {
        j.update({{"command", "enroll_in_padron"}});
    }
    return j.dump();
}
constexpr int kSetupSteps = 13;

}  // namespace

int bench_http(const cli::Args& args) {
    const auto config = load_config(args, "bench");
    if (!config) return 1;
    const auto connections = static_cast<int>(args.get_int("connections", 1, 1024));
    const auto total = args.get_int("events", 1, 100'000'000);  // commands, here
    const auto workers = static_cast<size_t>(args.get_int("workers", 1, 1024));
    Scratch s;
    if (!s.open(args.get("data"), *config, true, workers)) return 1;
    const uint16_t port = s.gateway->port();
    const std::string today = domain::to_string(domain::local_date(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count()));

    std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
    std::atomic<int64_t> errors{0}, not_201{0};
    auto run = [&](bool measure) {
        std::vector<std::thread> threads;
        for (int c = 0; c < connections; ++c) {
            threads.emplace_back([&, c] {
                try {
                    net::io_context ioc;
                    HttpClient client(ioc, port, s.token);
                    const uint64_t provider = 1000 + static_cast<uint64_t>(c);  // one provider per connection
                    if (!measure) {
                        for (int step = 0; step < kSetupSteps; ++step)
                            if (client.post(provider_setup_json(provider, step)) != 201) not_201++;
                        return;
                    }
                    const int64_t mine = total / connections + (c < total % connections ? 1 : 0);
                    auto& lat = latencies[static_cast<size_t>(c)];
                    lat.reserve(static_cast<size_t>(mine));
                    for (int64_t i = 0; i < mine; ++i) {
                        const json body{{"command", "load_order"},   {"provider", provider},         {"order_id", "o-" + std::to_string(i)},
                                        {"obra_social", "sancor"},   {"affiliate_number", "3500-1"}, {"practice_code", "330101"},
                                        {"attention_date", today},   {"patient_signature", true},    {"professional_signature", true},
                                        {"professional_stamp", true}};
                        const auto t0 = Clock::now();
                        if (client.post(body.dump()) != 201) not_201++;
                        lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
                    }
                } catch (const std::exception& e) {
                    errors++;
                    std::fprintf(stderr, "liquida bench: connection %d: %s\n", c, e.what());
                }
            });
        }
        for (auto& t : threads) t.join();
    };
    run(false);  // each connection's provider registered, documented and enrolled
    if (not_201 != 0 || errors != 0) {
        std::fprintf(stderr, "liquida bench: setting up the providers failed (%lld answers not 201)\n",
                     static_cast<long long>(not_201.load()));
        return 1;
    }
    const auto start = Clock::now();
    run(true);
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    const size_t done = all.size();
    std::printf(
        "bench http: %zu load_order commands over %d keep-alive connections, fsync on: %.3f s, %.0f commands/s, "
        "latency p50 %.2f ms p99 %.2f ms, %lld not 201, %lld connection errors\n",
        done, connections, secs, static_cast<double>(done) / secs, percentile(all, 0.50), percentile(all, 0.99),
        static_cast<long long>(not_201.load()), static_cast<long long>(errors.load()));
    s.gateway->stop();
    return errors == 0 && not_201 == 0 ? 0 : 1;
}

namespace {

// A `bench live` subscriber: one websocket watching the settlement of provider index + 1.
struct Sub {
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    size_t index;
    Sub(net::io_context& io, size_t i) : ws(io), index(i) {}
    void subscribe(uint16_t port, const std::string& token) {
        beast::get_lowest_layer(ws).connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
        ws.handshake("127.0.0.1", "/v1/live");
        ws.write(net::buffer(json{{"auth", token}}.dump()));
        ws.write(net::buffer(json{{"subscribe", "settlement"}, {"id", "s"}, {"provider", 1 + index}}.dump()));
    }
};

// `bench live`'s appender: `rate` events a second, round-robin over the subscribers'
// providers (provider i + 1 for subscriber i), each send time kept for the latencies.
bool append_at_rate(events::EventLog& log, int64_t total, int64_t rate, std::vector<std::vector<Clock::time_point>>& sent,
                    std::mutex& sent_mu) {
    const auto interval = std::chrono::nanoseconds(1'000'000'000 / rate);
    auto next = Clock::now();
    for (int64_t k = 0; k < total; ++k) {
        const size_t i = static_cast<size_t>(k) % sent.size();
        events::Envelope e;
        e.event_id = events::EventId::random();
        e.occurred_at = e.recorded_at = 1'750'000'000'000;
        e.command_id = "live-" + std::to_string(k);
        e.provider_id = domain::ProviderId{1 + i};
        e.payload = domain::OrderLoaded{"o-" + std::to_string(k),
                                        domain::ObraSocialId{"sancor"},
                                        "3500-1",
                                        "330101",
                                        domain::Date{20'000},
                                        1'500'000,
                                        domain::Period{2025, 6},
                                        true,
                                        true,
                                        true,
                                        {},
                                        {},
                                        {},
                                        "inicial"};
        {
            std::lock_guard lk(sent_mu);
            sent[i].push_back(Clock::now());
        }
        if (!events::publish(log, std::span(&e, 1))) return false;
        next += interval;
        std::this_thread::sleep_until(next);
    }
    return true;
}

}  // namespace

int bench_live(const cli::Args& args) {
    const auto config = load_config(args, "bench");
    if (!config) return 1;
    const auto subscribers = static_cast<size_t>(args.get_int("connections", 1, 100'000));
    const auto rate = args.get_int("rate", 1, 1'000'000);
    const auto total = args.get_int("events", 1, 100'000'000);
    Scratch s;
    if (!s.open(args.get("data"), *config, false)) return 1;  // fan-out is measured, not fsync
    const uint16_t port = s.gateway->port();

    // Send times per provider, by the count of its events appended so far.
    std::vector<std::vector<Clock::time_point>> sent(subscribers);
    std::mutex sent_mu;
    std::vector<double> latencies;
    std::mutex lat_mu;
    std::atomic<size_t> ready{0}, closed{0};

    net::io_context ioc;
    std::vector<std::unique_ptr<Sub>> subs;
    std::function<void(Sub&)> read_loop = [&](Sub& sub) {
        sub.ws.async_read(sub.buffer, [&, p = &sub](beast::error_code ec, size_t) {
            if (ec) {
                closed++;
                return;
            }
            const auto now = Clock::now();
            const json m = json::parse(beast::buffers_to_string(p->buffer.data()), nullptr, false);
            p->buffer.consume(p->buffer.size());
            const std::string type = m.is_object() ? m.value("type", "") : "";
            if (type == "snapshot") {
                ready++;
            } else if (type == "change" && m["row"].is_object()) {
                const auto count = m["row"]["orders_loaded"]["count"].get<size_t>();
                std::lock_guard lk(sent_mu);
                const auto& times = sent[p->index];
                if (count >= 1 && count <= times.size()) {
                    std::lock_guard lk2(lat_mu);
                    latencies.push_back(std::chrono::duration<double, std::milli>(now - times[count - 1]).count());
                }
            }
            read_loop(*p);
        });
    };
    for (size_t i = 0; i < subscribers; ++i) {
        subs.push_back(std::make_unique<Sub>(ioc, i));
        subs.back()->subscribe(port, s.token);
        read_loop(*subs.back());
    }
    std::thread io([&] { ioc.run(); });
    const auto wait_until = Clock::now() + std::chrono::seconds(60);
    while (ready < subscribers && Clock::now() < wait_until) std::this_thread::sleep_for(std::chrono::milliseconds(10));

    const auto start = Clock::now();
    if (!append_at_rate(*s.log, total, rate, sent, sent_mu)) {
        std::fprintf(stderr, "liquida bench: append failed\n");
        return 1;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::seconds(2));  // let the last changes arrive
    const size_t closed_early = closed.load();
    const uint64_t drops = s.gateway->slow_drops();
    for (auto& sub : subs) {
        beast::error_code ec;
        beast::get_lowest_layer(sub->ws).socket().close(ec);
    }
    s.gateway->stop();
    ioc.stop();
    io.join();
    std::lock_guard lk(lat_mu);
    std::printf(
        "bench live: %zu subscribers (one provider each), %lld events appended at %.0f events/s, %zu changes received: "
        "append-to-receive latency p50 %.2f ms p99 %.2f ms; %zu of %zu subscribers ready, %zu closed early, %llu dropped as slow\n",
        subscribers, static_cast<long long>(total), static_cast<double>(total) / secs, latencies.size(), percentile(latencies, 0.50),
        percentile(latencies, 0.99), ready.load(), subscribers, closed_early, static_cast<unsigned long long>(drops));
    return 0;
}

}  // namespace liquida::commands
