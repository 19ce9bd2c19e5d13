// The views' rows on disk: a compact binary form (varints, length-prefixed strings), written
// and read field by field in a fixed order. Rows are local state, rebuilt from the log on a
// format change, so no evolution rules apply; a short or garbled row is reported, not trusted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "projections/views.h"

namespace liquida::projections::codec {

class Writer {
public:
    void u(uint64_t v) {
        while (v >= 0x80) {
            out_.push_back(static_cast<char>(v | 0x80));
            v >>= 7;
        }
        out_.push_back(static_cast<char>(v));
    }
    void i(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }  // zigzag
    void s(std::string_view v) {
        u(v.size());
        out_.append(v);
    }
    size_t size() const { return out_.size(); }
    std::string take() { return std::exchange(out_, {}); }

private:
    std::string out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    uint64_t u() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (in_.empty()) return bad();
            const auto b = static_cast<uint8_t>(in_.front());
            in_.remove_prefix(1);
            v |= static_cast<uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        return bad();
    }
    int64_t i() {
        const uint64_t v = u();
        return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
    }
    std::string s() {
        const uint64_t n = u();
        if (n > in_.size()) return bad(), std::string();
        std::string v(in_.substr(0, n));
        in_.remove_prefix(n);
        return v;
    }
    // Whole input read and every field well formed.
    bool done() const { return ok_ && in_.empty(); }
    bool ok() const { return ok_; }

private:
    uint64_t bad() {
        ok_ = false;
        in_ = {};
        return 0;
    }
    std::string_view in_;
    bool ok_ = true;
};

std::string encode(const PadronRow& r);
std::string encode(const PendingRow& r);
std::string encode(const SettlementRow& r);
std::string encode(const InvoiceViewRow& r);
std::string encode(const ValidationItemRow& r);
std::string encode(const OrderRow& r);
bool decode(std::string_view in, PadronRow& r);
bool decode(std::string_view in, PendingRow& r);
bool decode(std::string_view in, SettlementRow& r);
bool decode(std::string_view in, InvoiceViewRow& r);
bool decode(std::string_view in, ValidationItemRow& r);
bool decode(std::string_view in, OrderRow& r);

// Big-endian so RocksDB's bytewise order is numeric order.
void put_be(std::string& out, uint64_t v, int bytes);
uint64_t get_be(std::string_view in, int bytes);

}  // namespace liquida::projections::codec
