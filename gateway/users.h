// People who sign in with a password: the users file and their Argon2id hashes.
//
// DATA/users holds one user a line, fields separated by one space:
//
//     "u1" name role subject hash
//
// name: kMinUserName..kMaxUserName bytes of [a-z0-9._@-]; role and subject as in a token
// (gateway/auth.h: a prestador's subject is its provider id); hash: libsodium's
// crypto_pwhash_str (Argon2id, "$argon2id$v=19$m=...,t=...,p=...$salt$hash"). The file is
// rewritten whole (temporary file, fsync, rename, fsync of the directory) under an exclusive
// flock of DATA/users.lock, so `liquida user add` and a running `serve` may both change it.
// Passwords never reach the event log: the topics are read downstream, and a hash there
// would be kept for years.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"
#include "gateway/auth.h"

namespace liquida::gateway {

inline constexpr size_t kMinUserName = 3;
inline constexpr size_t kMaxUserName = 64;
inline constexpr size_t kMinPasswordChars = 12;  // characters (UTF-8 code points)
inline constexpr size_t kMaxPasswordBytes = 256;
inline constexpr size_t kMaxUsers = 10'000;

struct User {
    std::string name;
    Role role = Role::colegio;
    std::string subject;
    std::string hash;  // crypto_pwhash_str
};

// A refused input: stable code, Spanish message, the field it names.
struct UserError {
    ApiCode code;
    std::string message;
    std::string field;
};

// Empty when acceptable, else why not.
std::optional<UserError> check_user_name(std::string_view name);
// Length in characters, valid UTF-8, not the user's name.
std::optional<UserError> check_new_password(std::string_view password, std::string_view user_name, std::string_view field);

// Argon2id with libsodium's interactive limits (64 MiB, 2 passes).
// Throws std::runtime_error when libsodium cannot start or is out of memory.
std::string hash_password(std::string_view password);
// Constant time in the password; false for a hash that is not one of ours.
bool password_matches(std::string_view hash, std::string_view password);
// Checked when a name has no user, so that answer costs what a wrong password does: a hash
// with hash_password's limits of 24 random bytes that were thrown away.
inline constexpr std::string_view kNoUserHash =
    "$argon2id$v=19$m=65536,t=2,p=1$KihE2WiLgHTOKLMnErJCtQ$aFiNYy1IAYCmEsiNGx5XzpXxfm94hSypExmUWJLqrFg";

class UserStore {
public:
    explicit UserStore(std::string data_dir);

    // Every user in the file, or why it cannot be read (a malformed line names its number:
    // `serve` refuses to start on it rather than guess who may sign in).
    result<std::vector<User>, std::string> load() const;
    // The user of that name, nullopt when none, or why the file cannot be read.
    result<std::optional<User>, std::string> find(std::string_view name) const;

    // Adds a user (user.exists when the name is taken; user.too_many past kMaxUsers).
    result<ok_t, UserError> add(User user);
    // Replaces a user's hash (user.not_found).
    result<ok_t, UserError> set_hash(std::string_view name, std::string hash);

private:
    template <class Change>
    result<ok_t, UserError> rewrite(Change change);
    std::string dir_;
};

}  // namespace liquida::gateway
