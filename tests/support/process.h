// Child processes for tests that run the `liquida` binary or other tools: a shell command
// with its output, and a server (`liquida serve`, `liquida kafka-dev`) kept running for a
// test's duration.
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

// `BINARY ARGS` as a child process, stdout and stderr joined: started, read until its output
// says `ready` (at most 30 s), SIGTERM'd when stopped or destroyed (SIGKILL after 10 s).
class Child {
public:
    Child(const std::string& binary, std::vector<std::string> args, const std::string& ready = "ready");
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    const std::string& output() const { return output_; }
    // SIGTERM, then its exit status (-1 when it had to be killed).
    int stop();
    // SIGKILL: a crash. True when the child was still running (not already exited).
    bool crash();

private:
    pid_t pid_ = -1;
    int out_fd_ = -1;
    std::string output_;
};

// `BINARY kafka-dev ARGS`. Its mock cluster's threads live in the child, so the test process
// may still fork.
class KafkaDev : public Child {
public:
    KafkaDev(const std::string& binary, std::vector<std::string> args);
    const std::string& bootstrap() const { return bootstrap_; }

private:
    std::string bootstrap_;
};

}  // namespace liquida::test
