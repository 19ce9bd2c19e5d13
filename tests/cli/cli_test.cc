#include <catch2/catch.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include <cstdio>
#include <filesystem>
#include <string>

namespace {

struct Run {
    int code;
    std::string out;  // stdout and stderr
};

Run run(const std::string& args) {
    const std::string cmd = std::string(LIQUIDA_BIN) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("liquida --help lists the commands and exits 0", "[cli]") {
    auto r = run("--help");
    CHECK(r.code == 0);
    CHECK(r.out.find("serve") != std::string::npos);
    CHECK(r.out.find("bench") != std::string::npos);
    auto s = run("serve --help");
    CHECK(s.code == 0);
    CHECK(s.out.find("--data") != std::string::npos);
}

TEST_CASE("bad arguments get a clear error and exit code 2", "[cli]") {
    auto none = run("");
    CHECK(none.code == 2);
    auto unknown = run("frobnicate");
    CHECK(unknown.code == 2);
    CHECK(unknown.out.find("unknown command 'frobnicate'") != std::string::npos);
    auto option = run("serve --colour red");
    CHECK(option.code == 2);
    CHECK(option.out.find("unknown option '--colour'") != std::string::npos);
    auto value = run("serve --partitions many");
    CHECK(value.code == 2);
    CHECK(value.out.find("--partitions") != std::string::npos);
    auto missing = run("serve --data");
    CHECK(missing.code == 2);
    auto bench = run("bench nothing");
    CHECK(bench.code == 2);
    CHECK(bench.out.find("unknown benchmark") != std::string::npos);
}

TEST_CASE("bench log appends and reports a rate", "[cli]") {
    char dir[] = "/tmp/liquida-bench-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    auto r = run(std::string("bench log --events 2000 --batch 50 --threads 2 --data ") + dir + "/log");
    CHECK(r.code == 0);
    CHECK(r.out.find("2000 events") != std::string::npos);
    CHECK(r.out.find("events/s") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("serve opens the log, says it is ready and stops cleanly on SIGTERM", "[cli]") {
    char dir[] = "/tmp/liquida-serve-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(LIQUIDA_BIN, LIQUIDA_BIN, "serve", "--data", dir, "--partitions", "2", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (out.find("ready") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{fds[0], POLLIN, 0};
        if (poll(&pfd, 1, 500) <= 0) continue;
        char buf[1024];
        const ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    CHECK(out.find("liquida.orders") != std::string::npos);
    REQUIRE(out.find("ready") != std::string::npos);
    kill(child, SIGTERM);
    int status = 0;
    waitpid(child, &status, 0);
    close(fds[0]);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(std::filesystem::exists(std::string(dir) + "/log/CURRENT"));
    std::filesystem::remove_all(dir);
}
