// An HTTP/1.1 client for tests, on 127.0.0.1: one keep-alive connection, reopened after the
// server closes it, driven by its own io_context with every step bounded by a timeout.
#pragma once

#include <utility>  // before Asio: Boost 1.74's Asio misses it under GCC 12 in C++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace liquida::test {
namespace http_client {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

struct Reply {                // NOLINT(bugprone-exception-escape): a Beast response's noexcept move, read as throwing
    beast::error_code error;  // transport failure: no response
    http::response<http::string_body> res;

    unsigned status() const { return error ? 0 : res.result_int(); }
    const std::string& body() const { return res.body(); }
    std::string header(const std::string& name) const { return std::string(res[name]); }
    json json_body() const { return json::parse(res.body(), nullptr, false); }
    std::string code() const {
        const auto j = json_body();
        return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
    }
    std::string field() const {
        const auto j = json_body();
        return j.is_object() && j.contains("error") ? j["error"].value("field", "?") : "?";
    }
};

// One keep-alive connection; reconnects when the server closed it. Usable from one thread at a
// time and without Catch assertions, so racing threads may each own one.
class HttpClient {
public:
    explicit HttpClient(uint16_t port, std::chrono::milliseconds wait = std::chrono::seconds(10)) : port_(port), wait_(wait) {}

    Reply request(http::verb method, const std::string& target, const std::string& token = "", std::string body = "",
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        req.keep_alive(true);
        if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
        for (const auto& [k, v] : headers) req.set(k, v);
        if (method == http::verb::post || !body.empty()) {
            req.set(http::field::content_type, "application/json");
            req.body() = std::move(body);
            req.prepare_payload();
        }
        Reply out;
        if (!connected_ && (out.error = connect())) return out;
        stream_.expires_after(wait_);
        http::async_write(stream_, req, [&](beast::error_code ec, size_t) { out.error = ec; });
        run();
        if (!out.error) read(out, method == http::verb::head);
        return out;
    }
    Reply get(const std::string& target, const std::string& token = "") { return request(http::verb::get, target, token); }

    // Writes bytes as they are and reads one response.
    Reply raw(std::string bytes) {
        Reply out;
        if (!connected_ && (out.error = connect())) return out;
        stream_.expires_after(wait_);
        net::async_write(stream_, net::buffer(bytes), [&](beast::error_code ec, size_t) { out.error = ec; });
        run();
        if (!out.error) read(out);
        return out;
    }

    // True when the server ends the connection within `timeout` (EOF or reset).
    bool closed_by_server(std::chrono::milliseconds timeout) {
        char c = 0;
        beast::error_code ec;
        stream_.expires_after(timeout);
        stream_.async_read_some(net::buffer(&c, 1), [&](beast::error_code e, size_t) { ec = e; });
        run();
        return ec && ec != beast::error::timeout;
    }

private:
    beast::error_code connect() {
        beast::error_code ec;
        buffer_.clear();
        stream_.expires_after(wait_);
        stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), [&](beast::error_code e) { ec = e; });
        run();
        connected_ = !ec;
        return ec;
    }
    void read(Reply& out, bool head = false) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 << 20);
        parser.skip(head);  // a HEAD answer has a Content-Length and no body
        stream_.expires_after(wait_);
        http::async_read(stream_, buffer_, parser, [&](beast::error_code ec, size_t) { out.error = ec; });
        run();
        if (!out.error) out.res = parser.release();
        if (out.error || !out.res.keep_alive()) {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream_.close();
            connected_ = false;
        }
    }
    void run() {
        ioc_.restart();
        ioc_.run();  // every operation carries an expiry, so this returns
    }

    uint16_t port_;
    std::chrono::milliseconds wait_;
    net::io_context ioc_;
    beast::tcp_stream stream_{ioc_};
    beast::flat_buffer buffer_;
    bool connected_ = false;
};

}  // namespace http_client
using http_client::HttpClient;
using http_client::Reply;
}  // namespace liquida::test
