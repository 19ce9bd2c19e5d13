#include "events/chain_watch.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace liquida::events {

ChainWatch::ChainWatch(EventLog& log, std::string state_path) : log_(log), state_path_(std::move(state_path)) {
    for (const auto& t : log_.topics())
        for (int32_t p = 0; p < t.partitions; ++p) {
            TopicPartition tp{t.name, p};
            partitions_.emplace(tp, Partition{ChainVerifier(tp), 0});
            verified_.emplace(tp, 0);
        }
}

// One line per partition: "topic partition next_offset head_hex"; the last line "end".
result<ok_t> ChainWatch::load() {
    std::ifstream in(state_path_);
    if (!in) {
        if (!std::filesystem::exists(state_path_)) return ok;  // nothing verified yet
        return fail(errc::io_error, "cannot read " + state_path_);
    }
    std::map<TopicPartition, ChainVerifier> loaded;
    std::string line;
    bool complete = false;
    while (std::getline(in, line)) {
        if (line == "end") {
            complete = true;
            break;
        }
        std::istringstream fields(line);
        TopicPartition tp;
        int64_t next = -1;
        std::string head;
        fields >> tp.topic >> tp.partition >> next >> head;
        const auto hash = from_hex(head);
        if (!fields || next < 0 || !hash || !partitions_.contains(tp))
            return fail(errc::corrupt_record, state_path_ + " is damaged at \"" + line + "\"; delete it to verify the chain from offset 0");
        loaded.insert_or_assign(tp, ChainVerifier(tp, next, *hash));
    }
    if (!complete) return fail(errc::corrupt_record, state_path_ + " is incomplete; delete it to verify the chain from offset 0");
    for (auto& [tp, verifier] : loaded) {
        partitions_.at(tp).verifier = verifier;
        std::lock_guard lk(mu_);
        verified_[tp] = verifier.next();
    }
    return ok;
}

result<ok_t> ChainWatch::save() const {
    const std::string tmp = state_path_ + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& [tp, p] : partitions_)
            out << tp.topic << ' ' << tp.partition << ' ' << p.verifier.next() << ' ' << to_hex(p.verifier.head()) << '\n';
        out << "end\n";
        out.flush();
        if (!out) return fail(errc::io_error, "cannot write " + tmp);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, state_path_, ec);
    if (ec) return fail(errc::io_error, "cannot replace " + state_path_ + ": " + ec.message());
    return ok;
}

void ChainWatch::observe(const std::vector<StoredRecord>& records) {
    // Never makes the other reader wait: while a step runs (catching up from the last verified
    // point, say), the step reads these records itself.
    std::unique_lock step(step_mu_, std::try_to_lock);
    if (!step) return;
    std::map<TopicPartition, const ChainVerifier*> fed;
    for (const auto& r : records) {
        auto it = partitions_.find(r.tp);
        if (it == partitions_.end()) continue;
        ChainVerifier& v = it->second.verifier;
        if (v.broken() || r.offset != v.next()) continue;
        v.feed(r);
        fed[r.tp] = &v;
        unsaved_ = true;
    }
    std::lock_guard lk(mu_);
    for (const auto& [tp, v] : fed) {
        if (v->broken()) {
            broken_.try_emplace(tp, *v->broken());
            verified_.erase(tp);
        } else {
            verified_[tp] = v->next();
        }
    }
}

result<size_t> ChainWatch::step(size_t max_records) {
    std::lock_guard step(step_mu_);
    size_t verified = 0;
    bool caught_up = true;
    std::vector<ChainBreak> found;
    std::map<TopicPartition, int64_t> next;
    for (auto& [tp, p] : partitions_) {
        auto end = log_.end_offset(tp);
        if (!end) return failure(std::move(end).error());
        p.end = *end;
        if (p.verifier.next() > p.end) {  // verified records are gone: lost, or an older log put back
            found.push_back({tp, p.end,
                             "the log ends at " + std::to_string(p.end) + ", below the verified point " +
                                 std::to_string(p.verifier.next()) +
                                 ": records were lost, or the log was restored from a backup (then delete " + state_path_ + ")"});
            continue;
        }
        if (!p.verifier.broken() && p.verifier.next() < p.end) {
            auto records = log_.read(tp, p.verifier.next(), max_records);
            if (!records) return failure(std::move(records).error());
            for (const auto& r : *records) {
                if (!p.verifier.feed(r)) break;
                ++verified;
            }
        }
        if (p.verifier.broken()) {
            found.push_back(*p.verifier.broken());
        } else {
            caught_up = caught_up && p.verifier.next() >= p.end;
            next.emplace(tp, p.verifier.next());
        }
    }
    {
        std::lock_guard lk(mu_);
        for (auto& b : found) broken_.try_emplace(b.tp, std::move(b));
        verified_ = std::move(next);
    }
    caught_up_ = caught_up;
    unsaved_ = unsaved_ || verified > 0;
    if (unsaved_ && std::chrono::steady_clock::now() - saved_ >= std::chrono::seconds(1)) {
        if (auto saved = save(); !saved) return failure(std::move(saved).error());
        saved_ = std::chrono::steady_clock::now();
        unsaved_ = false;
    }
    return verified;
}

result<ok_t> ChainWatch::flush() {
    std::lock_guard step(step_mu_);
    if (!unsaved_) return ok;
    if (auto saved = save(); !saved) return saved;
    unsaved_ = false;
    return ok;
}

void ChainWatch::wait(std::chrono::milliseconds timeout) {
    std::vector<Position> positions;
    {
        std::lock_guard step(step_mu_);
        for (const auto& [tp, p] : partitions_)
            if (!p.verifier.broken()) positions.push_back({tp, p.verifier.next()});
    }
    log_.wait_for_any(positions, timeout);
}

std::optional<ChainBreak> ChainWatch::broken(const TopicPartition& tp) const {
    std::lock_guard lk(mu_);
    auto it = broken_.find(tp);
    return it == broken_.end() ? std::nullopt : std::optional(it->second);
}

std::vector<ChainBreak> ChainWatch::breaks() const {
    std::lock_guard lk(mu_);
    std::vector<ChainBreak> out;
    for (const auto& [tp, b] : broken_) out.push_back(b);
    return out;
}

int64_t ChainWatch::behind() const {
    std::map<TopicPartition, int64_t> verified;
    {
        std::lock_guard lk(mu_);
        verified = verified_;
    }
    int64_t behind = 0;
    for (const auto& [tp, next] : verified)
        if (auto end = log_.end_offset(tp); end) behind += std::max<int64_t>(0, *end - next);
    return behind;
}

}  // namespace liquida::events
