// A child process appends to the embedded log and reports every acknowledged batch; it is
// killed with SIGKILL mid-stream. On reopen every acknowledged record must be there, intact,
// at dense offsets.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <map>
#include <string>

#include "events/log.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace liquida;
using namespace liquida::events;

namespace {

constexpr int kPartitions = 3;

// Appends until killed; fails with 3, 4 or 5.
int append_forever(const std::string& dir, int round, int out_fd) {
    auto log = open_embedded_log({dir, {{"t", kPartitions}}, true});
    if (!log) return 3;
    for (int64_t n = 0;; ++n) {
        const auto p = static_cast<int32_t>(n % kPartitions);
        const std::string id = std::to_string(round) + ":" + std::to_string(n);
        std::vector<Record> records;
        for (int i = 0; i < 3; ++i) records.push_back(Record{id, id + "#" + std::to_string(i) + std::string(150, 'x'), n, {}});
        auto r = (*log)->append(AppendBatch{{"t", p}, "cmd-" + id, std::move(records)});
        if (!r) return 4;
        // "partition base id": written only after the append was acknowledged.
        char line[128];
        const int len = std::snprintf(line, sizeof line, "%d %lld %s\n", p, static_cast<long long>(r->base_offset), id.c_str());
        if (write(out_fd, line, static_cast<size_t>(len)) != len) return 5;
    }
}

struct Ack {
    int32_t partition;
    int64_t base;
};

// Reads acknowledgements until `want` arrived or 60 s passed.
std::map<std::string, Ack> read_acks(test::Forked& child, size_t want) {
    std::map<std::string, Ack> acks;
    std::string buffer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (acks.size() < want && std::chrono::steady_clock::now() < deadline) {
        const auto chunk = child.read(std::chrono::seconds(1));
        if (!chunk) break;
        buffer += *chunk;
        for (size_t nl; (nl = buffer.find('\n')) != std::string::npos; buffer.erase(0, nl + 1)) {
            int p = 0;
            long long base = 0;
            char id[64];
            if (std::sscanf(buffer.c_str(), "%d %lld %63s", &p, &base, id) == 3) acks[id] = Ack{p, base};
        }
    }
    return acks;
}

}  // namespace

TEST_CASE("SIGKILL mid-stream loses no acknowledged append and leaves no torn record", "[events][log][crash]") {
    test::TempDir dir;
    int64_t previous_total = 0;
    for (int round = 0; round < 3; ++round) {
        test::Forked child([&](int report_fd) { return append_forever(dir.str(), round, report_fd); });
        const auto acks = read_acks(child, 200 + static_cast<size_t>(round) * 50);
        const int status = child.kill();
        REQUIRE(acks.size() >= 200);
        CHECK(status == -1);

        auto log = open_embedded_log({dir.str(), {{"t", kPartitions}}, true});
        REQUIRE(log);
        int64_t total = 0;
        std::map<int32_t, std::vector<StoredRecord>> all;
        for (int32_t p = 0; p < kPartitions; ++p) {
            auto records = (*log)->read({"t", p}, 0, 10'000'000);
            REQUIRE(records);  // every stored record verifies: nothing torn
            for (size_t i = 0; i < records->size(); ++i) REQUIRE((*records)[i].offset == static_cast<int64_t>(i));
            // Batches are all or nothing: a partition holds whole batches of 3.
            CHECK(records->size() % 3 == 0);
            total += static_cast<int64_t>(records->size());
            all[p] = std::move(*records);
        }
        CHECK(total >= previous_total + static_cast<int64_t>(acks.size()) * 3);
        for (const auto& [id, ack] : acks) {
            const auto& part = all[ack.partition];
            REQUIRE(ack.base + 2 < static_cast<int64_t>(part.size()));
            for (int i = 0; i < 3; ++i)
                REQUIRE(part[static_cast<size_t>(ack.base + i)].record.value == id + "#" + std::to_string(i) + std::string(150, 'x'));
            // The command id survived too: a retry is still recognised.
            auto retry = (*log)->append(AppendBatch{{"t", ack.partition}, "cmd-" + id, {Record{id, "again", 0, {}}}});
            REQUIRE(retry);
            REQUIRE(retry->duplicate);
            REQUIRE(retry->base_offset == ack.base);
        }
        previous_total = total;
    }
}

