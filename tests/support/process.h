// Child processes for tests: a shell command with its output, a server (`liquida serve`,
// `liquida kafka-dev`) kept running for a test's duration, and a forked copy of the test
// that a crash test kills where it chooses.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
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

// A forked copy of this process that runs `body` and exits with what it returns (70 when it
// throws). `body` reports to the parent through the file descriptor it is given: bytes the
// parent takes with `read`, so that a crash test kills on progress rather than on a clock.
// The parent must not run RocksDB or librdkafka threads when it forks.
class Forked {
public:
    explicit Forked(const std::function<int(int report_fd)>& body);
    ~Forked();  // kills and reaps a child still running
    Forked(const Forked&) = delete;
    Forked& operator=(const Forked&) = delete;

    // What the child reported, waiting at most `timeout` for it: empty when nothing came in
    // time, nullopt once the child has closed its end (it exited).
    std::optional<std::string> read(std::chrono::milliseconds timeout);
    // Its exit status once it has ended by itself (-1 when a signal ended it); nullopt while
    // it runs.
    std::optional<int> exited();
    // Waits for it to end by itself; its exit status, or -1 when a signal ended it.
    int wait();
    // SIGKILL: a crash. -1 when that ended it; its exit status when it had already ended.
    int kill();

private:
    std::optional<int> reap(int options);

    pid_t pid_ = -1;
    int report_fd_ = -1;
    std::optional<int> status_;
};

}  // namespace liquida::test
