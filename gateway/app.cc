#include "gateway/app.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>

#include "domain/names.h"
#include "domain/queries.h"
#include "events/codec.h"
#include "events/sha256.h"
#include "gateway/command_policy.h"
#include "gateway/downloads.h"
#include "gateway/http_target.h"
#include "gateway/json.h"
#include "gateway/responses.h"
#include "gateway/view_json.h"
#include "gateway/view_params.h"
#include "gateway/ws_messages.h"

namespace liquida::gateway {

using nlohmann::json;

namespace {

constexpr size_t kMaxStreams = 64;          // topic streams open at once...
constexpr size_t kMaxStreamsPerHolder = 8;  // ...and of one token's holder (role and subject)

unsigned status_of(service::Rejection::Kind kind) {
    switch (kind) {  // no default: a new kind is a compile warning here
        case service::Rejection::Kind::invalid: return 400;
        case service::Rejection::Kind::refused: return 422;
        case service::Rejection::Kind::conflict: return 409;
        case service::Rejection::Kind::unavailable: return 503;
    }
    return 500;
}

// A command's outcome as the API says it: 201 appended, 200 a retry, else the typed error.
// Written out directly, members in the order a JSON tree would print them: every command gets
// this answer, and building it as a tree of maps was a visible share of the command path's
// CPU. Only the command id comes from the client (escaped); kinds and topics are our names.
HttpResponse command_response(const service::Outcome& out) {
    if (!out) return pass_on(status_of(out.error().kind), out.error().code, out.error().message, out.error().field);
    std::string body = R"({"command_id":)" + dump(json(out->command_id));
    body += out->duplicate ? R"(,"duplicate":true,"events":[)" : R"(,"duplicate":false,"events":[)";
    for (size_t i = 0; i < out->events.size(); ++i) {
        const service::EventRef& e = out->events[i];
        body += i == 0 ? R"({"event_id":")" : R"(,{"event_id":")";
        body += e.event_id.to_string();
        body += R"(","kind":")";
        body += e.kind;
        body += R"(","offset":)";
        body += std::to_string(e.offset);
        body += R"(,"partition":)";
        body += std::to_string(e.tp.partition);
        body += R"(,"topic":")";
        body += e.tp.topic;
        body += R"("})";
    }
    body += "]}";
    return {out->duplicate ? 200u : 201u, "application/json", std::move(body), {}};
}

// The dashboard's files run only the dashboard's own files and are never framed; the server
// gives every other answer a policy that loads nothing, and nosniff to all (server.cc).
HttpResponse dashboard_file(const StaticFile& file) {
    return {200,
            file.content_type,
            file.body,
            {{"Cache-Control", "no-cache"},
             {"Content-Security-Policy",
              "default-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
              "form-action 'self'; frame-ancestors 'none'"},
             {"X-Frame-Options", "DENY"},
             {"Referrer-Policy", "no-referrer"}}};
}

}  // namespace

App::App(AppParts parts) : p_(std::move(parts)), auth_(p_.key, sessions_), workers_(p_.workers) {
    if (!p_.data_dir.empty()) {
        users_ = std::make_unique<UserStore>(p_.data_dir);  // read at each sign-in; Gateway::start checks it reads
        as_of_ = std::make_unique<AsOfViews>(p_.log, p_.data_dir);
        months_ = std::make_unique<replay::Months>(p_.log, p_.views, p_.config, p_.data_dir);
    }
    if (!p_.clock)
        p_.clock = [] {
            return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        };
    if (!p_.business_clock) p_.business_clock = p_.clock;
}

App::~App() {
    stop();
    workers_.join();
    as_of_pool_.join();
    password_pool_.join();
}

void App::stop() {
    {
        std::lock_guard lk(streams_mu_);  // no stream starts after this
        stopping_ = true;
    }
    stream_pool_.join();  // every reader ends at its next step
}

