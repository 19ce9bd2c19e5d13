// `liquida kafka-dev`: librdkafka's mock cluster as a local Kafka for development and tests.
#include <array>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "events/kafka_mock.h"
#include "events/log.h"
#include "events/topics.h"
#include "cli/subcommands.h"

namespace liquida::commands {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// One client connection through the forwarder: bytes copied both ways until either side
// closes. Owns itself (shared_from_this); its handlers run on the forwarder's one thread.
class Tunnel : public std::enable_shared_from_this<Tunnel> {
public:
    Tunnel(tcp::socket client, asio::io_context& io) : client_(std::move(client)), broker_(io) {}

    void start(const tcp::endpoint& broker) {
        broker_.async_connect(broker, [self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec) return self->close();
            boost::system::error_code ignored;
            self->client_.set_option(tcp::no_delay(true), ignored);
            self->broker_.set_option(tcp::no_delay(true), ignored);
            self->pump(self->client_, self->broker_, self->up_);
            self->pump(self->broker_, self->client_, self->down_);
        });
    }

private:
    using Buffer = std::array<char, 64 * 1024>;

    // At most one read or one write in flight per direction.
    void pump(tcp::socket& from, tcp::socket& to, Buffer& buf) {
        from.async_read_some(
            asio::buffer(buf), [self = shared_from_this(), &from, &to, &buf](const boost::system::error_code& ec, size_t n) {
                if (ec) return self->close();
                asio::async_write(to, asio::buffer(buf.data(), n), [self, &from, &to, &buf](const boost::system::error_code& wec, size_t) {
                    if (wec) return self->close();
                    self->pump(from, to, buf);
                });
            });
    }

    void close() {
        boost::system::error_code ignored;
        client_.close(ignored);
        broker_.close(ignored);
    }

    tcp::socket client_;
    tcp::socket broker_;
    Buffer up_{};    // client -> broker
    Buffer down_{};  // broker -> client
};

// Listens on 127.0.0.1:port and tunnels every connection to one mock broker. librdkafka
// 2.0.2's mock binds its brokers to ports the OS picks; this gives the first broker the
// port the user asked for. Clients bootstrap through it, then connect to the addresses the
// brokers advertise in metadata.
class Forwarder {
public:
    Forwarder() : acceptor_(io_) {}
    ~Forwarder() {
        io_.stop();
        if (thread_.joinable()) thread_.join();
    }
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    bool start(uint16_t port, const tcp::endpoint& broker, std::string& error) {
        boost::system::error_code ec;
        const tcp::endpoint at(asio::ip::address_v4::loopback(), port);
        acceptor_.open(at.protocol(), ec);
        if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acceptor_.bind(at, ec);
        if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            error = "cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + ec.message();
            return false;
        }
        broker_ = broker;
        accept();
        thread_ = std::thread([this] { io_.run(); });
        return true;
    }

private:
    // Re-armed after every accept.
    void accept() {
        acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
            if (!ec) std::make_shared<Tunnel>(std::move(socket), io_)->start(broker_);
            if (acceptor_.is_open()) accept();
        });
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    tcp::endpoint broker_;
    std::thread thread_;
};

// "127.0.0.1:P1,127.0.0.1:P2" -> the endpoint of the first.
bool first_broker(const std::string& bootstrap, tcp::endpoint& out) {
    const std::string first = bootstrap.substr(0, bootstrap.find(','));
    const auto colon = first.rfind(':');
    if (colon == std::string::npos) return false;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(first.substr(0, colon), ec);
    if (ec) return false;
    try {
        const int port = std::stoi(first.substr(colon + 1));
        if (port <= 0 || port > 65535) return false;
        out = tcp::endpoint(address, static_cast<uint16_t>(port));
    } catch (const std::exception&) {
        return false;
    }
    return true;
}

}  // namespace

int kafka_dev(const cli::Args& args) {
    const auto brokers = static_cast<int>(args.get_int("brokers", 1, 16));
    const auto port = static_cast<uint16_t>(args.get_int("port", 0, 65535));
    const auto partitions = static_cast<int32_t>(args.get_int("partitions", 1, 4096));

    // Block the stop signals before any thread starts (the mock's, the forwarder's), then
    // wait for them synchronously.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    auto cluster = events::MockCluster::start(brokers);
    if (!cluster) {
        std::fprintf(stderr, "liquida kafka-dev: %s\n", cluster.error().message.c_str());
        return 1;
    }
    events::MockCluster& mock = **cluster;
    const int replication = brokers < 3 ? brokers : 3;
    for (const auto& t : events::default_topics(partitions)) {
        if (auto r = mock.create_topic(t.name, t.partitions, replication); !r) {
            std::fprintf(stderr, "liquida kafka-dev: %s\n", r.error().message.c_str());
            return 1;
        }
    }

    const std::string advertised = mock.bootstrap();
    std::string bootstrap = advertised;
    std::unique_ptr<Forwarder> forwarder;
    if (port != 0) {
        tcp::endpoint first;
        if (!first_broker(advertised, first)) {
            std::fprintf(stderr, "liquida kafka-dev: unexpected mock bootstrap '%s'\n", advertised.c_str());
            return 1;
        }
        forwarder = std::make_unique<Forwarder>();
        std::string error;
        if (!forwarder->start(port, first, error)) {
            std::fprintf(stderr, "liquida kafka-dev: %s\n", error.c_str());
            return 1;
        }
        // The forwarder stands for the first broker in the bootstrap list.
        const auto comma = advertised.find(',');
        bootstrap = "127.0.0.1:" + std::to_string(port) + (comma == std::string::npos ? "" : advertised.substr(comma));
    }

    std::printf("liquida kafka-dev: librdkafka mock cluster, %d broker%s, in memory (not durable)\n", brokers, brokers == 1 ? "" : "s");
    for (const auto& t : events::default_topics(partitions))
        std::printf("  %-24s %3d partitions, replication %d\n", t.name.c_str(), t.partitions, replication);
    std::printf("brokers: %s\n", advertised.c_str());
    if (forwarder)
        std::printf("  127.0.0.1:%u forwards to broker 1; clients then use the brokers' own addresses\n", static_cast<unsigned>(port));
    std::printf("bootstrap: %s\n", bootstrap.c_str());
    std::printf("liquida kafka-dev: ready (SIGINT or SIGTERM stops it; the data is lost)\n");
    std::fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    std::printf("liquida kafka-dev: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    std::fflush(stdout);
    forwarder.reset();
    cluster->reset();
    return 0;
}

}  // namespace liquida::commands
