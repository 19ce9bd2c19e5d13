#include "gateway/server.h"

#include <utility>  // before Asio: Boost 1.74's Asio misses it under GCC 12 in C++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <deque>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "gateway/codes.h"

namespace liquida::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string error_body(ApiCode code, std::string_view message) {
    std::string out = R"({"error":{"code":")";
    out += code.name();
    out += R"(","message":")";
    out += message;  // callers pass fixed text without quotes
    out += R"(","field":""}})";
    return out;
}

HttpRequest to_request(const http::request<http::string_body>& req) {
    HttpRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.authorization = std::string(req[http::field::authorization]);
    r.idempotency_key = std::string(req["Idempotency-Key"]);
    r.accept = std::string(req[http::field::accept]);
    r.body = req.body();
    return r;
}

// Every answer is never sniffed nor framed and loads nothing; a page answer that must load
// its scripts sets its own Content-Security-Policy in r.headers, which replaces this one.
template <class Body>
http::response<Body> with_headers(const HttpResponse& r, unsigned version, bool keep_alive) {
    http::response<Body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "liquida");
    res.set(http::field::content_type, r.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    return res;
}

// `head`: the answer to a HEAD request: GET's headers, Content-Length included, and no body.
http::response<http::string_body> to_beast(HttpResponse&& r, unsigned version, bool keep_alive, bool head = false) {
    auto res = with_headers<http::string_body>(r, version, keep_alive);
    if (head && !r.body_file.empty()) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(r.body_file, ec);
        res.content_length(ec ? 0 : size);
        std::filesystem::remove(r.body_file, ec);
    } else if (head) {
        res.content_length(r.body.size());
    } else {
        res.body() = std::move(r.body);
        res.prepare_payload();
    }
    return res;
}

// An answer whose body is r.body_file, removed once open (the open descriptor keeps it
// readable); a file that cannot be opened is a 500.
std::optional<http::response<http::file_body>> to_beast_file(const HttpResponse& r, unsigned version, bool keep_alive) {
    auto res = with_headers<http::file_body>(r, version, keep_alive);
    beast::error_code ec;
    res.body().open(r.body_file.c_str(), beast::file_mode::scan, ec);
    std::error_code removed;
    std::filesystem::remove(r.body_file, removed);
    if (ec) return std::nullopt;
    res.prepare_payload();
    return res;
}

}  // namespace

// A connection the server can end on stop().
struct Session {
    virtual ~Session() = default;
    virtual void shutdown() = 0;
};

struct Server::Impl {
    ServerOptions options;
    Handler& handler;
    net::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::vector<std::thread> threads;
    std::mutex mu;
    std::set<std::shared_ptr<Session>> sessions;  // owned here so stop() can close them
    std::atomic<uint64_t> slow_drops{0};
    std::atomic<uint64_t> refused{0};
    std::atomic<size_t> unfinished{0};  // connections whose first request has not arrived whole
    std::atomic<bool> stopping{false};
    net::steady_timer accept_pause{ioc};

    Impl(ServerOptions o, Handler& h) : options(std::move(o)), handler(h) {}

    void track(std::shared_ptr<Session> s) {
        std::lock_guard lk(mu);
        sessions.insert(std::move(s));
    }
    void untrack(const std::shared_ptr<Session>& s) {
        std::lock_guard lk(mu);
        sessions.erase(s);
    }

    void accept();
    size_t connections_now() {
        std::lock_guard lk(mu);
        return sessions.size();
    }
};

namespace {

class WsSession;

class HttpSession : public Session, public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) { server_.unfinished++; }
    ~HttpSession() override { first_request_done(); }

    void start() {
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(true); });
    }
    void shutdown() override {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
            self->stream_.close();
        });
    }

