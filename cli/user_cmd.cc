// `liquida user add --username U --role R --subject S [--data DIR]`: a person who signs in to
// the dashboard with a password (gateway/users.h), the first colegio user above all (the
// rest the colegio creates with POST /v1/users). The password is read from standard input:
// typed twice without echo at a terminal, else its first line (`... < file`, a pipe).
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/log_setup.h"
#include "cli/subcommands.h"
#include "gateway/users.h"

namespace liquida::commands {
namespace {

std::string read_line(bool echo) {
    termios old{};
    const bool tty = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty && !echo) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty && !echo) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        std::fputs("\n", stderr);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::string read_password() {
    if (!::isatty(STDIN_FILENO)) return read_line(true);
    std::fputs("contraseña: ", stderr);
    std::string first = read_line(false);
    std::fputs("otra vez: ", stderr);
    if (read_line(false) != first) throw cli::UsageError{"the two passwords differ"};
    return first;
}

}  // namespace

int user(const cli::Args& args) {
    if (args.positional(0) != "add") throw cli::UsageError{"unknown action '" + args.positional(0) + "' (known: add)"};
    const std::string name = args.get("username");
    if (auto bad = gateway::check_user_name(name)) throw cli::UsageError{"--username: " + bad->message};
    const auto role = gateway::parse_role(args.get("role"));
    if (!role) throw cli::UsageError{"--role: colegio, prestador or obra_social"};
    const std::string subject = args.get("subject");
    if (auto why = gateway::check_subject(*role, subject); !why.empty()) throw cli::UsageError{"--subject: " + why};
    const std::string password = read_password();
    if (auto weak = gateway::check_new_password(password, name, "password")) {
        std::fprintf(stderr, "liquida user: %s\n", weak->message.c_str());
        return 1;
    }
    if (!make_private_dir(args.get("data"), "user")) return 1;
    gateway::UserStore store(args.get("data"));
    if (auto added = store.add({name, *role, subject, gateway::hash_password(password)}); !added) {
        std::fprintf(stderr, "liquida user: %s (%s)\n", added.error().message.c_str(), std::string(added.error().code.name()).c_str());
        return 1;
    }
    std::fprintf(stderr, "liquida user: added %s (%s %s) to %s/users\n", name.c_str(), args.get("role").c_str(), subject.c_str(),
                 args.get("data").c_str());
    return 0;
}

}  // namespace liquida::commands
