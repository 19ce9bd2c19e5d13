#include "gateway/commands.h"

namespace liquida::commands {

const std::vector<Command>& all() {
    static const std::vector<Command> commands{
        {{"serve",
          "Open the event log and serve Liquida until SIGINT or SIGTERM.",
          {},
          {{"data", "dir", "directory of the embedded event log and views", "./data"},
           {"partitions", "n", "partitions per topic when the log is created", "8"},
           {"no-sync", "", "acknowledge appends before fsync (survives a crash, not a power loss)", ""}}},
         serve},
        {{"bench",
          "Benchmarks. 'liquida bench log' appends events of realistic size in batches and prints events/s.",
          {"what"},
          {{"data", "dir", "scratch directory (emptied first)", "./build/bench-log"},
           {"events", "n", "events to append", "2000000"},
           {"batch", "n", "events per append", "100"},
           {"threads", "n", "concurrent appenders", "1"},
           {"sync", "", "fsync every group commit (default: WAL written, not fsynced, as db_bench)", ""}}},
         bench},
    };
    return commands;
}

}  // namespace liquida::commands
