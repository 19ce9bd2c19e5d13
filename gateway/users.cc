#include "gateway/users.h"

#include "events/durable_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace liquida::gateway {
namespace {

constexpr std::string_view kFile = "users";
constexpr std::string_view kLockFile = "users.lock";
constexpr std::string_view kLineVersion = "u1";
constexpr size_t kMaxHashBytes = crypto_pwhash_STRBYTES;
constexpr size_t kMaxFileBytes = kMaxUsers * (kMaxUserName + 128 + 16 + kMaxHashBytes);

bool name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' || c == '-'; }

// Code points of valid UTF-8, or nullopt.
std::optional<size_t> utf8_chars(std::string_view s) {
    size_t chars = 0;
    for (size_t i = 0; i < s.size(); ++chars) {
        const auto c = static_cast<unsigned char>(s[i]);
        const size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return std::nullopt;
        for (size_t k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return std::nullopt;
        i += len;
    }
    return chars;
}

void ensure_sodium() {
    static const int ready = sodium_init();
    if (ready < 0) throw std::runtime_error("libsodium could not start");
}

std::string errno_text() { return std::strerror(errno); }

// An exclusive flock held while alive.
class FileLock {
public:
    explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
        if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~FileLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    bool held() const { return fd_ >= 0; }

private:
    int fd_;
};

result<User, std::string> parse_line(std::string_view line) {
    std::string_view fields[5];
    for (size_t i = 0; i < 5; ++i) {
        const size_t sp = line.find(' ');
        if ((i < 4) != (sp != std::string_view::npos)) return failure{std::string("not five fields")};
        fields[i] = line.substr(0, sp);
        if (sp != std::string_view::npos) line.remove_prefix(sp + 1);
    }
    if (fields[0] != kLineVersion) return failure{"unknown line version '" + std::string(fields[0]) + "'"};
    if (check_user_name(fields[1])) return failure{std::string("bad user name")};
    const auto role = parse_role(fields[2]);
    if (!role) return failure{std::string("bad role")};
    if (!check_subject(*role, fields[3]).empty()) return failure{std::string("bad subject")};
    if (fields[4].size() >= kMaxHashBytes || !fields[4].starts_with("$argon2id$")) return failure{std::string("not an Argon2id hash")};
    return User{std::string(fields[1]), *role, std::string(fields[3]), std::string(fields[4])};
}

std::string line_of(const User& u) {
    std::string line(kLineVersion);
    for (std::string_view f : {std::string_view(u.name), role_name(u.role), std::string_view(u.subject), std::string_view(u.hash)})
        line.append(" ").append(f);
    return line.append("\n");
}

UserError io_error(std::string detail) { return {"user.store_unavailable", "No se pudo guardar el usuario: " + std::move(detail), ""}; }

}  // namespace

std::optional<UserError> check_user_name(std::string_view name) {
    if (name.size() < kMinUserName || name.size() > kMaxUserName)
        return UserError{
            "request.invalid_value",
            "El usuario debe tener entre " + std::to_string(kMinUserName) + " y " + std::to_string(kMaxUserName) + " caracteres.",
            "username"};
    for (char c : name)
        if (!name_char(c)) return UserError{"request.invalid_value", "El usuario sólo admite minúsculas, dígitos y . _ @ -.", "username"};
    return std::nullopt;
}

std::optional<UserError> check_new_password(std::string_view password, std::string_view user_name, std::string_view field) {
    const auto chars = utf8_chars(password);
    if (!chars) return UserError{"request.invalid_value", "La contraseña no es texto UTF-8 válido.", std::string(field)};
    if (password.size() > kMaxPasswordBytes)
        return UserError{"request.too_long", "La contraseña supera los " + std::to_string(kMaxPasswordBytes) + " bytes.",
                         std::string(field)};
    if (*chars < kMinPasswordChars)
        return UserError{"user.weak_password", "La contraseña debe tener al menos " + std::to_string(kMinPasswordChars) + " caracteres.",
                         std::string(field)};
    if (password == user_name)
        return UserError{"user.weak_password", "La contraseña no puede ser el nombre de usuario.", std::string(field)};
    return std::nullopt;
}

std::string hash_password(std::string_view password) {
    ensure_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("Argon2id: out of memory");
    return out;
}

bool password_matches(std::string_view hash, std::string_view password) {
    ensure_sodium();
    if (hash.size() >= crypto_pwhash_STRBYTES || !hash.starts_with("$argon2id$")) return false;
    const std::string h(hash);  // NUL-terminated for libsodium
    return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

UserStore::UserStore(std::string data_dir) : dir_(std::move(data_dir)) {}

result<std::vector<User>, std::string> UserStore::load() const {
    const std::string path = dir_ + "/" + std::string(kFile);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return std::vector<User>{};
        return failure{"cannot open " + path + ": " + errno_text()};
    }
    auto read = read_all(fd, kMaxFileBytes);
    ::close(fd);
    if (!read) return failure{path + ": " + read.error()};
    const std::string& text = *read;
    std::vector<User> users;
    size_t line_no = 0;
    for (std::string_view rest = text; !rest.empty();) {
        ++line_no;
        const size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) return failure{path + " line " + std::to_string(line_no) + ": no end of line (a torn write?)"};
        auto user = parse_line(rest.substr(0, nl));
        if (!user) return failure{path + " line " + std::to_string(line_no) + ": " + user.error()};
        for (const auto& u : users)
            if (u.name == user->name) return failure{path + " line " + std::to_string(line_no) + ": user " + u.name + " twice"};
        users.push_back(std::move(*user));
        rest.remove_prefix(nl + 1);
    }
    return users;
}

result<std::optional<User>, std::string> UserStore::find(std::string_view name) const {
    auto users = load();
    if (!users) return failure{std::move(users).error()};
    for (auto& u : *users)
        if (u.name == name) return std::optional<User>(std::move(u));
    return std::optional<User>();
}

template <class Change>
result<ok_t, UserError> UserStore::rewrite(Change change) {
    FileLock lock(dir_ + "/" + std::string(kLockFile));
    if (!lock.held()) return failure{io_error("no se pudo tomar " + std::string(kLockFile) + ": " + errno_text())};
    auto users = load();
    if (!users) return failure{io_error(users.error())};
    if (auto refused = change(*users)) return failure{std::move(*refused)};

    std::string text;
    for (const auto& u : *users) text += line_of(u);
    if (auto written = events::replace_file(dir_ + "/" + std::string(kFile), text); !written)
        return failure{io_error(written.error().message)};
    return ok;
}

result<ok_t, UserError> UserStore::add(User user) {
    return rewrite([&](std::vector<User>& users) -> std::optional<UserError> {
        for (const auto& u : users)
            if (u.name == user.name) return UserError{"user.exists", "Ya existe un usuario con ese nombre.", "username"};
        if (users.size() >= kMaxUsers)
            return UserError{"user.too_many", "Se alcanzó el máximo de " + std::to_string(kMaxUsers) + " usuarios.", "username"};
        users.push_back(std::move(user));
        return std::nullopt;
    });
}

result<ok_t, UserError> UserStore::set_hash(std::string_view name, std::string hash) {
    return rewrite([&](std::vector<User>& users) -> std::optional<UserError> {
        for (auto& u : users)
            if (u.name == name) {
                u.hash = std::move(hash);
                return std::nullopt;
            }
        return UserError{"user.not_found", "No existe ese usuario.", "username"};
    });
}

}  // namespace liquida::gateway
