// liquida: one binary, one subcommand per job. Exit codes: 0 ok, 1 failure, 2 bad arguments.
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/subcommands.h"

namespace {

void print_overview(std::FILE* to) {
    std::fprintf(to, "usage: liquida <command> [options]\n\ncommands:\n");
    for (const auto& c : liquida::commands::all()) std::fprintf(to, "  %-10s %s\n", c.spec.name.c_str(), c.spec.summary.c_str());
    std::fprintf(to, "\n'liquida <command> --help' describes a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
    // Data at rest holds CUITs, CBUs, e-mails and clinical text: every file and folder this
    // process creates is its user's alone (0600 / 0700), whatever umask it was started with.
    ::umask(077);
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty()) {
        print_overview(stderr);
        return 2;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_overview(stdout);
        return 0;
    }
    for (const auto& c : liquida::commands::all()) {
        if (c.spec.name != args[0]) continue;
        try {
            auto parsed = liquida::cli::Args::parse(c.spec, {args.begin() + 1, args.end()});
            if (parsed.help()) {
                std::fputs(liquida::cli::usage(c.spec).c_str(), stdout);
                return 0;
            }
            return c.run(parsed);
        } catch (const liquida::cli::UsageError& e) {
            std::fprintf(stderr, "liquida %s: %s\nSee 'liquida %s --help'.\n", c.spec.name.c_str(), e.message.c_str(), c.spec.name.c_str());
            return 2;
        }
    }
    std::fprintf(stderr, "liquida: unknown command '%.*s'\n\n", static_cast<int>(args[0].size()), args[0].data());
    print_overview(stderr);
    return 2;
}