void App::http(HttpRequest request, std::function<void(HttpResponse)> done) {
    const auto start = std::chrono::steady_clock::now();
    std::function<void(HttpResponse)> finish = [this, start, done = std::move(done)](HttpResponse r) {
        p_.metrics.request(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        done(std::move(r));
    };
    if (account(request, finish)) return;
    const std::string path = path_of(request.target);
    if (request.method == "POST" && (path == "/v1/commands" || path == "/v1/clock" || (months_ && path.starts_with("/v1/months/")))) {
        auto claims = auth_(request.authorization, p_.clock());
        if (!claims) return finish(unauthorized(claims.error()));
        if (!path.starts_with("/v1/months/")) {  // each waits for a durable write: off the io threads
            boost::asio::post(workers_,
                              [this, clock = path == "/v1/clock", request = std::move(request), c = *claims,
                               finish = std::move(finish)]() mutable { finish(clock ? set_clock(request.body, c) : command(request, c)); });
            return;
        }
        auto target = parse_target(request.target);
        if (!target) return finish(error(400, "request.invalid_value", target.error().message, target.error().field));
        // A close replays the month from the log: seconds to minutes, one at a time.
        boost::asio::post(as_of_pool_, [this, t = std::move(*target), c = *claims, finish = std::move(finish)]() mutable {
            finish(close_month(t.path, t.query, c));
        });
        return;
    }
    if (request.method == "GET" && as_of_) {
        auto target = parse_target(request.target);
        if (target && target->path == "/v1/views/settlement" && target->query.contains("as_of")) {  // may rebuild views: seconds
            boost::asio::post(as_of_pool_,
                              [this, request = std::move(request), finish = std::move(finish)]() mutable { finish(route(request)); });
            return;
        }
    }
    finish(route(request));
}

HttpResponse App::route(const HttpRequest& request) {
    auto target = parse_target(request.target);
    if (!target) return error(400, "request.invalid_value", target.error().message, target.error().field);
    const std::string& path = target->path;
    const Query& query = target->query;
    // Only POST /v1/commands and /v1/clock change anything (they do not come here); the rest is read-only.
    if (path == "/v1/commands" || (request.method != "GET" && request.method != "HEAD")) {
        auto r = error(405, "request.method_not_allowed", "Método no permitido.");
        r.headers.emplace_back("Allow", path == "/v1/commands" ? "POST" : path == "/v1/clock" ? "GET, HEAD, POST" : "GET, HEAD");
        return r;
    }
    if (path == "/healthz") {
        const bool current = p_.metrics.views_current;  // before the lag: see Gateway::start
        const int64_t lag = p_.metrics.view_lag;        // -1 while the runner's steps fail or the views are ahead of the log
        auto end = p_.log.end_offset({p_.log.topics().front().name, 0});
        const bool log_ok = end.has_value(), views_ok = lag >= 0;
        json chain = nullptr;  // not watched
        bool chain_ok = true;
        if (p_.chain) {
            const auto breaks = p_.chain->breaks();
            chain_ok = breaks.empty();
            chain = {{"status", chain_ok ? "ok" : "chain_broken"}, {"unverified", p_.chain->behind()}};
            if (!chain_ok)
                for (const auto& b : breaks)
                    chain["broken"].push_back(
                        {{"topic", b.tp.topic}, {"partition", b.tp.partition}, {"offset", b.offset}, {"reason", b.reason}});
        }
        // Degraded: something is wrong. Catching up: nothing is, but the views answer from a
        // past more than a second old (after a start on a long log): not ready for readers.
        const bool healthy = log_ok && views_ok && chain_ok;
        const char* status = !healthy ? "degraded" : current ? "ok" : "catching_up";
        return ok_json({{"status", status},
                        {"log", log_ok},
                        {"views", views_ok},
                        {"view_lag", lag},
                        {"chain", chain},
                        {"clock", clock_json(p_.business_clock(), p_.test_clock != nullptr)}},
                       status == std::string_view("ok") ? 200 : 503);
    }
    if (path == "/metrics") {
        return {200,
                "text/plain; version=0.0.4",
                p_.metrics.render(server_ ? server_->connections() : 0, p_.hub.subscriptions(), server_ ? server_->slow_drops() : 0,
                                  server_ ? server_->refused_connections() : 0),
                {}};
    }
    if (!path.starts_with("/v1/")) {
        const StaticFile* file = p_.static_files.find(path);
        if (file == nullptr) return error(404, "request.not_found", "No existe.");
        return dashboard_file(*file);
    }
    auto claims = auth_(request.authorization, p_.clock());
    if (!claims) return unauthorized(claims.error());
    try {
        if (path == "/v1/months" || path.starts_with("/v1/months/")) return months_view(path, *claims);
        if (path == "/v1/meta") return meta_view(*claims);
        if (path == "/v1/clock") return ok_json(clock_json(p_.business_clock(), p_.test_clock != nullptr));
        return view(path, query, *claims);
    } catch (const BadParam& b) {
        return error(400, "request.invalid_value", b.message, b.field);
    } catch (const Unreadable& unreadable) {
        log_unreadable(unreadable.error);
        return error(503, kViewUnavailable, kViewUnavailableMessage);
    }
}

HttpResponse App::command(const HttpRequest& request, const Claims& claims) {
    auto parsed = parse_command(request.body);
    if (!parsed) {
        p_.metrics.rejected(parsed.error().code);
        return pass_on(400, parsed.error().code, parsed.error().message, parsed.error().field);
    }
    CommandRequest& req = *parsed;
    if (auto refused = may_not_issue(p_.commands, claims.role, claims.subject, req)) {
        if (refused->unavailable) return pass_on(503, refused->code, refused->message);
        p_.metrics.rejected(refused->code);
        return pass_on(403, refused->code, refused->message);
    }
    if (!request.idempotency_key.empty() && !valid_command_id(request.idempotency_key)) {
        p_.metrics.rejected("request.invalid_value");
        return error(400, "request.invalid_value",
                     "Idempotency-Key: de 1 a " + std::to_string(kMaxCommandId) + " caracteres ASCII visibles.", "Idempotency-Key");
    }
    std::string command_id = request.idempotency_key.empty() ? req.command_id : request.idempotency_key;
    const service::Issuer issuer = issuer_of(claims.role, claims.subject, claims.user);
    const auto out = p_.commands.execute(req.provider, req.command, std::move(command_id), issuer, p_.business_clock(),
                                         events::Sha256().update(request.body).hex());
    if (!out) {
        p_.metrics.rejected(out.error().code);
    } else if (!out->duplicate) {
        p_.metrics.commands_accepted++;
        p_.metrics.events_appended += out->events.size();
    }
    return command_response(out);
}

Handler::Upgrade App::websocket(const HttpRequest& request, std::shared_ptr<WebSocket> socket) {
    const auto path = path_of(request.target);
    if (path == "/v1/live") return live(request, socket);
    if (path.starts_with("/v1/topics/")) return topic_stream(request, path.substr(std::string("/v1/topics/").size()), socket);
    Upgrade u;
    u.refused = error(404, "request.not_found", "No existe.");
    return u;
}

namespace {

// Per connection: the claims, from the upgrade's Authorization header or an {"auth"} message.
struct Connection {
    std::mutex mu;
    std::optional<Claims> claims;
    std::atomic<bool> closed{false};  // the socket finished (set by on_close)
};

std::shared_ptr<const std::string> message(const json& j) { return std::make_shared<const std::string>(dump(j)); }
json error_message(ApiCode code, std::string_view msg) { return {{"type", "error"}, {"code", code.name()}, {"message", msg}}; }

// Authenticates from the header at upgrade; a bad header refuses the upgrade with 401.
std::optional<HttpResponse> authenticate_upgrade(const HttpRequest& request, const Authenticator& auth, int64_t now, Connection& c) {
    if (request.authorization.empty()) return std::nullopt;
    auto claims = auth(request.authorization, now);
    if (!claims) return error(401, token_error_code(claims.error()), "Token vencido o inválido.");
    c.claims = *claims;
    return std::nullopt;
}

// A connection lives no longer than its token: closed with 4401 when it expires, or when its
// session ends first (logout, password change).
void close_at_expiry(const std::shared_ptr<WebSocket>& socket, const Claims& claims, int64_t now, Sessions& sessions) {
    socket->close_after(std::chrono::milliseconds(std::max<int64_t>(0, claims.expires_at_ms - now)), kCloseUnauthorized, "token expired");
    if (!claims.session.empty())
        sessions.on_revoke(claims.session, [weak = std::weak_ptr<WebSocket>(socket)] {
            if (auto s = weak.lock()) s->close(kCloseUnauthorized, "session ended");
        });
}

// Handles {"auth": token}: authenticated, or an error and close 4401.
void handle_auth(const std::string& token, const Authenticator& auth, int64_t now, Connection& c,
                 const std::shared_ptr<WebSocket>& socket) {
    auto claims = auth("Bearer " + token, now);
    if (!claims) {
        socket->send(message(error_message(token_error_code(claims.error()), "Token vencido o inválido.")));
        socket->close(kCloseUnauthorized, "unauthorized");
        return;
    }
    std::lock_guard lk(c.mu);
    c.claims = *claims;
    close_at_expiry(socket, *claims, now, auth.sessions());
    socket->send(message({{"type", "authenticated"}, {"role", role_name(claims->role)}, {"subject", claims->subject}}));
}

// Right after the upgrade: the token's expiry, or the time the client has to send one.
void start_clock(const std::shared_ptr<WebSocket>& socket, const Connection& c, int64_t now, std::chrono::milliseconds auth_timeout,
                 Sessions& sessions) {
    if (c.claims) return close_at_expiry(socket, *c.claims, now, sessions);
    socket->close_after(auth_timeout, kCloseUnauthorized, "authentication timeout");
}

}  // namespace

Handler::Upgrade App::live(const HttpRequest& request, const std::shared_ptr<WebSocket>& socket) {
    Upgrade u;
    auto conn = std::make_shared<Connection>();
    if ((u.refused = authenticate_upgrade(request, auth_, p_.clock(), *conn))) return u;
    start_clock(socket, *conn, p_.clock(), p_.auth_timeout, sessions_);
    std::weak_ptr<WebSocket> weak = socket;
    u.on_message = [this, conn, weak](const std::string& text) {
        auto live_socket = weak.lock();
        if (!live_socket) return;
        WebSocket* const client = live_socket.get();
        ClientMessage parsed = parse_client_message(text);
        if (const auto* bad = std::get_if<MessageError>(&parsed))
            return (void)client->send(message(error_message(bad->code, bad->message)));
        if (const auto* auth = std::get_if<AuthMessage>(&parsed)) return handle_auth(auth->token, auth_, p_.clock(), *conn, live_socket);
        std::optional<Claims> claims;
        {
            std::lock_guard lk(conn->mu);
            claims = conn->claims;
        }
        if (!claims) {
            client->send(message(error_message("auth.missing_token", "Primero {\"auth\": token}.")));
            return client->close(kCloseUnauthorized, "unauthorized");
        }
        if (const auto* unsub = std::get_if<UnsubscribeMessage>(&parsed)) {
            p_.hub.unsubscribe(client, unsub->id);
            return (void)client->send(message({{"type", "unsubscribed"}, {"subscription", unsub->id}}));
        }
        auto& [sub, resume] = std::get<SubscribeMessage>(parsed);
        const Scope scope = scope_of(*claims);
        auto scoped = narrow(scope, {sub.provider ? std::optional(sub.provider->value()) : std::nullopt, sub.obra_social});
        if (scoped && std::holds_alternative<ObraSocialScope>(scope) && sub.view == projections::View::padron)
            scoped = failure{OutOfScope{"view", "Una obra social sólo ve lo suyo."}};  // the padrón is the colegio's
        if (!scoped) return (void)client->send(message(error_message("auth.forbidden", scoped.error().message)));
        if (scoped->provider) sub.provider = domain::ProviderId{*scoped->provider};
        sub.obra_social = scoped->obra_social;
        const domain::Date today = domain::local_date(p_.business_clock());
        // A view that cannot be read fails the subscription (before any snapshot row is sent).
        bool subscribed = false;
        try {
            subscribed = p_.hub.subscribe(live_socket, sub, resume, [&] {
                json rows = json::array();
                const auto provider = sub.provider;
                const std::optional<domain::ObraSocialId> os =
                    sub.obra_social.empty() ? std::nullopt : std::optional(domain::ObraSocialId{sub.obra_social});
                switch (sub.view) {
                    case projections::View::padron:
                        if (provider) {
                            if (auto r = read_view(p_.views.padron(*provider))) rows.push_back(to_json(*r, today));
                        } else {
                            for (const auto& r : read_view(p_.views.padron_rows())) rows.push_back(to_json(r, today));
                        }
                        break;
                    case projections::View::pending:
                        for (const auto& r : read_view(p_.views.pending({provider, os, {}}))) rows.push_back(to_json(r, today));
                        break;
                    case projections::View::settlement:
                        for (const auto& r : read_view(p_.views.settlement({sub.period, os, provider}))) rows.push_back(to_json(r));
                        break;
                    case projections::View::invoices:
                        for (const auto& r : read_view(p_.views.invoices(projections::SettlementFilter{sub.period, os, provider})))
                            rows.push_back(to_json(r, p_.config));
                        break;
                    case projections::View::orders:
                        for (const auto& r : read_view(p_.views.orders({{sub.period, os, provider}, {}}))) rows.push_back(to_json(r));
                        break;
                }
                return rows;
            });
        } catch (const Unreadable& unreadable) {
            log_unreadable(unreadable.error);
            return (void)client->send(message(error_message(kViewUnavailable, kViewUnavailableMessage)));
        }
        if (!subscribed)
            client->send(message(error_message("live.too_many_subscriptions", "Demasiadas suscripciones en esta conexión (máximo " +
                                                                                  std::to_string(kMaxSubscriptionsPerConnection) + ").")));
    };
    u.on_close = [this, raw = socket.get()] { p_.hub.drop(raw); };
    return u;
}

namespace {

// A topic stream's partitions and where each starts (?from=N|end, ?partition=P), or the
// answer refusing it.
std::variant<std::vector<events::Position>, HttpResponse> stream_positions(events::EventLog& log, const HttpRequest& request,
                                                                           const std::string& topic) {
    const auto& topics = log.topics();
    const auto spec = std::find_if(topics.begin(), topics.end(), [&](const events::TopicSpec& t) { return t.name == topic; });
    if (spec == topics.end()) return error(404, "request.unknown_topic", "Tópico desconocido.");
    auto target = parse_target(request.target);
    if (!target) return error(400, "request.invalid_value", target.error().message, target.error().field);
    const Query& query = target->query;
    int64_t from = 0;
    const bool from_end = param(query, "from") == "end";  // only what is appended from now on
    std::optional<int32_t> only;
    try {
        if (!from_end) from = static_cast<int64_t>(param_u64(query, "from").value_or(0));
        if (auto p = param_u64(query, "partition")) {
            if (*p >= static_cast<uint64_t>(spec->partitions)) throw BadParam{"partition", "No existe esa partición."};
            only = static_cast<int32_t>(*p);
        }
    } catch (const BadParam& b) {
        return error(400, "request.invalid_value", b.message, b.field);
    }
    std::vector<events::Position> positions;
    for (int32_t p = 0; p < spec->partitions; ++p) {
        if (only && *only != p) continue;
        if (from_end) {
            auto end = log.end_offset({topic, p});
            if (!end) return pass_on(503, code_name(end.error().code), "No se pudo leer el log.");
            from = *end;
        }
        positions.push_back({{topic, p}, from});
    }
    return positions;
}

// A topic stream's reader, on the streams' pool (a read from Kafka may wait on the network,
// never on an io thread). Each step sends what its partitions hold, up to 256 records each (a
// prestador's own only), and schedules the next: at once after records, after a wait that
// grows from 10 to 50 ms while there are none, and 20 ms while the client has 1 MiB unread. It
// ends when the client goes away, the log fails, or the server stops.
class StreamReader : public std::enable_shared_from_this<StreamReader> {
public:
    struct Parts {
        events::EventLog& log;
        std::vector<events::Position> positions;
        Claims claims;
        std::shared_ptr<const Connection> conn;
        std::weak_ptr<WebSocket> socket;
        const std::atomic<bool>& stopping;
        std::shared_ptr<std::atomic<bool>> ended;  // set as it ends
    };
    StreamReader(const boost::asio::any_io_executor& executor, Parts parts) : timer_(executor), p_(std::move(parts)) {}
    ~StreamReader() { *p_.ended = true; }
    StreamReader(const StreamReader&) = delete;
    StreamReader& operator=(const StreamReader&) = delete;

    void start() {
        boost::asio::post(timer_.get_executor(), [self = shared_from_this()] { self->step(); });
    }

private:
    enum class Next { records, nothing, paced, end };

    void step() {
        const Next next = send_some();
        if (next == Next::end) return;  // the last reference goes: ended
        using std::chrono::milliseconds;
        idle_ = next == Next::nothing ? std::min(idle_ * 2, milliseconds(50)) : milliseconds(5);
        if (next == Next::records) return start();
        timer_.expires_after(next == Next::paced ? milliseconds(20) : idle_);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) { self->step(); });
    }

    Next send_some() {
        auto out = p_.socket.lock();
        // Not is_open(): a stream authenticated by header starts before the handshake ends
        // (what it sends waits for it); a closing socket refuses sends, which ends the stream.
        if (p_.stopping || !out || p_.conn->closed) return Next::end;
        bool any = false;
        for (auto& pos : p_.positions) {
            if (out->queued_bytes() > (1U << 20)) return Next::paced;  // let the client drain: pace, don't drop
            auto records = p_.log.read(pos.tp, pos.offset, 256);
            if (!records) {
                out->close(static_cast<uint16_t>(1011), "log read failed");
                return Next::end;
            }
            for (const auto& r : *records) {
                pos.offset = r.offset + 1;
                if (r.aborted) continue;  // never acknowledged: not an event
                if (p_.claims.role == Role::prestador && r.record.key != p_.claims.subject) continue;
                auto env = events::decode(r.record.value);
                json j = env ? to_json(*env) : json{{"error", "undecodable record"}};
                j["topic"] = pos.tp.topic;
                j["partition"] = pos.tp.partition;
                j["offset"] = r.offset;
                j["type"] = "event";
                if (!out->send(message(j))) return Next::end;
                any = true;
            }
        }
        return any ? Next::records : Next::nothing;
    }

    boost::asio::steady_timer timer_;
    Parts p_;
    std::chrono::milliseconds idle_{5};
};

}  // namespace

