#include "events/envelope.h"

#include <random>

namespace liquida::events {
namespace {

std::mt19937_64& generator() {
    thread_local std::mt19937_64 engine = [] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }();
    return engine;
}

}  // namespace

EventId EventId::random() {
    EventId id;
    auto& engine = generator();
    for (size_t half = 0; half < 2; ++half) {
        uint64_t bits = engine();
        for (size_t i = 0; i < 8; ++i) {
            id.bytes[half * 8 + i] = static_cast<uint8_t>(bits & 0xFFU);
            bits >>= 8U;
        }
    }
    id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0FU) | 0x40U);  // version 4
    id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3FU) | 0x80U);  // variant 10xx (RFC 4122)
    return id;
}

std::string EventId::to_string() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[bytes[i] >> 4U]);
        out.push_back(kHex[bytes[i] & 0x0FU]);
    }
    return out;
}

}  // namespace liquida::events
