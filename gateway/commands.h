// The subcommands of the `liquida` binary.
#pragma once

#include "gateway/cli.h"

namespace liquida::commands {

struct Command {
    cli::CommandSpec spec;
    int (*run)(const cli::Args&);
};

const std::vector<Command>& all();

int serve(const cli::Args& args);
int bench(const cli::Args& args);

}  // namespace liquida::commands
