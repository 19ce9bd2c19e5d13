// Signed-in sessions, and the brakes on guessing passwords.
//
// POST /v1/login opens a session and signs a token naming it (gateway/auth.h, "s1"); every
// request with that token asks whether the session is still open, so POST /v1/logout and a
// password change revoke it at once, websockets opened with it included. Sessions live in
// memory: a restart of `serve` signs everyone out (their tokens answer auth.revoked_token),
// which fails safe. Machine tokens (`liquida token`, "v1") name no session and are not
// revocable; they stay for programs, with the expiry they were given.
//
// Lockout: kFailuresBeforeLockout failed sign-ins in a row for one user name lock that name
// for kLockout, whatever the password (the right one included), and whether or not the
// name exists, so the answer tells nothing about who has an account.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/auth.h"

namespace liquida::gateway {

inline constexpr int kFailuresBeforeLockout = 5;
inline constexpr int64_t kLockoutMs = 15 * 60 * 1000;
inline constexpr size_t kMaxSessions = 100'000;
inline constexpr size_t kMaxTrackedNames = 100'000;  // names with failed sign-ins remembered

class Sessions {
public:
    // A new session's id (32 hex digits from the system's randomness), or nullopt when
    // kMaxSessions are open and none has expired.
    std::optional<std::string> open(std::string user, int64_t expires_at_ms, int64_t now_ms);
    bool alive(std::string_view id, int64_t now_ms) const;
    // Ends a session; its websockets are closed (their on_revoke callbacks run).
    void close(std::string_view id);
    // Ends every session of `user` but `except`; how many were ended.
    size_t close_user(std::string_view user, std::string_view except);
    // Runs `revoke` when the session ends early (not at expiry: the socket's own timer does that).
    void on_revoke(std::string_view id, std::function<void()> revoke);
    size_t open_sessions() const;

    // 0 when `user` may try to sign in, else the instant (ms) its lockout ends.
    int64_t locked_until(std::string_view user, int64_t now_ms) const;
    // Records a failed attempt; false when the table of names is full (the caller refuses).
    bool failed(std::string_view user, int64_t now_ms);
    void succeeded(std::string_view user);

private:
    struct Session {
        std::string user;
        int64_t expires_at_ms = 0;
        std::vector<std::function<void()>> on_revoke;
    };
    struct Failures {
        int count = 0;
        int64_t locked_until_ms = 0;
        int64_t last_ms = 0;
    };
    void end(std::map<std::string, Session, std::less<>>::iterator it, std::vector<std::function<void()>>& revoke);
    mutable std::mutex mu_;
    std::map<std::string, Session, std::less<>> sessions_;
    std::map<std::string, Failures, std::less<>> failures_;
};

// Checks a bearer header: the token's signature and expiry, and for a session token that its
// session is open (auth.revoked_token when it is not).
class Authenticator {
public:
    Authenticator(std::string key, Sessions& sessions) : key_(std::move(key)), sessions_(&sessions) {}
    result<Claims, TokenError> operator()(std::string_view header_value, int64_t now_ms) const;
    const std::string& key() const { return key_; }
    Sessions& sessions() const { return *sessions_; }

private:
    std::string key_;
    Sessions* sessions_;
};

}  // namespace liquida::gateway