private:
    void read(bool first) {
        parser_.emplace();
        parser_->body_limit(server_.options.body_limit);
        parser_->header_limit(16 * 1024);
        stream_.expires_after(first ? server_.options.header_timeout : server_.options.idle_timeout);
        http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
    }

    void first_request_done() {
        if (!first_done_) server_.unfinished--;
        first_done_ = true;
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::body_limit) return fail(413, "request.too_large", "El cuerpo supera el limite permitido.");
        if (ec == http::error::header_limit) return fail(431, "request.headers_too_large", "Los encabezados son demasiado grandes.");
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
            ec == net::error::connection_reset || ec == net::error::eof || ec == net::error::bad_descriptor)
            return close();
        if (ec) return fail(400, "request.malformed", "Pedido HTTP mal formado.");
        first_request_done();
        auto req = parser_->release();
        if (websocket::is_upgrade(req)) return upgrade(std::move(req));
        const unsigned version = req.version();
        const bool keep_alive = req.keep_alive();
        const bool head = req.method() == http::verb::head;
        stream_.expires_never();  // the handler may take a while (a durable append)
        server_.handler.http(to_request(req), [self = shared_from_this(), version, keep_alive, head](HttpResponse r) {
            net::post(self->stream_.get_executor(), [self, r = std::move(r), version, keep_alive, head]() mutable {
                if (r.body_file.empty() || head) return self->write(to_beast(std::move(r), version, keep_alive, head));
                if (auto file = to_beast_file(r, version, keep_alive)) return self->write(std::move(*file));
                self->write(
                    to_beast({500, "application/json", error_body("server.internal", "No se pudo leer el archivo a enviar."), {}, {}},
                             version, keep_alive, head));
            });
        });
    }

    template <class Body>
    void write(http::response<Body> res) {
        auto sp = std::make_shared<http::response<Body>>(std::move(res));
        const bool close_after = !sp->keep_alive() || server_.stopping;
        stream_.expires_after(server_.options.idle_timeout);
        http::async_write(stream_, *sp, [self = shared_from_this(), sp, close_after](beast::error_code ec, size_t) {
            if (ec || close_after) return self->close();
            self->read(false);
        });
    }

    void fail(unsigned status, ApiCode code, std::string_view message) {
        HttpResponse r{status, "application/json", error_body(code, message), {}};
        auto sp = std::make_shared<http::response<http::string_body>>(to_beast(std::move(r), 11, false));
        http::async_write(stream_, *sp, [self = shared_from_this(), sp](beast::error_code, size_t) { self->close(); });
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.close();
        server_.untrack(shared_from_this());
    }

    void upgrade(http::request<http::string_body> req);

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    Server::Impl& server_;
    bool first_done_ = false;
};

class WsSession : public WebSocket, public Session, public std::enable_shared_from_this<WsSession> {
public:
    WsSession(beast::tcp_stream stream, Server::Impl& server) : ws_(std::move(stream)), server_(server) {}

    void accept(http::request<http::string_body> req, Handler::Upgrade handlers) {
        handlers_ = std::move(handlers);
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.read_message_max(server_.options.message_limit);
        auto sp = std::make_shared<http::request<http::string_body>>(std::move(req));
        ws_.async_accept(*sp, [self = shared_from_this(), sp](beast::error_code ec) {
            if (ec) return self->finish();
            {
                std::lock_guard lk(self->mu_);
                self->open_ = true;
            }
            self->flush();
            self->read();
        });
    }

    bool send(std::shared_ptr<const std::string> message) override { return enqueue(std::move(message), false); }
    bool send_snapshot(std::shared_ptr<const std::string> message) override { return enqueue(std::move(message), true); }

    void close(uint16_t code, std::string reason) override {
        {
            std::lock_guard lk(mu_);
            if (closing_ || finished_) return;
            closing_ = true;
            close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
            // A client too slow or a server stopping: what is not yet on the wire is dropped.
            // Otherwise (4401, 4403, ...) the error message sent just before goes out first.
            const bool drop = code == kCloseTooSlow || code == static_cast<uint16_t>(websocket::close_code::going_away);
            while (drop && queue_.size() > (writing_ ? 1U : 0U)) {
                dequeued(queue_.back());
                queue_.pop_back();
            }
        }
        net::post(ws_.get_executor(), [self = shared_from_this()] { self->flush(); });
        // A client that reads nothing never lets the close frame out: cut it after a grace period.
        auto timer = std::make_shared<net::steady_timer>(ws_.get_executor(), std::chrono::seconds(5));
        timer->async_wait([self = shared_from_this(), timer](beast::error_code) {
            if (!self->closed_sent_) self->hard_close();
        });
    }