// `batches` appends acknowledged by a writer that then dies (a clean close would flush them
// out of the write-ahead log): every record is still only in the write-ahead log, whose path
// this returns.
std::filesystem::path unflushed_wal(const test::TempDir& dir, int batches) {
    test::Forked child([&](int) {
        auto log = open_embedded_log({dir.str(), {{"t", 1}}, true});
        if (!log) return 3;
        for (int n = 0; n < batches; ++n) {
            const std::string id = std::to_string(n);
            if (!(*log)->append(AppendBatch{{"t", 0}, "cmd-" + id, {Record{id, id + std::string(200, 'v'), n, {}}}})) return 4;
        }
        _exit(0);  // no destructor: the log is left as a crash leaves it
    });
    REQUIRE(child.wait() == 0);
    std::filesystem::path wal;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        if (entry.path().extension() == ".log" && entry.file_size() > 30'000) wal = entry.path();
    REQUIRE(!wal.empty());
    return wal;
}

TEST_CASE("a damaged write-ahead log refuses to open instead of dropping acknowledged records", "[events][log][crash]") {
    test::TempDir dir;
    constexpr int kBatches = 300;
    // Flip one byte in the middle of the write-ahead log, as a bad sector or a stray write would.
    const auto wal = unflushed_wal(dir, kBatches);
    {
        std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
        const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(wal) / 2);
        f.seekg(middle);
        const char c = static_cast<char>(f.get());
        f.seekp(middle);
        f.put(static_cast<char>(c ^ 0x5a));
    }
    auto damaged = open_embedded_log({dir.str(), {{"t", 1}}, true});
    REQUIRE_FALSE(damaged);
    CHECK(damaged.error().code == errc::corrupt_record);
    CHECK(damaged.error().message.find("--accept-wal-loss") != std::string::npos);

    // The operator's explicit choice opens what precedes the damage, and says how much that is.
    EmbeddedLogOptions accept{dir.str(), {{"t", 1}}, true};
    accept.wal_recovery = EmbeddedLogOptions::WalRecovery::point_in_time;
    auto salvaged = open_embedded_log(accept);
    REQUIRE(salvaged);
    const auto end = (*salvaged)->end_offset({"t", 0});
    REQUIRE(end);
    CHECK(*end > 0);
    CHECK(*end < kBatches);
}

TEST_CASE("a last write cut short by a crash is dropped, and the log opens with every acknowledged record", "[events][log][crash]") {
    // A process killed inside write(2) leaves part of its last record at the end of the
    // write-ahead log; that append was never acknowledged, so strict mode opens without it.
    test::TempDir dir;
    constexpr int kBatches = 300;
    const auto wal = unflushed_wal(dir, kBatches);
    std::filesystem::resize_file(wal, std::filesystem::file_size(wal) - 100);  // into the last record's body
    auto log = open_embedded_log({dir.str(), {{"t", 1}}, true});
    REQUIRE(log);
    const auto end = (*log)->end_offset({"t", 0});
    REQUIRE(end);
    CHECK(*end == kBatches - 1);
    auto records = (*log)->read({"t", 0}, 0, kBatches);
    REQUIRE(records);
    REQUIRE(records->size() == kBatches - 1);
    for (size_t i = 0; i < records->size(); ++i) CHECK((*records)[i].record.key == std::to_string(i));
    // The lost append is a retry away: decided again, not a duplicate.
    auto again = (*log)->append(AppendBatch{{"t", 0}, "cmd-" + std::to_string(kBatches - 1), {Record{"x", "again", 0, {}}}});
    REQUIRE(again);
    CHECK_FALSE(again->duplicate);
    CHECK(again->base_offset == kBatches - 1);
}
