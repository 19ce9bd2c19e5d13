// People's accounts over HTTP (gateway/users.h, gateway/sessions.h): POST /v1/login,
// POST /v1/logout, POST /v1/password, and the colegio's GET and POST /v1/users.
//
// Password hashing is Argon2id, 64 MiB each, memory-hard by design: it runs on its own thread, never
// on the io threads, and at most kMaxPasswordQueue requests wait for it; past that, 429
// auth.rate_limited. That bounds both the memory and how fast anyone can guess.
#include <boost/asio/post.hpp>

#include "gateway/app.h"
#include "gateway/http_target.h"
#include "gateway/responses.h"

namespace liquida::gateway {

using nlohmann::json;

namespace {

constexpr int kMaxPasswordQueue = 8;
constexpr size_t kMaxAccountBody = 4096;

HttpResponse refused(unsigned status, const UserError& e) { return error(status, e.code, e.message, e.field); }

// The body's string members, each required and none other allowed.
result<std::map<std::string, std::string>, UserError> string_members(std::string_view body, std::initializer_list<std::string_view> names) {
    if (body.size() > kMaxAccountBody) return failure{UserError{"request.too_long", "El cuerpo es demasiado largo.", ""}};
    const json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return failure{UserError{"request.invalid_json", "El cuerpo no es un objeto JSON.", ""}};
    for (const auto& [k, v] : j.items())
        if (std::find(names.begin(), names.end(), k) == names.end())
            return failure{UserError{"request.unknown_field", "Campo desconocido.", k}};
    std::map<std::string, std::string> out;
    for (const auto name : names) {
        const auto it = j.find(name);
        if (it == j.end() || it->is_null()) return failure{UserError{"request.missing_field", "Falta este dato.", std::string(name)}};
        if (!it->is_string()) return failure{UserError{"request.wrong_type", "Se espera un texto.", std::string(name)}};
        out.emplace(name, it->get<std::string>());
    }
    return out;
}

HttpResponse retry_after(HttpResponse r, int64_t wait_ms) {
    r.headers.emplace_back("Retry-After", std::to_string(std::max<int64_t>(1, (wait_ms + 999) / 1000)));
    return r;
}

HttpResponse locked(int64_t wait_ms) {
    const int64_t minutes = std::max<int64_t>(1, (wait_ms + 59'999) / 60'000);
    return retry_after(error(429, "auth.locked",
                             "Demasiados intentos fallidos: este usuario queda bloqueado " + std::to_string(minutes) +
                                 (minutes == 1 ? " minuto." : " minutos."),
                             "username"),
                       wait_ms);
}

// The users file did not read: said as such, never as a wrong password (which would count
// towards lockouts); the server's log has why.
HttpResponse users_unreadable(const std::string& why) {
    std::fprintf(stderr, "liquida: users: %s\n", why.c_str());
    return error(503, "user.store_unavailable", "No se pudieron leer los usuarios; probá de nuevo en un momento.");
}

HttpResponse bad_credentials(std::string_view field) {
    return error(401, "auth.bad_credentials", "Usuario o contraseña incorrectos.", field);
}

}  // namespace

std::optional<HttpResponse> App::account_at_once(const HttpRequest& request, const std::string& path, std::optional<Claims>& claims) {
    if (request.method != "POST" && !(path == "/v1/users" && request.method == "GET")) {
        auto r = error(405, "request.method_not_allowed", "Método no permitido.");
        r.headers.emplace_back("Allow", path == "/v1/users" ? "GET, POST" : "POST");
        return r;
    }
    if (!users_) return error(501, "user.store_unavailable", "Este servidor no tiene directorio de datos: no tiene usuarios.");
    if (path == "/v1/login") return std::nullopt;
    auto c = auth_(request.authorization, p_.clock());
    if (!c) return unauthorized(c.error());
    claims = std::move(*c);
    if (path == "/v1/logout") {
        if (claims->session.empty()) return error(400, "auth.not_a_session", "Este token no es de una sesión: vence solo, no se cierra.");
        sessions_.close(claims->session);
        return ok_json({{"closed", true}});
    }
    if (path == "/v1/password")
        return claims->session.empty()
                   ? std::optional(error(400, "auth.not_a_session", "Sólo quien inició sesión con contraseña puede cambiarla."))
                   : std::nullopt;
    if (claims->role != Role::colegio) return error(403, "auth.forbidden", "Los usuarios los administra el colegio.");
    if (request.method == "POST") return std::nullopt;
    auto users = users_->load();
    if (!users) return users_unreadable(users.error());
    json rows = json::array();
    for (const auto& u : *users) rows.push_back({{"username", u.name}, {"role", role_name(u.role)}, {"subject", u.subject}});
    return ok_json({{"users", std::move(rows)}});
}

bool App::account(const HttpRequest& request, std::function<void(HttpResponse)>& finish) {
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (path != "/v1/login" && path != "/v1/logout" && path != "/v1/password" && path != "/v1/users") return false;
    std::optional<Claims> claims;
    if (auto answer = account_at_once(request, path, claims)) {
        finish(std::move(*answer));
        return true;
    }
    // The rest hash or check a password: on the password thread, a bounded queue before it.
    if (password_waiting_.fetch_add(1) >= kMaxPasswordQueue) {
        --password_waiting_;
        finish(retry_after(error(429, "auth.rate_limited", "Demasiados pedidos de ingreso a la vez; probá de nuevo en un momento."), 1000));
        return true;
    }
    boost::asio::post(password_pool_, [this, path, body = request.body, claims = std::move(claims), finish = std::move(finish)]() mutable {
        HttpResponse r;
        try {
            r = path == "/v1/login" ? login(body) : path == "/v1/password" ? change_password(body, *claims) : add_user(body);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "liquida: %s: %s\n", path.c_str(), e.what());
            r = error(503, "user.store_unavailable", "No se pudo procesar la contraseña; probá de nuevo.");
        }
        --password_waiting_;
        finish(std::move(r));
    });
    return true;
}

HttpResponse App::login(const std::string& body) {
    auto m = string_members(body, {"username", "password"});
    if (!m) return refused(400, m.error());
    const std::string& name = m->at("username");
    const std::string& password = m->at("password");
    if (name.size() > kMaxUserName || password.size() > kMaxPasswordBytes) return bad_credentials("username");
    const int64_t now = p_.clock();
    if (const int64_t until = sessions_.locked_until(name, now)) return locked(until - now);
    const auto found = users_->find(name);
    if (!found) return users_unreadable(found.error());
    const std::optional<User>& user = *found;
    // An unknown name costs the same hash as a known one: the time tells nothing either.
    const bool matches = password_matches(user ? std::string_view(user->hash) : kNoUserHash, password) && user.has_value();
    if (!matches) {
        if (!sessions_.failed(name, now))
            return retry_after(error(429, "auth.rate_limited", "Demasiados intentos fallidos; probá de nuevo más tarde."), kLockoutMs);
        if (const int64_t until = sessions_.locked_until(name, now)) return locked(until - now);
        return bad_credentials("password");
    }
    sessions_.succeeded(name);
    const int64_t expires = now + p_.session_ttl_ms;
    auto session = sessions_.open(user->name, expires, now);
    if (!session) return error(503, "auth.too_many_sessions", "Hay demasiadas sesiones abiertas; probá de nuevo más tarde.");
    const Claims claims{user->role, user->subject, expires, *session, user->name};
    return ok_json({{"token", sign(claims, auth_.key())},
                    {"username", user->name},
                    {"role", role_name(user->role)},
                    {"subject", user->subject},
                    {"expires_at", expires}});
}

HttpResponse App::change_password(const std::string& body, const Claims& claims) {
    auto m = string_members(body, {"current", "new"});
    if (!m) return refused(400, m.error());
    const int64_t now = p_.clock();
    if (const int64_t until = sessions_.locked_until(claims.user, now)) return locked(until - now);
    const auto found = users_->find(claims.user);
    if (!found) return users_unreadable(found.error());
    const std::optional<User>& user = *found;
    if (!user) return error(404, "user.not_found", "El usuario de esta sesión ya no existe.");
    if (m->at("current").size() > kMaxPasswordBytes || !password_matches(user->hash, m->at("current"))) {
        sessions_.failed(claims.user, now);
        return bad_credentials("current");
    }
    if (auto weak = check_new_password(m->at("new"), user->name, "new")) return refused(400, *weak);
    if (auto stored = users_->set_hash(user->name, hash_password(m->at("new"))); !stored) return refused(503, stored.error());
    const size_t ended = sessions_.close_user(user->name, claims.session);  // a stolen session ends with the old password
    return ok_json({{"changed", true}, {"other_sessions_closed", ended}});
}

HttpResponse App::add_user(const std::string& body) {
    auto m = string_members(body, {"username", "role", "subject", "password"});
    if (!m) return refused(400, m.error());
    if (auto bad = check_user_name(m->at("username"))) return refused(400, *bad);
    const auto role = parse_role(m->at("role"));
    if (!role) return error(400, "request.invalid_value", "El rol es colegio, prestador u obra_social.", "role");
    if (auto why = check_subject(*role, m->at("subject")); !why.empty())
        return error(400, "request.invalid_value", "Sujeto inválido para el rol: " + why, "subject");
    if (*role == Role::obra_social && !p_.config.obra_social(domain::ObraSocialId(m->at("subject"))))
        return error(400, "request.invalid_value", "El colegio no trabaja con esa obra social.", "subject");
    if (auto weak = check_new_password(m->at("password"), m->at("username"), "password")) return refused(400, *weak);
    User user{m->at("username"), *role, m->at("subject"), hash_password(m->at("password"))};
    if (auto added = users_->add(user); !added) return refused(added.error().code == "user.store_unavailable" ? 503 : 409, added.error());
    return ok_json({{"username", user.name}, {"role", role_name(user.role)}, {"subject", user.subject}}, 201);
}

}  // namespace liquida::gateway