Handler::Upgrade App::topic_stream(const HttpRequest& request, const std::string& topic, const std::shared_ptr<WebSocket>& socket) {
    Upgrade u;
    auto conn = std::make_shared<Connection>();
    auto positions = stream_positions(p_.log, request, topic);
    if (auto* refused = std::get_if<HttpResponse>(&positions)) {
        u.refused = std::move(*refused);
        return u;
    }
    if ((u.refused = authenticate_upgrade(request, auth_, p_.clock(), *conn))) return u;
    start_clock(socket, *conn, p_.clock(), p_.auth_timeout, sessions_);

    // One reader per stream, started once the client is authenticated.
    auto start = [this, positions = std::get<std::vector<events::Position>>(std::move(positions)),
                  conn](const std::shared_ptr<WebSocket>& ws) mutable {
        std::lock_guard lk(streams_mu_);
        std::erase_if(streams_, [](const Stream& s) { return s.ended->load(); });
        // A stream whose client went away no longer counts: its reader ends at its next step
        // (within 50 ms). Twice the limit bounds the readers meanwhile.
        const Claims claims = *conn->claims;
        const std::string holder = std::string(role_name(claims.role)) + ":" + claims.subject;
        const auto open = std::count_if(streams_.begin(), streams_.end(), [](const Stream& s) { return !*s.closed; });
        const auto own = std::count_if(streams_.begin(), streams_.end(), [&](const Stream& s) { return !*s.closed && s.holder == holder; });
        if (static_cast<size_t>(open) >= kMaxStreams || static_cast<size_t>(own) >= kMaxStreamsPerHolder ||
            streams_.size() >= 2 * kMaxStreams || stopping_) {
            ws->send(message(error_message("stream.too_many", "Demasiados streams abiertos.")));
            return ws->close(static_cast<uint16_t>(1013), "try again later");
        }
        if (claims.role == Role::obra_social) {
            ws->send(message(error_message("auth.forbidden", "Los eventos crudos son del colegio o de cada prestador.")));
            return ws->close(kCloseForbidden, "forbidden");
        }
        auto ended = std::make_shared<std::atomic<bool>>(false);
        streams_.push_back({ended, std::shared_ptr<const std::atomic<bool>>(conn, &conn->closed), holder});
        std::make_shared<StreamReader>(stream_pool_.get_executor(),
                                       StreamReader::Parts{p_.log, std::move(positions), claims, conn, ws, stopping_, ended})
            ->start();
    };
    std::weak_ptr<WebSocket> weak = socket;
    if (conn->claims) {
        // Authenticated by header: start once the handshake is done (the first send waits for it).
        start(socket);
    } else {
        u.on_message = [this, conn, weak, start](const std::string& text) mutable {
            auto client = weak.lock();
            if (!client || conn->claims) return;  // once streaming, what the client sends is ignored
            ClientMessage parsed = parse_client_message(text);
            if (const auto* auth = std::get_if<AuthMessage>(&parsed)) {
                handle_auth(auth->token, auth_, p_.clock(), *conn, client);
                if (conn->claims) start(client);
                return;
            }
            client->send(message(error_message("auth.missing_token", "Primero {\"auth\": token}.")));
            client->close(kCloseUnauthorized, "unauthorized");
        };
    }
    u.on_close = [conn] { conn->closed = true; };
    return u;
}

}  // namespace liquida::gateway
