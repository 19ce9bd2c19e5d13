#include "gateway/app.h"

#include <boost/asio/post.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>

#include "domain/names.h"
#include "domain/queries.h"
#include "events/codec.h"
#include "events/sha256.h"
#include "gateway/downloads.h"
#include "gateway/http_target.h"
#include "gateway/json.h"
#include "gateway/responses.h"
#include "gateway/view_json.h"
#include "gateway/ws_messages.h"

namespace liquida::gateway {

using nlohmann::json;

namespace {

constexpr size_t kMaxStreams = 64;          // topic streams open at once...
constexpr size_t kMaxStreamsPerHolder = 8;  // ...and of one token's holder (role and subject)
constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 5000;

// A format a listing does not offer: never a silent JSON.
HttpResponse not_offered() {
    return error(406, "request.format_not_offered", "Este listado no se ofrece en ese formato (json, csv o xlsx, según el listado).", "format");
}
// The part of a file name an obra social filter gives: its id when it is one of the configuration's.
std::string name_part(const std::optional<domain::ObraSocialId>& os, const domain::Config& config) {
    return os && config.obra_social(*os) != nullptr ? os->value() : std::string();
}
std::string name_part(const std::optional<uint64_t>& provider) { return provider ? std::to_string(*provider) : std::string(); }
std::string name_part(const std::optional<domain::Period>& period) { return period ? domain::to_string(*period) : std::string(); }

// The path of a target, for routing; its query is parsed where it is used.
std::string path_of(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

std::optional<uint64_t> param_u64(const Query& q, const std::string& name) {
    auto it = q.find(name);
    if (it == q.end() || it->second.empty()) return std::nullopt;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (ec != std::errc{} || p != it->second.data() + it->second.size())
        throw BadParam{name, "Se esperaba un número entero no negativo."};
    return v;
}
std::optional<domain::Period> param_period(const Query& q, const std::string& name) {
    auto it = q.find(name);
    if (it == q.end() || it->second.empty()) return std::nullopt;
    auto p = domain::parse_period(it->second);
    if (!p) throw BadParam{name, "Se esperaba un período AAAA-MM."};
    return p;
}
std::optional<domain::Date> param_date(const Query& q, const std::string& name) {
    auto it = q.find(name);
    if (it == q.end() || it->second.empty()) return std::nullopt;
    auto d = domain::parse_date(it->second);
    if (!d) throw BadParam{name, "Se esperaba una fecha AAAA-MM-DD."};
    return d;
}
std::string param(const Query& q, const std::string& name) {
    auto it = q.find(name);
    return it == q.end() ? std::string() : it->second;
}

// offset/limit over a result; "next_offset" when more remain.
template <class T, class Render>
json page(const std::vector<T>& rows, const Query& q, Render render) {
    const size_t offset = static_cast<size_t>(param_u64(q, "offset").value_or(0));
    const size_t limit = std::min<size_t>(static_cast<size_t>(param_u64(q, "limit").value_or(kDefaultLimit)), kMaxLimit);
    // No sum of client numbers: an offset near 2^64 must not wrap around to the first page.
    const size_t first = std::min(offset, rows.size());
    const size_t last = first + std::min(limit, rows.size() - first);
    json out = json::array();
    for (size_t i = first; i < last; ++i) out.push_back(render(rows[i]));
    json body{{"total", rows.size()}, {"offset", offset}, {"limit", limit}, {"rows", std::move(out)}};
    if (last < rows.size()) body["next_offset"] = last;
    return body;
}

events::ActorRole actor_role(Role r) {
    switch (r) {
        case Role::colegio: return events::ActorRole::colegio;
        case Role::prestador: return events::ActorRole::prestador;
        case Role::obra_social: return events::ActorRole::obra_social;
    }
    return events::ActorRole::system;
}

// The obra social a command acts on: its own field, else the invoice, transaction or order
// it names, looked up in the provider's ledger.
events::result<std::optional<domain::ObraSocialId>> command_obra_social(service::CommandService& commands, domain::ProviderId provider,
                                                                        const domain::Command& c) {
    if (auto os = obra_social_of(c)) return os;
    std::optional<domain::ObraSocialId> out;
    auto found = commands.with(provider, [&](const domain::ProviderLedger& l) {
        std::visit(
            [&](const auto& cmd) {
                if constexpr (requires { cmd.invoice_id; }) {
                    if (auto it = l.invoices.invoices.find(cmd.invoice_id); it != l.invoices.invoices.end())
                        out = it->second.issued.obra_social;
                } else if constexpr (requires { cmd.transaction; }) {
                    if (auto it = l.authorizations.budgets.find(domain::key_of(cmd.transaction)); it != l.authorizations.budgets.end())
                        out = it->second.submitted.obra_social;
                } else if constexpr (requires { cmd.order_id; }) {
                    if (auto it = l.orders.orders.find(cmd.order_id); it != l.orders.orders.end()) out = it->second.loaded.obra_social;
                }
            },
            c);
    });
    if (!found) return failure(std::move(found).error());
    return out;
}

unsigned status_of(service::Rejection::Kind kind) {
    switch (kind) {  // no default: a new kind is a compile warning here
        case service::Rejection::Kind::invalid: return 400;
        case service::Rejection::Kind::refused: return 422;
        case service::Rejection::Kind::conflict: return 409;
        case service::Rejection::Kind::unavailable: return 503;
    }
    return 500;
}

// A view that could not be read (views.h): thrown out of App::view and answered 503, never as
// fewer rows. The detail goes to the log, not to the client.
struct Unreadable {
    events::error error;
};
template <class T>
T read_view(events::result<T> r) {
    if (!r) throw Unreadable{std::move(r).error()};
    return std::move(*r);
}
// A listing's file written a page of view rows at a time (views.h, Cursor): one page in memory
// whatever the listing's length. Each page becomes a chunk of the file's last table.
template <class Read, class Build>
std::function<bool(replay::Table&)> paged(size_t rows, Read read, Build build) {
    auto cursor = std::make_shared<projections::Cursor>();
    cursor->limit = std::max<size_t>(rows, 1);
    return [cursor, read = std::move(read), build = std::move(build)](replay::Table& chunk) {
        if (cursor->done) return false;
        chunk = build(read_view(read(*cursor)));
        return true;
    };
}
constexpr std::string_view kViewUnavailable = "view.unavailable";
constexpr std::string_view kViewUnavailableMessage = "No se pudo leer la vista; el error quedó registrado en el servidor.";
void log_unreadable(const events::error& e) { std::fprintf(stderr, "liquida: %s\n", e.message.c_str()); }

HttpResponse state_unavailable(const events::error& e) {
    return error(503, events::code_name(e.code), "No se pudo leer el estado: " + e.message);
}

// A command's outcome as the API says it: 201 appended, 200 a retry, else the typed error.
// Written out directly, members in the order a JSON tree would print them: every command gets
// this answer, and building it as a tree of maps was a visible share of the command path's
// CPU. Only the command id comes from the client (escaped); kinds and topics are our names.
HttpResponse command_response(const service::Outcome& out) {
    if (!out) return error(status_of(out.error().kind), out.error().code, out.error().message, out.error().field);
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

// As the padrón rows and the commands name it ("seguro"), not its number.
std::string document_type_name(domain::DocumentType t) {
    return domain::name_of(domain::kDocumentTypeNames, static_cast<uint8_t>(t));
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
    if (!p_.clock) p_.clock = [] {
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
    stopping_ = true;
    std::vector<Stream> streams;
    {
        std::lock_guard lk(streams_mu_);
        streams.swap(streams_);
    }
    for (auto& s : streams)
        if (s.thread.joinable()) s.thread.join();
}

void App::http(HttpRequest request, std::function<void(HttpResponse)> done) {
    const auto start = std::chrono::steady_clock::now();
    std::function<void(HttpResponse)> finish = [this, start, done = std::move(done)](HttpResponse r) {
        p_.metrics.request(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        done(std::move(r));
    };
    if (account(request, finish)) return;
    const std::string path = path_of(request.target);
    if (request.method == "POST" && (path == "/v1/commands" || (months_ && path.starts_with("/v1/months/")))) {
        auto claims = auth_(request.authorization, p_.clock());
        if (!claims) return finish(unauthorized(claims.error()));
        if (path == "/v1/commands") {  // commands wait for a durable append: off the io threads
            boost::asio::post(workers_, [this, request = std::move(request), c = *claims, finish = std::move(finish)]() mutable {
                finish(command(request, c));
            });
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
            boost::asio::post(as_of_pool_, [this, request = std::move(request), finish = std::move(finish)]() mutable {
                finish(route(request));
            });
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
    // Only POST /v1/commands changes anything (it does not come here); the rest is read-only.
    if (path == "/v1/commands" || (request.method != "GET" && request.method != "HEAD")) {
        auto r = error(405, "request.method_not_allowed", "Método no permitido.");
        r.headers.emplace_back("Allow", path == "/v1/commands" ? "POST" : "GET, HEAD");
        return r;
    }
    if (path == "/healthz") {
        const bool current = p_.metrics.views_current;  // before the lag: see Gateway::start
        const int64_t lag = p_.metrics.view_lag;  // -1 while the runner's steps fail or the views are ahead of the log
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
                    chain["broken"].push_back({{"topic", b.tp.topic}, {"partition", b.tp.partition}, {"offset", b.offset}, {"reason", b.reason}});
        }
        // Degraded: something is wrong. Catching up: nothing is, but the views answer from a
        // past more than a second old (after a start on a long log): not ready for readers.
        const bool healthy = log_ok && views_ok && chain_ok;
        const char* status = !healthy ? "degraded" : current ? "ok" : "catching_up";
        return ok_json({{"status", status}, {"log", log_ok}, {"views", views_ok}, {"view_lag", lag}, {"chain", chain}},
                       status == std::string_view("ok") ? 200 : 503);
    }
    if (path == "/metrics") {
        return {200, "text/plain; version=0.0.4",
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
        if (path == "/v1/meta") return meta_view();
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
        return error(400, parsed.error().code, parsed.error().message, parsed.error().field);
    }
    CommandRequest& req = *parsed;
    auto forbidden = [&](std::string_view message) {
        p_.metrics.rejected("auth.forbidden");
        return error(403, "auth.forbidden", message);
    };
    if (!may_issue(claims.role, req.command)) return forbidden("Este rol no puede emitir este comando.");
    if (claims.role == Role::prestador && std::to_string(req.provider.value()) != claims.subject)
        return forbidden("Un prestador sólo opera sobre sus propios datos.");
    if (claims.role == Role::obra_social) {
        const auto os = command_obra_social(p_.commands, req.provider, req.command);
        if (!os) return state_unavailable(os.error());
        if (!*os || (*os)->value() != claims.subject) return forbidden("Una obra social sólo opera sobre lo suyo.");
    }
    if (!request.idempotency_key.empty() && !valid_command_id(request.idempotency_key)) {
        p_.metrics.rejected("request.invalid_value");
        return error(400, "request.invalid_value",
                     "Idempotency-Key: de 1 a " + std::to_string(kMaxCommandId) + " caracteres ASCII visibles.", "Idempotency-Key");
    }
    std::string command_id = request.idempotency_key.empty() ? req.command_id : request.idempotency_key;
    const service::Issuer issuer{actor_role(claims.role), std::string(role_name(claims.role)) + ":" + claims.subject, claims.user};
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

// A view request after its scope is applied: the provider and obra social filters narrowed
// to what the token may read.
struct App::ViewRequest {
    const std::string& path;
    const Query& q;
    domain::Date today;
    Scope scope;
    std::optional<uint64_t> provider;
    std::optional<domain::ObraSocialId> os;
    Format format = Format::json;
    replay::CsvDialect dialect;
    projections::SettlementFilter filter() const {
        return {param_period(q, "period"), os, provider ? std::optional(domain::ProviderId{*provider}) : std::nullopt};
    }
};

HttpResponse App::view(const std::string& path, const Query& q, const Claims& claims) {
    struct Route {
        std::string_view path;
        bool prefix;  // the path continues with an id
        HttpResponse (App::*handler)(const ViewRequest&);
    };
    static constexpr Route kRoutes[] = {
        {"/v1/views/padron", false, &App::padron_view},        {"/v1/views/padron/", true, &App::padron_row_view},
        {"/v1/views/pending", false, &App::pending_view},      {"/v1/views/settlement", false, &App::settlement_view},
        {"/v1/views/invoices", false, &App::invoices_view},    {"/v1/reports/validation", false, &App::validation_view},
        {"/v1/views/payouts", false, &App::payouts_view},      {"/v1/views/debits", false, &App::debits_view},
        {"/v1/views/retentions", false, &App::retentions_view}, {"/v1/reports/authorizations", false, &App::authorizations_view},
        {"/v1/reports/submissions", false, &App::submissions_view}, {"/v1/views/payment-orders", false, &App::payment_orders_view},
    };
    const auto route = std::find_if(std::begin(kRoutes), std::end(kRoutes), [&](const Route& r) {
        return r.prefix ? path.size() > r.path.size() && path.starts_with(r.path) : path == r.path;
    });
    if (route == std::end(kRoutes)) return error(404, "request.not_found", "No existe.");
    const Scope scope = scope_of(claims);
    const auto scoped = narrow(scope, {param_u64(q, "provider"), param(q, "obra_social")});
    if (!scoped) return error(403, "auth.forbidden", scoped.error().message, scoped.error().field);
    const auto format = parse_format(param(q, "format"));
    if (!format) return not_offered();
    const auto dialect = parse_dialect(param(q, "dialect"));
    if (!dialect) throw BadParam{"dialect", "Se esperaba ar (punto y coma, coma decimal) o plain (coma, punto decimal)."};
    const ViewRequest request{path,
                              q,
                              domain::local_date(p_.business_clock()),
                              scope,
                              scoped->provider,
                              scoped->obra_social.empty() ? std::nullopt : std::optional(domain::ObraSocialId{scoped->obra_social}),
                              *format,
                              *dialect};
    return (this->*route->handler)(request);
}

replay::Names App::names_for(const ViewRequest& r) {
    std::vector<projections::PadronRow> rows;
    if (!r.provider) {
        rows = read_view(p_.views.padron_rows());
    } else if (auto row = read_view(p_.views.padron(domain::ProviderId{*r.provider}))) {
        rows.push_back(std::move(*row));
    }
    return replay::Names(p_.config, rows);
}

HttpResponse App::send_file(const ViewRequest& r, std::string name, std::string title, std::vector<replay::Table> tables,
                            std::function<bool(replay::Table&)> more) {
    using replay::Kind;
    Download d{std::move(name), std::move(title), std::move(tables), {}, std::move(more)};
    const auto filter = r.filter();
    d.filters.push_back({{"issued_at", "Emitido", Kind::instant}, replay::instant(p_.business_clock())});
    if (filter.period) d.filters.push_back({{"period", "Periodo", Kind::text}, replay::text(domain::to_string(*filter.period))});
    if (r.os) d.filters.push_back({{"obra_social", "Obra social", Kind::text}, replay::text(r.os->value())});
    if (r.provider) d.filters.push_back({{"provider", "Prestador", Kind::integer}, replay::count(*r.provider)});
    return download(d, r.format, r.dialect, p_.business_clock());
}

HttpResponse App::padron_row_view(const ViewRequest& r) {
    if (r.format != Format::json) return not_offered();
    const domain::Date as_of = param_date(r.q, "as_of").value_or(r.today);
    Query single;
    single["provider"] = r.path.substr(std::string_view("/v1/views/padron/").size());
    const auto id = param_u64(single, "provider");
    if (auto one = narrow(r.scope, {id, {}}); !one) return error(403, "auth.forbidden", one.error().message, one.error().field);
    auto row = read_view(p_.views.padron(domain::ProviderId{*id}));
    if (!row || (r.os && !row->state.provider_numbers.contains(*r.os))) return error(404, "view.not_found", "No existe ese prestador.");
    return ok_json(to_json(*row, as_of));
}

HttpResponse App::padron_view(const ViewRequest& r) {
    const domain::Date as_of = param_date(r.q, "as_of").value_or(r.today);
    std::vector<projections::PadronRow> rows;
    if (r.provider) {
        if (auto row = read_view(p_.views.padron(domain::ProviderId{*r.provider}))) rows.push_back(std::move(*row));
    } else {
        rows = read_view(p_.views.padron_rows());
    }
    if (r.os) std::erase_if(rows, [&](const auto& row) { return !row.state.provider_numbers.contains(*r.os); });
    if (const auto standing = param(r.q, "standing"); !standing.empty()) {
        if (standing != "in" && standing != "out") throw BadParam{"standing", "Se esperaba 'in' u 'out'."};
        rows = projections::by_standing(rows, as_of, standing == "in");
    }
    if (auto days = param_u64(r.q, "expiring_within")) {
        if (r.format != Format::json) return not_offered();
        const auto docs = projections::expiring_within(rows, as_of, static_cast<int32_t>(std::min<uint64_t>(*days, 3650)));
        return ok_json(page(docs, r.q, [](const projections::ExpiringDocument& d) {
            return json{{"provider", d.provider.value()},
                        {"type", document_type_name(d.document.type)},
                        {"document_id", d.document.document_id},
                        {"expires_on", domain::to_string(d.document.expires_on)}};
        }));
    }
    if (r.format != Format::json) {
        const auto entries = replay::padron_entries(std::move(rows), as_of);
        return send_file(r, file_name({"padron", param(r.q, "standing"), name_part(r.os, p_.config), name_part(r.provider), domain::to_string(as_of)}),
                         "Padrón al " + domain::to_string(as_of), {replay::padron_table(entries, as_of)});
    }
    json body = page(rows, r.q, [&](const projections::PadronRow& row) { return to_json(row, as_of); });
    body["as_of"] = domain::to_string(as_of);
    return ok_json(body);
}

HttpResponse App::pending_view(const ViewRequest& r) {
    const projections::PendingFilter filter{r.provider ? std::optional(domain::ProviderId{*r.provider}) : std::nullopt, r.os, param(r.q, "affiliate")};
    if (r.format != Format::json) {
        auto names = std::make_shared<const replay::Names>(names_for(r));
        return send_file(r, file_name({"pendientes", name_part(r.os, p_.config), name_part(r.provider)}), "Pendientes de consumo",
                         {replay::pending_table({}, r.today, *names)},
                         paged(p_.file_page_rows, [this, filter](projections::Cursor& c) { return p_.views.pending(filter, &c); },
                               [names, today = r.today](const std::vector<projections::PendingRow>& rows) {
                                   return replay::pending_table(rows, today, *names);
                               }));
    }
    const auto rows = read_view(p_.views.pending(filter));
    json by_provider = json::object(), by_os = json::object();
    for (const auto& row : rows) {
        by_provider[std::to_string(row.provider.value())] = by_provider.value(std::to_string(row.provider.value()), 0) + 1;
        by_os[row.obra_social.value()] = by_os.value(row.obra_social.value(), 0) + 1;
    }
    json body = page(rows, r.q, [&](const projections::PendingRow& row) { return to_json(row, r.today); });
    body["totals"] = {{"items", rows.size()}, {"by_provider", by_provider}, {"by_obra_social", by_os}};
    return ok_json(body);
}

HttpResponse App::settlement_view(const ViewRequest& r) {
    const auto filter = r.filter();
    // as_of a past day: the views as they stood at its end; today or later: the live ones.
    const auto as_of = param_date(r.q, "as_of");
    std::optional<AsOfViews::Answer> past;
    if (as_of && *as_of < r.today) {
        if (!as_of_) return error(501, "view.as_of_unavailable", "Este servidor no responde consultas a una fecha pasada.", "as_of");
        auto answer = as_of_->settlement(*as_of, filter);
        if (!answer) return error(503, "view.as_of_failed", "No se pudo reconstruir la liquidación a esa fecha: " + answer.error().message, "as_of");
        past = std::move(*answer);
    }
    auto rows = past ? std::move(past->rows) : read_view(p_.views.settlement(filter));
    const auto group = param(r.q, "group");
    if (r.format != Format::json) {
        if (!group.empty() && group != "provider" && group != "obra_social") return not_offered();
        auto by_os = projections::checked_roll_up(rows, true);
        if (!by_os) return error(422, "money.overflow", "Un total no cabe en un importe (centavos en int64).", "group");
        const auto names = names_for(r);
        auto os_table = replay::settlement_by_obra_social_table(*by_os, names);
        auto provider_table = replay::settlement_by_provider_table(rows, names);
        std::vector<replay::Table> tables;  // CSV: the level asked for; XLSX: both, obra social first
        if (r.format == Format::xlsx || group == "obra_social") tables.push_back(std::move(os_table));
        if (r.format == Format::xlsx || group != "obra_social") tables.push_back(std::move(provider_table));
        const std::string level = group == "obra_social" && r.format == Format::csv ? "por-obra-social" : "";
        return send_file(r, file_name({"liquidacion", level, name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider),
                                       as_of ? domain::to_string(*as_of) : ""}),
                         "Liquidación", std::move(tables));
    }
    if (group == "obra_social" || group == "period") {
        auto rolled = projections::checked_roll_up(rows, group == "obra_social");
        if (!rolled) return error(422, "money.overflow", "Un total no cabe en un importe (centavos en int64).", "group");
        rows = std::move(*rolled);
    }
    else if (!group.empty() && group != "provider") throw BadParam{"group", "Se esperaba provider, obra_social o period."};
    json body = page(rows, r.q, [](const projections::SettlementRow& row) { return to_json(row); });
    if (as_of) {
        body["as_of"] = domain::to_string(*as_of);
        body["replayed"] = past.has_value();
        body["from_checkpoint"] = past && past->from_checkpoint ? json(domain::to_string(*past->from_checkpoint)) : json(nullptr);
    }
    return ok_json(body);
}

HttpResponse App::invoices_view(const ViewRequest& r) {
    const auto filter = r.filter();
    if (r.format != Format::json) {
        auto names = std::make_shared<const replay::Names>(names_for(r));
        return send_file(r, file_name({"facturas", name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider)}), "Facturas",
                         {replay::invoices_table({}, *names)},
                         paged(p_.file_page_rows, [this, filter](projections::Cursor& c) { return p_.views.invoices(filter, &c); },
                               [this, names](const std::vector<projections::InvoiceViewRow>& rows) {
                                   std::vector<replay::InvoiceEntry> entries;
                                   entries.reserve(rows.size());
                                   for (const auto& row : rows)
                                       entries.push_back({row.provider, row.obra_social, row.period, projections::invoice_row(row, p_.config),
                                                          row.received_at != 0});
                                   return replay::invoices_table(entries, *names);
                               }));
    }
    const auto rows = read_view(p_.views.invoices(filter));
    return ok_json(page(rows, r.q, [&](const projections::InvoiceViewRow& row) { return to_json(row, p_.config); }));
}

HttpResponse App::validation_view(const ViewRequest& r) {  // A10, from the views
    const auto filter = r.filter();
    if (!filter.period) throw BadParam{"period", "Falta el período AAAA-MM."};
    if (r.format != Format::json) {
        // Per obra social in the configuration's order, written a chunk at a time (a month's
        // A10 is hundreds of thousands of rows): one obra social's rows in memory at most.
        struct Chunks {
            size_t next_os = 0;
            std::vector<replay::ValidationEntry> entries;
            size_t at = 0;
        };
        auto state = std::make_shared<Chunks>();
        auto names = std::make_shared<const replay::Names>(names_for(r));
        auto more = [this, state, names, filter](replay::Table& chunk) {
            while (state->at == state->entries.size()) {
                if (state->next_os == p_.config.obras_sociales.size()) return false;
                const domain::ObraSocialId& os = p_.config.obras_sociales[state->next_os++].id;
                if (filter.obra_social && os != *filter.obra_social) continue;
                state->entries.clear();
                state->at = 0;
                for (auto& [provider, row] : read_view(projections::validation_report_by_provider(p_.views, {filter.period, os, filter.provider})))
                    state->entries.push_back({os, provider, std::move(row)});
            }
            const size_t n = std::min(std::max<size_t>(p_.file_page_rows, 1), state->entries.size() - state->at);
            chunk = replay::validation_table(std::span(state->entries).subspan(state->at, n), *names);
            state->at += n;
            return true;
        };
        return send_file(r, file_name({"validacion", name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider)}),
                         "Validación A10", {replay::validation_table({}, *names)}, std::move(more));
    }
    const auto rows = read_view(projections::validation_report(p_.views, filter));
    return ok_json(page(rows, r.q, [](const domain::ValidationRow& row) {
        return json{{"provider_number", row.provider_number}, {"razon_social", row.razon_social},   {"matricula", row.matricula},
                    {"order_number", row.order_number},       {"order_date", domain::to_string(row.order_date)},
                    {"affiliate_number", row.affiliate_number}, {"practice_code", row.practice_code}, {"state", row.state}};
    }));
}

// What the colegio transfers to each provider (S3): the colegio's and each prestador's own.
HttpResponse App::payouts_view(const ViewRequest& r) {
    if (std::holds_alternative<ObraSocialScope>(r.scope)) return error(403, "auth.forbidden", "Los pagos a prestadores son del colegio y de cada prestador.");
    if (r.os) throw BadParam{"obra_social", "Los pagos suman todas las obras sociales: sin filtro por obra social."};
    const auto entries = replay::payout_entries(read_view(p_.views.settlement(r.filter())));
    if (!entries) return error(422, "money.overflow", "Un total no cabe en un importe (centavos en int64).", "period");
    const auto names = names_for(r);
    if (r.format != Format::json)
        return send_file(r, file_name({"pagos-prestadores", name_part(r.filter().period), name_part(r.provider)}), "Pagos a prestadores",
                         {replay::payouts_table(*entries, names)});
    return ok_json(page(*entries, r.q, [&](const replay::PayoutEntry& p) {
        const auto* who = names.provider(p.provider);
        json retentions = json::object();
        for (const auto& [kind, amount] : p.retentions) retentions[domain::name_of(domain::kRetentionKindNames, static_cast<uint8_t>(kind))] = amount;
        return json{{"period", domain::to_string(p.period)},
                    {"provider", p.provider.value()},
                    {"razon_social", who ? who->razon_social : ""},
                    {"cuit", who ? who->cuit : ""},
                    {"cbu", who ? who->cbu : ""},
                    {"collected", p.collected},
                    {"debited", p.debited},
                    {"retentions", retentions},
                    {"retained", p.retained},
                    {"paid", p.paid},
                    {"due", p.due},
                    {"state", p.state()}};
    }));
}

HttpResponse App::table_view(const ViewRequest& r, replay::Table table, std::string name, std::string title) {
    if (r.format != Format::json) return send_file(r, std::move(name), std::move(title), {std::move(table)});
    return ok_json(page(table.rows, r.q, [&](const std::vector<replay::Value>& row) {
        json out = json::object();
        for (size_t c = 0; c < row.size(); ++c) out[table.columns[c].key] = replay::to_json(row[c], table.columns[c].kind);
        return out;
    }));
}

// The debits of the invoices of the filter (S1).
HttpResponse App::debits_view(const ViewRequest& r) {
    const auto filter = r.filter();
    auto names = std::make_shared<const replay::Names>(names_for(r));
    auto name = file_name({"debitos", name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider)});
    if (r.format == Format::json) return table_view(r, replay::debits_table(read_view(p_.views.invoices(filter)), *names), name, "Débitos");
    return send_file(r, std::move(name), "Débitos", {replay::debits_table({}, *names)},
                     paged(p_.file_page_rows, [this, filter](projections::Cursor& c) { return p_.views.invoices(filter, &c); },
                           [names](const std::vector<projections::InvoiceViewRow>& rows) { return replay::debits_table(rows, *names); }));
}

// What the obras sociales paid, a line per invoice of each payment order (S2).
HttpResponse App::payment_orders_view(const ViewRequest& r) {
    const auto filter = r.filter();
    return table_view(r, replay::payment_orders_table(read_view(p_.views.invoices(filter)), names_for(r)),
                      file_name({"ordenes-de-pago", name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider)}),
                      "Órdenes de pago");
}

// The retentions charged to providers (S3): the colegio's and each prestador's own.
HttpResponse App::retentions_view(const ViewRequest& r) {
    if (std::holds_alternative<ObraSocialScope>(r.scope)) return error(403, "auth.forbidden", "Las retenciones son del colegio y de cada prestador.");
    const auto filter = r.filter();
    return table_view(r, replay::retentions_table(read_view(p_.views.settlement(filter)), names_for(r)),
                      file_name({"retenciones", name_part(filter.period), name_part(r.os, p_.config), name_part(r.provider)}), "Retenciones");
}

// A9: one provider's authorized budget items within [from, to] (at most a year), ordered by
// fecha, credencial, prestación, canal or importe. Read from the provider's ledger.
HttpResponse App::authorizations_view(const ViewRequest& r) {
    if (std::holds_alternative<ObraSocialScope>(r.scope)) return error(403, "auth.forbidden", "El informe de autorizaciones es del prestador y del colegio.");
    if (!r.provider) throw BadParam{"provider", "Falta el prestador."};
    const auto from = param_date(r.q, "from"), to = param_date(r.q, "to");
    if (!from || !to) throw BadParam{!from ? "from" : "to", "Falta la fecha AAAA-MM-DD."};
    if (*to < *from || to->days - from->days > 366) throw BadParam{"to", "El rango va de from a to, de 0 a 366 días."};
    static constexpr std::pair<std::string_view, domain::ReportOrder> kOrders[] = {{"", domain::ReportOrder::date},
                                                                                 {"fecha", domain::ReportOrder::date},
                                                                                 {"credencial", domain::ReportOrder::credential},
                                                                                 {"prestacion", domain::ReportOrder::practice},
                                                                                 {"canal", domain::ReportOrder::channel},
                                                                                 {"importe", domain::ReportOrder::amount}};
    const std::string order = param(r.q, "order");
    const auto o = std::find_if(std::begin(kOrders), std::end(kOrders), [&](const auto& k) { return k.first == order; });
    if (o == std::end(kOrders)) throw BadParam{"order", "Se esperaba fecha, credencial, prestacion, canal o importe."};
    std::vector<domain::AuthorizationRow> rows;
    const auto found = p_.commands.with(domain::ProviderId{*r.provider}, [&](const domain::ProviderLedger& l) {
        rows = domain::authorization_report(l, *from, *to, o->second);
    });
    if (!found) return state_unavailable(found.error());
    return table_view(r, replay::authorizations_table(rows, names_for(r)),
                      file_name({"autorizaciones", name_part(r.provider), domain::to_string(*from), domain::to_string(*to)}), "Autorizaciones A9");
}

// F5: the credit notes a provider owes and the invoices it may send again.
HttpResponse App::submissions_view(const ViewRequest& r) {
    if (std::holds_alternative<ObraSocialScope>(r.scope)) return error(403, "auth.forbidden", "Las presentaciones pendientes son del prestador y del colegio.");
    if (!r.provider) throw BadParam{"provider", "Falta el prestador."};
    std::vector<domain::PendingSubmission> owed;
    std::optional<domain::DomainError> overflow;
    const auto found = p_.commands.with(domain::ProviderId{*r.provider}, [&](const domain::ProviderLedger& l) {
        auto submissions = domain::pending_submissions(l);
        if (submissions) owed = std::move(*submissions);
        else overflow = submissions.error();
    });
    if (!found) return state_unavailable(found.error());
    if (overflow) return error(422, overflow->code, overflow->message, overflow->field);
    return table_view(r, replay::submissions_table(owed),
                      file_name({"presentaciones", name_part(r.provider)}), "Presentaciones F5");
}

Handler::Upgrade App::websocket(const HttpRequest& request, std::shared_ptr<WebSocket> socket) {
    const auto path = path_of(request.target);
    if (path == "/v1/live") return live(request, std::move(socket));
    if (path.starts_with("/v1/topics/")) return topic_stream(request, path.substr(std::string("/v1/topics/").size()), std::move(socket));
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
json error_message(std::string_view code, std::string_view msg) { return {{"type", "error"}, {"code", code}, {"message", msg}}; }

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
void handle_auth(const std::string& token, const Authenticator& auth, int64_t now, Connection& c, const std::shared_ptr<WebSocket>& socket) {
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

Handler::Upgrade App::live(const HttpRequest& request, std::shared_ptr<WebSocket> socket) {
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
        if (const auto* bad = std::get_if<MessageError>(&parsed)) return (void)client->send(message(error_message(bad->code, bad->message)));
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
                    for (const auto& r : read_view(p_.views.invoices({sub.period, os, provider}))) rows.push_back(to_json(r, p_.config));
                    break;
            }
            return rows;
        });
        } catch (const Unreadable& unreadable) {
            log_unreadable(unreadable.error);
            return (void)client->send(message(error_message(kViewUnavailable, kViewUnavailableMessage)));
        }
        if (!subscribed)
            client->send(message(error_message("live.too_many_subscriptions",
                                               "Demasiadas suscripciones en esta conexión (máximo " +
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
            if (!end) return error(503, std::string(events::code_name(end.error().code)), "No se pudo leer el log.");
            from = *end;
        }
        positions.push_back({{topic, p}, from});
    }
    return positions;
}

// A topic stream's reader: sends the records of its partitions (a prestador's own only) until
// the client goes away or the server stops, paced by what the client has not read yet.
void pump_stream(events::EventLog& log, std::vector<events::Position> positions, const Claims& claims, const Connection& conn,
                 std::weak_ptr<WebSocket> weak, const std::atomic<bool>& stopping) {
    while (!stopping) {
        auto out = weak.lock();
        // Not is_open(): a stream authenticated by header starts before the handshake ends
        // (what it sends waits for it); a closing socket refuses sends, which ends the loop.
        if (!out || conn.closed) return;
        bool any = false;
        for (auto& pos : positions) {
            if (out->queued_bytes() > (1U << 20)) break;  // let the client drain: pace, don't drop
            auto records = log.read(pos.tp, pos.offset, 256);
            if (!records) return out->close(static_cast<uint16_t>(1011), "log read failed");
            for (const auto& r : *records) {
                pos.offset = r.offset + 1;
                if (r.aborted) continue;  // never acknowledged: not an event
                if (claims.role == Role::prestador && r.record.key != claims.subject) continue;
                auto env = events::decode(r.record.value);
                json j = env ? to_json(*env) : json{{"error", "undecodable record"}};
                j["topic"] = pos.tp.topic;
                j["partition"] = pos.tp.partition;
                j["offset"] = r.offset;
                j["type"] = "event";
                if (!out->send(message(j))) return;
                any = true;
            }
        }
        out.reset();
        if (!any) log.wait_for_any(positions, std::chrono::milliseconds(200));
    }
}

}  // namespace

Handler::Upgrade App::topic_stream(const HttpRequest& request, const std::string& topic, std::shared_ptr<WebSocket> socket) {
    Upgrade u;
    auto conn = std::make_shared<Connection>();
    auto positions = stream_positions(p_.log, request, topic);
    if (auto* refused = std::get_if<HttpResponse>(&positions)) {
        u.refused = std::move(*refused);
        return u;
    }
    if ((u.refused = authenticate_upgrade(request, auth_, p_.clock(), *conn))) return u;
    start_clock(socket, *conn, p_.clock(), p_.auth_timeout, sessions_);

    // One reader thread per stream, started once the client is authenticated.
    auto start = [this, positions = std::get<std::vector<events::Position>>(std::move(positions)), conn](std::shared_ptr<WebSocket> ws) mutable {
        std::lock_guard lk(streams_mu_);
        // Streams that ended are joined here.
        std::erase_if(streams_, [](Stream& s) {
            if (!*s.ended) return false;
            s.thread.join();
            return true;
        });
        // A stream whose client went away no longer counts: its thread ends within its next
        // wait on the log (200 ms). Twice the limit bounds the threads meanwhile.
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
        streams_.push_back({std::thread([this, positions, claims, conn, ended, weak = std::weak_ptr<WebSocket>(ws)]() mutable {
            struct Ended {
                std::atomic<bool>& flag;
                ~Ended() { flag = true; }
            } on_return{*ended};
            pump_stream(p_.log, std::move(positions), claims, *conn, std::move(weak), stopping_);
        }), ended, std::shared_ptr<const std::atomic<bool>>(conn, &conn->closed), holder});
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