    void shutdown() override { close(static_cast<uint16_t>(websocket::close_code::going_away), "server stopping"); }

    void close_after(std::chrono::milliseconds delay, uint16_t code, std::string reason) override {
        net::post(ws_.get_executor(), [self = shared_from_this(), delay, code, reason = std::move(reason)]() mutable {
            self->deadline_.expires_after(delay);
            self->deadline_.async_wait([self, code, reason = std::move(reason)](beast::error_code ec) mutable {
                if (!ec) self->close(code, std::move(reason));  // operation_aborted: replaced or finished
            });
        });
    }

    size_t queued_bytes() const override {
        std::lock_guard lk(mu_);
        return queued_bytes_ + snapshot_bytes_;
    }

    bool is_open() const override {
        std::lock_guard lk(mu_);
        return open_ && !closing_ && !finished_;
    }

private:
    // On the strand: start the next write, or the close once the queue is empty.
    void flush() {
        std::unique_lock lk(mu_);
        if (!open_ || writing_ || finished_) return;
        if (!queue_.empty()) {
            writing_ = true;
            auto msg = queue_.front().message;
            lk.unlock();
            ws_.text(true);
            ws_.async_write(net::buffer(*msg), [self = shared_from_this(), msg](beast::error_code ec, size_t) {
                {
                    std::lock_guard lk2(self->mu_);
                    self->writing_ = false;
                    // finish() may have emptied the queue while this write was on the wire.
                    if (!self->queue_.empty() && self->queue_.front().message == msg) {
                        self->dequeued(self->queue_.front());
                        self->queue_.pop_front();
                    }
                }
                if (ec) return self->hard_close();
                self->flush();
            });
            return;
        }
        if (closing_ && !closed_sent_) {
            closed_sent_ = true;
            writing_ = true;
            lk.unlock();
            ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) { self->finish(); });
        }
    }

    void read() {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec == websocket::error::message_too_big) {
                self->close(static_cast<uint16_t>(websocket::close_code::too_big), "message too big");
                return;
            }
            if (ec) return self->finish();
            if (self->ws_.got_text() && self->handlers_.on_message) {
                const std::string text = beast::buffers_to_string(self->buffer_.data());
                self->handlers_.on_message(text);
            }
            self->buffer_.consume(self->buffer_.size());
            self->read();
        });
    }

    void hard_close() {
        net::post(ws_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            beast::get_lowest_layer(self->ws_).socket().close(ec);
            self->finish();
        });
    }

    void finish() {
        {
            std::lock_guard lk(mu_);
            if (finished_) return;
            finished_ = true;
            queue_.clear();
            queued_bytes_ = snapshot_bytes_ = 0;
        }
        net::post(ws_.get_executor(), [self = shared_from_this()] { self->deadline_.cancel(); });
        if (handlers_.on_close) handlers_.on_close();
        server_.untrack(shared_from_this());
    }

    websocket::stream<beast::tcp_stream> ws_;
    Server::Impl& server_;
    Handler::Upgrade handlers_;
    beast::flat_buffer buffer_;
    mutable std::mutex mu_;
    struct Queued {
        std::shared_ptr<const std::string> message;
        bool snapshot;  // counted in snapshot_bytes_, not queued_bytes_
    };
    // Under mu_: queues a message, or closes a client whose queue is over its limit.
    bool enqueue(std::shared_ptr<const std::string> message, bool snapshot) {
        std::unique_lock lk(mu_);
        if (closing_ || finished_) return false;
        size_t& bytes = snapshot ? snapshot_bytes_ : queued_bytes_;
        const size_t limit = snapshot ? server_.options.snapshot_queue_limit : server_.options.send_queue_limit;
        if (bytes + message->size() > limit) {
            lk.unlock();
            server_.slow_drops++;
            close(kCloseTooSlow, "too slow: send queue full");
            return false;
        }
        bytes += message->size();
        queue_.push_back({std::move(message), snapshot});
        lk.unlock();
        net::post(ws_.get_executor(), [self = shared_from_this()] { self->flush(); });
        return true;
    }
    void dequeued(const Queued& q) { (q.snapshot ? snapshot_bytes_ : queued_bytes_) -= q.message->size(); }

    std::deque<Queued> queue_;
    size_t queued_bytes_ = 0;
    size_t snapshot_bytes_ = 0;
    bool open_ = false;
    bool writing_ = false;
    bool closing_ = false;
    std::atomic<bool> closed_sent_{false};
    bool finished_ = false;
    websocket::close_reason close_reason_;
    net::steady_timer deadline_{ws_.get_executor()};  // close_after's; used on the strand only

    friend class HttpSession;
};

