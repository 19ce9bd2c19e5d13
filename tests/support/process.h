// Child processes for tests that run the `liquida` binary or other tools: a shell command
// with its output, and `liquida kafka-dev` kept running for a test's duration.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace liquida::test {

struct Run {
    int code;         // exit status; -1 when killed by a signal
    std::string out;  // stdout and stderr
};

// Runs `command` in sh with stderr joined to stdout; bound it with `timeout N` yourself.
Run sh(const std::string& command);

// `BINARY kafka-dev ARGS` as a child process: started, read until it prints "ready" (at most
// 30 s), SIGTERM'd when stopped or destroyed (SIGKILL after 10 s). Its mock cluster's
// threads live in the child, so the test process may still fork.
class KafkaDev {
public:
    KafkaDev(const std::string& binary, std::vector<std::string> args);
    ~KafkaDev();
    KafkaDev(const KafkaDev&) = delete;
    KafkaDev& operator=(const KafkaDev&) = delete;

    const std::string& bootstrap() const { return bootstrap_; }
    const std::string& output() const { return output_; }
    // SIGTERM, then its exit status (-1 when it had to be killed).
    int stop();

private:
    pid_t pid_ = -1;
    int out_fd_ = -1;
    std::string output_;
    std::string bootstrap_;
};

}  // namespace liquida::test
