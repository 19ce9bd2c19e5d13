// A websocket client for tests, on 127.0.0.1, driven by its own io_context: every step
// bounded by a timeout. Reads only when asked (next, wait_closed): a client that never asks
// never reads, which is how a slow client is made.
#pragma once

#include <utility>  // before Asio: Boost 1.74's Asio misses it under GCC 12 in C++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace liquida::test {
namespace ws {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

class WsClient {
public:
    // `wait`: the bound of each network step, and the default timeout of next() and wait_closed().
    explicit WsClient(uint16_t port, std::chrono::milliseconds wait = std::chrono::seconds(10)) : port_(port), wait_(wait) {}
    ~WsClient() {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }

    // Connects and upgrades `target`; the HTTP status of the answer (101 when upgraded).
    // receive_buffer > 0 shrinks the socket's receive buffer (SO_RCVBUF) before connecting.
    unsigned connect(const std::string& target, const std::string& token = "", int receive_buffer = 0) {
        auto& lowest = beast::get_lowest_layer(ws_);
        auto st = std::make_shared<Op>();
        if (receive_buffer > 0) {
            lowest.socket().open(tcp::v4());
            lowest.socket().set_option(net::socket_base::receive_buffer_size(receive_buffer));
        }
        lowest.expires_after(wait_);
        lowest.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), [st](beast::error_code ec) {
            st->done = true;
            st->ec = ec;
        });
        drive([&] { return st->done; }, wait_);
        REQUIRE(st->done);
        REQUIRE_FALSE(st->ec);
        lowest.expires_never();  // the websocket's own timeouts from here on
        websocket::stream_base::timeout t{};
        t.handshake_timeout = wait_;
        t.idle_timeout = websocket::stream_base::none();
        t.keep_alive_pings = false;
        ws_.set_option(t);
        if (!token.empty())
            ws_.set_option(websocket::stream_base::decorator(
                [auth = "Bearer " + token](websocket::request_type& req) { req.set(http::field::authorization, auth); }));
        ws_.read_message_max(64 << 20);
        auto hs = std::make_shared<Op>();
        ws_.async_handshake(handshake_, "127.0.0.1", target, [hs](beast::error_code ec) {
            hs->done = true;
            hs->ec = ec;
        });
        drive([&] { return hs->done; }, wait_ + std::chrono::seconds(1));
        REQUIRE(hs->done);
        if (hs->ec) {
            closed_ = true;
            return handshake_.result_int() == 101 ? 0 : handshake_.result_int();
        }
        return 101;
    }
    const websocket::response_type& handshake() const { return handshake_; }

    bool send(const nlohmann::json& j) { return send_text(j.dump()); }
    bool send_text(std::string text) {
        auto msg = std::make_shared<std::string>(std::move(text));
        auto st = std::make_shared<Op>();
        ws_.text(true);
        ws_.async_write(net::buffer(*msg), [st, msg](beast::error_code ec, size_t) {
            st->done = true;
            st->ec = ec;
        });
        drive([&] { return st->done; }, wait_);
        return st->done && !st->ec;
    }

    // The next message, or nullopt when none comes within `timeout` or the connection ended.
    std::optional<nlohmann::json> next() { return next(wait_); }
    std::optional<nlohmann::json> next(std::chrono::milliseconds timeout) {
        arm();
        drive([&] { return !inbox_.empty() || closed_; }, timeout);
        if (inbox_.empty()) return std::nullopt;
        auto text = std::move(inbox_.front());
        inbox_.pop_front();
        return nlohmann::json::parse(text, nullptr, false);
    }

    // Reads (and drops) messages until the connection ends; the close code the server sent,
    // 0 when the connection was cut without one, nullopt when it is still open after `timeout`.
    std::optional<uint16_t> wait_closed() { return wait_closed(wait_); }
    std::optional<uint16_t> wait_closed(std::chrono::milliseconds timeout) {
        arm();
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!closed_ && std::chrono::steady_clock::now() < deadline) {
            drive([&] { return !inbox_.empty() || closed_; },
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
            inbox_.clear();
        }
        if (!closed_) return std::nullopt;
        return close_code_;
    }

    // Ends the connection with a close handshake.
    void close() {
        auto st = std::make_shared<Op>();
        ws_.async_close(websocket::close_code::normal, [st](beast::error_code ec) {
            st->done = true;
            st->ec = ec;
        });
        drive([&] { return st->done; }, wait_);
        closed_ = true;
    }

    bool closed() const { return closed_; }

private:
    struct Op {
        bool done = false;
        beast::error_code ec;
    };

    void arm() {
        if (reading_ || closed_) return;
        reading_ = true;
        read_one();
    }
    void read_one() {
        ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
            if (ec) {
                closed_ = true;
                close_code_ = ws_.reason().code;
                return;
            }
            inbox_.push_back(beast::buffers_to_string(buffer_.data()));
            buffer_.consume(buffer_.size());
            read_one();
        });
    }
    // Runs handlers until done() or the timeout; returns done().
    template <class Done>
    bool drive(Done done, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return false;
            ioc_.restart();
            // Nothing left to run: only a new operation could make progress.
            if (ioc_.run_one_for(deadline - now) == 0 && ioc_.stopped()) return done();
        }
        return true;
    }

    uint16_t port_;
    std::chrono::milliseconds wait_;
    net::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_{ioc_};
    websocket::response_type handshake_;
    beast::flat_buffer buffer_;
    std::deque<std::string> inbox_;
    bool reading_ = false;
    bool closed_ = false;
    uint16_t close_code_ = 0;
};

}  // namespace ws
using ws::WsClient;
}  // namespace liquida::test