void HttpSession::upgrade(http::request<http::string_body> req) {
    auto ws = std::make_shared<WsSession>(std::move(stream_), server_);
    auto handlers = server_.handler.websocket(to_request(req), ws);
    if (handlers.refused) {
        // Answer on the websocket's stream (the socket moved there), then drop the connection.
        auto sp = std::make_shared<http::response<http::string_body>>(to_beast(HttpResponse(*handlers.refused), req.version(), false));
        auto& stream = beast::get_lowest_layer(ws->ws_);
        http::async_write(stream, *sp, [ws, sp](beast::error_code, size_t) {
            beast::error_code ec;
            beast::get_lowest_layer(ws->ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
            beast::get_lowest_layer(ws->ws_).close();
        });
        server_.untrack(shared_from_this());
        return;
    }
    server_.track(ws);
    server_.untrack(shared_from_this());
    ws->accept(std::move(req), std::move(handlers));
}

}  // namespace

void Server::Impl::accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
            if (stopping || !acceptor.is_open()) return;
            if (ec == net::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
                ec == net::error::no_buffer_space || ec == net::error::no_memory) {
                refused++;
                accept_pause.expires_after(options.accept_backoff);
                accept_pause.async_wait([this](beast::error_code) {
                    if (!stopping && acceptor.is_open()) accept();
                });
                return;
            }
            accept();
            return;
        }
        if (connections_now() >= options.max_connections || unfinished >= options.max_unfinished_connections) {
            refused++;
            beast::error_code ignored;
            socket.close(ignored);  // before any byte is read: costs nothing to refuse
            accept();
            return;
        }
        auto session = std::make_shared<HttpSession>(std::move(socket), *this);
        track(session);
        session->start();
        accept();
    });
}

Server::Server(ServerOptions options, Handler& handler) : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

Server::~Server() { stop(); }

std::string Server::start(uint16_t& bound_port) {
    beast::error_code ec;
    const auto address = net::ip::make_address(impl_->options.listen, ec);
    if (ec) return "invalid listen address '" + impl_->options.listen + "'";
    const tcp::endpoint endpoint{address, impl_->options.port};
    auto& a = impl_->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return "cannot listen on " + impl_->options.listen + ":" + std::to_string(impl_->options.port) + ": " + ec.message();
    bound_port = a.local_endpoint().port();
    impl_->accept();
    for (int i = 0; i < std::max(1, impl_->options.threads); ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
    return {};
}

void Server::stop() {
    if (impl_->stopping.exchange(true)) return;
    net::post(impl_->ioc, [this] {
        beast::error_code ec;
        impl_->acceptor.close(ec);
        impl_->accept_pause.cancel();
    });
    std::vector<std::shared_ptr<Session>> sessions;
    {
        std::lock_guard lk(impl_->mu);
        sessions.assign(impl_->sessions.begin(), impl_->sessions.end());
    }
    for (auto& s : sessions) s->shutdown();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (connections() > 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    impl_->ioc.stop();
    for (auto& t : impl_->threads)
        if (t.joinable()) t.join();
    std::lock_guard lk(impl_->mu);
    impl_->sessions.clear();
}

size_t Server::connections() const {
    std::lock_guard lk(impl_->mu);
    return impl_->sessions.size();
}

uint64_t Server::slow_drops() const { return impl_->slow_drops; }

uint64_t Server::refused_connections() const { return impl_->refused; }

}  // namespace liquida::gateway
