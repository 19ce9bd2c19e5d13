// Envelope <-> FlatBuffers bytes (events/schema/envelope.fbs). Every buffer from outside
// the process passes a flatbuffers::Verifier first; a bad one is an error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "events/envelope.h"
#include "events/errc.h"

namespace liquida::events {

struct CodecLimits {
    // Largest accepted buffer. Default 1 MiB; an event is a few hundred bytes.
    size_t max_bytes = 1 << 20;
    // Deepest table nesting accepted. Default 64; the schema needs 4.
    unsigned max_depth = 64;
    // Most tables accepted in one buffer. Default 100000.
    unsigned max_tables = 100'000;
};

// Serializes an envelope. Uses a thread-local builder.
std::string encode(const Envelope& envelope);

// Verifies, then decodes. errc::invalid_buffer, buffer_too_large or unknown_payload.
result<Envelope> decode(std::span<const uint8_t> bytes, const CodecLimits& limits = {});
inline result<Envelope> decode(std::string_view bytes, const CodecLimits& limits = {}) {
    return decode(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), limits);
}

// Verifies only (identifier "LQEV", bounds, depth, table count).
result<ok_t> verify(std::span<const uint8_t> bytes, const CodecLimits& limits = {});

}  // namespace liquida::events
