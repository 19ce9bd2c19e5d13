#include "tests/support/process.h"

#include <catch2/catch.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>

namespace liquida::test {

using namespace std::chrono_literals;

namespace {
std::vector<std::string> with_first(std::string first, std::vector<std::string> rest) {
    std::vector<std::string> all{std::move(first)};
    for (std::string& r : rest) all.push_back(std::move(r));
    return all;
}
}  // namespace

Run sh(const std::string& command) {
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

Child::Child(const std::string& binary, std::vector<std::string> args, const std::string& ready) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    args = with_first(binary, std::move(args));
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    close(fds[1]);
    out_fd_ = fds[0];
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (output_.find(ready) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{out_fd_, POLLIN, 0};
        if (poll(&pfd, 1, 500) <= 0) continue;
        char buf[1024];
        const ssize_t n = read(out_fd_, buf, sizeof buf);
        if (n <= 0) break;
        output_.append(buf, static_cast<size_t>(n));
    }
    INFO(output_);
    REQUIRE(output_.find(ready) != std::string::npos);
}

KafkaDev::KafkaDev(const std::string& binary, std::vector<std::string> args) : Child(binary, with_first("kafka-dev", std::move(args))) {
    const auto at = output().find("\nbootstrap: ");
    REQUIRE(at != std::string::npos);
    const auto from = at + std::string("\nbootstrap: ").size();
    bootstrap_ = output().substr(from, output().find('\n', from) - from);
}

Child::~Child() {
    if (pid_ > 0) stop();
    if (out_fd_ >= 0) close(out_fd_);
}

bool Child::crash() {
    const bool running = waitpid(pid_, nullptr, WNOHANG) == 0;
    if (running) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
    return running;
}

int Child::stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        std::this_thread::sleep_for(100ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
}

Forked::Forked(const std::function<int(int report_fd)>& body) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
        close(fds[0]);
        int code = 70;
        try {
            code = body(fds[1]);
        } catch (...) {  // a failed REQUIRE in the child: its status says so
        }
        _exit(code);
    }
    close(fds[1]);
    report_fd_ = fds[0];
}

Forked::~Forked() {
    if (!status_) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    close(report_fd_);
}

std::optional<std::string> Forked::read(std::chrono::milliseconds timeout) {
    pollfd pfd{report_fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return std::string();
    char buf[4096];
    const ssize_t n = ::read(report_fd_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
}

std::optional<int> Forked::reap(int options) {
    if (status_) return status_;
    int status = 0;
    pid_t got = 0;
    do got = waitpid(pid_, &status, options);
    while (got < 0 && errno == EINTR);
    REQUIRE(got >= 0);
    if (got == pid_) status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return status_;
}

std::optional<int> Forked::exited() { return reap(WNOHANG); }

int Forked::wait() { return *reap(0); }

int Forked::kill() {
    if (!status_) ::kill(pid_, SIGKILL);  // a child that already ended is a zombie until reaped: no-op
    return *reap(0);
}

}  // namespace liquida::test
