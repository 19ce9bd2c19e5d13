// The subcommands of the `liquida` binary.
#pragma once

#include "cli/cli.h"

namespace liquida::commands {

struct Command {
    cli::CommandSpec spec;
    int (*run)(const cli::Args&);
};

const std::vector<Command>& all();

int serve(const cli::Args& args);
std::vector<cli::OptionSpec> serve_options();
int bench(const cli::Args& args);
int bench_projections(const cli::Args& args);
int bench_http(const cli::Args& args);
int bench_live(const cli::Args& args);
int views(const cli::Args& args);
int kafka_dev(const cli::Args& args);
int token(const cli::Args& args);
int user(const cli::Args& args);
int simulate(const cli::Args& args);
// log_options() and the workload options of `liquida simulate`.
std::vector<cli::OptionSpec> simulate_options();
int replay(const cli::Args& args);
int import(const cli::Args& args);
// log_options() (no default --data) and the options of `liquida replay`.
std::vector<cli::OptionSpec> replay_options();

}  // namespace liquida::commands
