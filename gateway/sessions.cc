#include "gateway/sessions.h"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace liquida::gateway {

std::optional<std::string> Sessions::open(std::string user, int64_t expires_at_ms, int64_t now_ms) {
    std::array<unsigned char, 16> raw{};
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) throw std::runtime_error("RAND_bytes failed: no session id");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    for (unsigned char b : raw) id.append({kHex[b >> 4], kHex[b & 15]});
    std::lock_guard lk(mu_);
    if (sessions_.size() >= kMaxSessions) std::erase_if(sessions_, [&](const auto& s) { return s.second.expires_at_ms <= now_ms; });
    if (sessions_.size() >= kMaxSessions) return std::nullopt;
    sessions_.emplace(id, Session{std::move(user), expires_at_ms, {}});
    return id;
}

bool Sessions::alive(std::string_view id, int64_t now_ms) const {
    std::lock_guard lk(mu_);
    auto it = sessions_.find(id);
    return it != sessions_.end() && now_ms < it->second.expires_at_ms;
}

void Sessions::end(std::map<std::string, Session, std::less<>>::iterator it, std::vector<std::function<void()>>& revoke) {
    for (auto& f : it->second.on_revoke) revoke.push_back(std::move(f));
    sessions_.erase(it);
}

void Sessions::close(std::string_view id) {
    std::vector<std::function<void()>> revoke;
    {
        std::lock_guard lk(mu_);
        if (auto it = sessions_.find(id); it != sessions_.end()) end(it, revoke);
    }
    for (auto& f : revoke) f();  // outside the lock: a socket's close may take its own
}

size_t Sessions::close_user(std::string_view user, std::string_view except) {
    std::vector<std::function<void()>> revoke;
    size_t ended = 0;
    {
        std::lock_guard lk(mu_);
        for (auto it = sessions_.begin(); it != sessions_.end();) {
            auto next = std::next(it);
            if (it->second.user == user && it->first != except) {
                end(it, revoke);
                ++ended;
            }
            it = next;
        }
    }
    for (auto& f : revoke) f();
    return ended;
}

void Sessions::on_revoke(std::string_view id, std::function<void()> revoke) {
    {
        std::lock_guard lk(mu_);
        if (auto it = sessions_.find(id); it != sessions_.end()) {
            it->second.on_revoke.push_back(std::move(revoke));
            return;
        }
    }
    revoke();  // ended in between: close now
}

size_t Sessions::open_sessions() const {
    std::lock_guard lk(mu_);
    return sessions_.size();
}

int64_t Sessions::locked_until(std::string_view user, int64_t now_ms) const {
    std::lock_guard lk(mu_);
    auto it = failures_.find(user);
    return it != failures_.end() && it->second.locked_until_ms > now_ms ? it->second.locked_until_ms : 0;
}

bool Sessions::failed(std::string_view user, int64_t now_ms) {
    std::lock_guard lk(mu_);
    auto it = failures_.find(user);
    if (it == failures_.end()) {
        if (failures_.size() >= kMaxTrackedNames)  // forget names quiet for a lockout's length
            std::erase_if(failures_,
                          [&](const auto& f) { return f.second.locked_until_ms <= now_ms && f.second.last_ms + kLockoutMs <= now_ms; });
        if (failures_.size() >= kMaxTrackedNames) return false;
        it = failures_.emplace(std::string(user), Failures{}).first;
    }
    Failures& f = it->second;
    if (f.locked_until_ms != 0 && f.locked_until_ms <= now_ms) f = {};  // a lockout served starts afresh
    f.last_ms = now_ms;
    if (++f.count >= kFailuresBeforeLockout) f.locked_until_ms = now_ms + kLockoutMs;
    return true;
}

void Sessions::succeeded(std::string_view user) {
    std::lock_guard lk(mu_);
    if (auto it = failures_.find(user); it != failures_.end()) failures_.erase(it);
}

result<Claims, TokenError> Authenticator::operator()(std::string_view header_value, int64_t now_ms) const {
    auto claims = from_authorization_header(header_value, key_, now_ms);
    if (claims && !claims->session.empty() && !sessions_->alive(claims->session, now_ms)) return failure{TokenError::revoked};
    return claims;
}

}  // namespace liquida::gateway
