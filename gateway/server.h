// The network side of the gateway, on Boost.Beast: one port for HTTP/1.1 (keep-alive) and
// websockets, an io_context run by N threads. What a request means is the Handler's business;
// this file knows sockets, limits and timeouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace liquida::gateway {

struct ServerOptions {
    std::string listen = "127.0.0.1";
    uint16_t port = 8080;  // 0: the OS picks one (tests)
    int threads = 2;
    size_t body_limit = 1 << 20;        // bytes of an HTTP request body
    size_t message_limit = 64 << 10;    // bytes of one websocket message from a client
    size_t send_queue_limit = 8 << 20;  // bytes queued to one client before it is dropped
    // Bytes of snapshots (WebSocket::send_snapshot) queued to one client, apart from the above:
    // a view's first picture may be large, and must not count as the client being slow.
    size_t snapshot_queue_limit = 64 << 20;
    std::chrono::seconds header_timeout{10};  // to receive a request's headers
    std::chrono::seconds idle_timeout{120};   // keep-alive connection with nothing to do
    // Connections open at once; past it a new one is closed as it is accepted.
    size_t max_connections = 4096;
    // Of those, connections that have not yet sent a whole first request (slowloris).
    size_t max_unfinished_connections = 512;
    // After accept fails for lack of file descriptors (EMFILE, ENFILE), the pause before the
    // next try: the accept loop never spins, and the open connections keep being served.
    std::chrono::milliseconds accept_backoff{100};
};

struct HttpRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // path and query
    std::string authorization;
    std::string idempotency_key;
    std::string accept;
    std::string body;
};

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    // When set, the body is this file's content instead, sent from disk as it is read (a
    // download of any size without holding it in memory). The server removes the file once it
    // has opened it: it must be a temporary file of the handler's.
    std::string body_file = {};
};

// Close codes sent to websocket clients.
inline constexpr uint16_t kCloseTooSlow = 4001;  // its send queue passed the limit
inline constexpr uint16_t kCloseUnauthorized = 4401;
inline constexpr uint16_t kCloseForbidden = 4403;

// One websocket connection as the handler sees it. Thread-safe; sending on a closed
// connection does nothing.
class WebSocket {
public:
    virtual ~WebSocket() = default;
    // Queues a text message. When the queue passes the limit the client is closed with
    // kCloseTooSlow and false is returned: a slow client never slows others nor grows memory.
    virtual bool send(std::shared_ptr<const std::string> message) = 0;
    // The same for a page of a snapshot, counted against its own, larger limit.
    virtual bool send_snapshot(std::shared_ptr<const std::string> message) = 0;
    virtual void close(uint16_t code, std::string reason) = 0;
    virtual bool is_open() const = 0;
    virtual size_t queued_bytes() const = 0;  // lets a streaming producer pace itself
    // Closes with `code` after `delay` unless called again first (which replaces the
    // deadline): a token's expiry, or the time an unauthenticated client has to authenticate.
    virtual void close_after(std::chrono::milliseconds delay, uint16_t code, std::string reason) = 0;
};

class Handler {
public:
    virtual ~Handler() = default;
    // Called on an io thread; `done` may be called later from any thread, exactly once.
    virtual void http(HttpRequest request, std::function<void(HttpResponse)> done) = 0;
    // A websocket upgrade on `request.target`: accept (returning the per-connection message
    // handler) or refuse with an HTTP response.
    struct Upgrade {
        std::function<void(const std::string&)> on_message;  // text messages, in order
        std::function<void()> on_close;
        std::optional<HttpResponse> refused;
    };
    virtual Upgrade websocket(const HttpRequest& request, std::shared_ptr<WebSocket> socket) = 0;
};

class Server {
public:
    Server(ServerOptions options, Handler& handler);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts the threads. Returns the bound port, or an error message.
    std::string start(uint16_t& bound_port);
    // Stops accepting, closes every connection (websockets with "going away"), joins threads.
    void stop();

    size_t connections() const;
    uint64_t slow_drops() const;
    uint64_t refused_connections() const;  // closed at accept: over a connection limit, or no descriptors

    struct Impl;  // public only so the .cc's sessions can name it

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace liquida::gateway
