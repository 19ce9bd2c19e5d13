#include "events/codec.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <system_error>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "domain/events.h"
#include "envelope_generated.h"
#include "events/envelope.h"
#include "events/errc.h"
#include "tests/support/sample_events.h"

namespace {

using liquida::domain::event_name;
using liquida::domain::kEventKinds;
using liquida::events::CodecLimits;
using liquida::events::decode;
using liquida::events::encode;
using liquida::events::errc;
using liquida::events::verify;
namespace fb = liquida::fb;

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::span<const uint8_t> span_of(const std::vector<uint8_t>& v) { return {v.data(), v.size()}; }

// The error code of a failed decode; fails the test if it decoded.
std::error_code decode_error(std::span<const uint8_t> bytes, const CodecLimits& limits = {}) {
    auto decoded = decode(bytes, limits);
    REQUIRE_FALSE(decoded.has_value());
    return decoded.error().code;
}

// A finished envelope buffer written with the raw generated builder, for cases the codec
// itself never writes: `make_table` writes the payload table announced as `type`.
template <class MakeTable>
std::vector<uint8_t> raw_envelope(fb::Payload type, MakeTable make_table, fb::ActorRole role = fb::ActorRole::System) {
    flatbuffers::FlatBufferBuilder fbb;
    const flatbuffers::Offset<void> table = make_table(fbb);
    fb::EnvelopeBuilder builder(fbb);
    builder.add_actor_role(role);
    builder.add_payload_type(type);
    builder.add_payload(table);
    fb::FinishEnvelopeBuffer(fbb, builder.Finish());
    return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

flatbuffers::Offset<void> order_approved(flatbuffers::FlatBufferBuilder& fbb) {
    return fb::CreateOrderApprovedDirect(fbb, "ord-1").Union();
}

}  // namespace

TEST_CASE("every event kind has a sample, in variant order", "[codec]") {
    const auto samples = liquida::test::sample_envelopes();
    REQUIRE(samples.size() == kEventKinds);
    for (size_t i = 0; i < samples.size(); ++i) {
        INFO(event_name(i));
        CHECK(samples[i].payload.index() == i);
    }
}

TEST_CASE("every sample round-trips through encode and decode", "[codec]") {
    for (const auto& sample : liquida::test::sample_envelopes()) {
        INFO(event_name(sample.payload));
        const std::string buffer = encode(sample);
        CHECK(verify(span_of(bytes_of(buffer))).has_value());
        const auto decoded = decode(buffer);
        REQUIRE(decoded.has_value());
        CHECK(*decoded == sample);
        CHECK(encode(*decoded) == buffer);  // deterministic
    }
}

TEST_CASE("default-valued envelopes round-trip", "[codec]") {
    // Empty strings, zero scalars and empty vectors are left out of the buffer.
    const liquida::events::Envelope empty;
    const auto decoded = decode(encode(empty));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == empty);
}

TEST_CASE("decode accepts a buffer at an unaligned address", "[codec]") {
    const auto sample = liquida::test::sample_envelopes().at(19);  // invoice_issued
    const std::string buffer = encode(sample);
    std::vector<uint8_t> shifted(buffer.size() + 1);
    std::copy(buffer.begin(), buffer.end(), shifted.begin() + 1);
    const auto decoded = decode(std::span<const uint8_t>(shifted).subspan(1));
    REQUIRE(decoded.has_value());
    CHECK(*decoded == sample);
}

TEST_CASE("every truncated buffer is rejected", "[codec][robustness]") {
    for (const auto& sample : liquida::test::sample_envelopes()) {
        INFO(event_name(sample.payload));
        const auto buffer = bytes_of(encode(sample));
        for (size_t length = 0; length < buffer.size(); ++length) {
            INFO("prefix of " << length << " bytes out of " << buffer.size());
            const std::vector<uint8_t> prefix(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(length));
            CHECK_FALSE(decode(span_of(prefix)).has_value());
            CHECK_FALSE(verify(span_of(prefix)).has_value());
        }
    }
}

TEST_CASE("every single bit flip decodes to an error or to a value, never a crash", "[codec][robustness]") {
    size_t rejected = 0;
    size_t decoded = 0;
    for (const auto& sample : liquida::test::sample_envelopes()) {
        INFO(event_name(sample.payload));
        auto buffer = bytes_of(encode(sample));
        for (size_t i = 0; i < buffer.size(); ++i) {
            for (unsigned bit = 0; bit < 8; ++bit) {
                buffer[i] = static_cast<uint8_t>(buffer[i] ^ (1U << bit));
                REQUIRE_NOTHROW(decode(span_of(buffer)).has_value() ? ++decoded : ++rejected);
                buffer[i] = static_cast<uint8_t>(buffer[i] ^ (1U << bit));
            }
        }
    }
    CHECK(rejected > 0);
    CHECK(decoded > 0);  // flips inside string bytes and scalars still verify
}

TEST_CASE("seeded random buffers are rejected", "[codec][robustness]") {
    std::mt19937 random(20210203);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<size_t> size(0, 600);
    for (int n = 0; n < 4000; ++n) {
        std::vector<uint8_t> buffer(size(random));
        for (auto& b : buffer) b = static_cast<uint8_t>(byte(random));
        // Half carry the right identifier so that they reach the verifier.
        if (n % 2 == 0 && buffer.size() >= 8) std::copy_n("LQEV", 4, buffer.begin() + 4);
        INFO("buffer " << n << " of " << buffer.size() << " bytes");
        CHECK_FALSE(decode(span_of(buffer)).has_value());
    }
}

TEST_CASE("a buffer over the size limit is buffer_too_large", "[codec]") {
    const auto buffer = bytes_of(encode(liquida::test::sample_envelopes().front()));
    CodecLimits limits;
    limits.max_bytes = buffer.size() - 1;
    CHECK(decode_error(span_of(buffer), limits) == errc::buffer_too_large);
    CHECK(verify(span_of(buffer), limits).error().code == errc::buffer_too_large);

    const std::vector<uint8_t> huge(CodecLimits{}.max_bytes + 8, 0);
    CHECK(decode_error(span_of(huge)) == errc::buffer_too_large);
}

TEST_CASE("a buffer with another file identifier is invalid_buffer", "[codec]") {
    auto buffer = bytes_of(encode(liquida::test::sample_envelopes().front()));
    std::copy_n("LQEX", 4, buffer.begin() + 4);
    CHECK(decode_error(span_of(buffer)) == errc::invalid_buffer);
    CHECK(verify(span_of(buffer)).error().code == errc::invalid_buffer);
}

TEST_CASE("the table limits of CodecLimits are enforced", "[codec]") {
    const auto buffer = bytes_of(encode(liquida::test::sample_envelopes().at(14)));  // budget_submitted
    CodecLimits shallow;
    shallow.max_depth = 2;
    CHECK(decode_error(span_of(buffer), shallow) == errc::invalid_buffer);
    CodecLimits few_tables;
    few_tables.max_tables = 3;
    CHECK(decode_error(span_of(buffer), few_tables) == errc::invalid_buffer);
}

TEST_CASE("a union slot this build does not know is unknown_payload", "[codec]") {
    CHECK(decode_error(span_of(raw_envelope(static_cast<fb::Payload>(200), order_approved))) == errc::unknown_payload);
    // The first slot past the last member: what a newer writer would add next.
    const auto next_slot = static_cast<fb::Payload>(kEventKinds + 1);
    CHECK(decode_error(span_of(raw_envelope(next_slot, order_approved))) == errc::unknown_payload);
    CHECK(verify(span_of(raw_envelope(next_slot, order_approved))).has_value());
    CHECK(decode_error(span_of(raw_envelope(fb::Payload::NONE, order_approved))) == errc::unknown_payload);
    // The same table under its own slot decodes.
    CHECK(decode(span_of(raw_envelope(fb::Payload::OrderApproved, order_approved))).has_value());
}

TEST_CASE("a payload type without its table is invalid_buffer", "[codec]") {
    const auto buffer =
        raw_envelope(fb::Payload::OrderApproved, [](flatbuffers::FlatBufferBuilder&) { return flatbuffers::Offset<void>(); });
    CHECK(decode_error(span_of(buffer)) == errc::invalid_buffer);
}

TEST_CASE("out-of-range enum values are invalid_buffer", "[codec]") {
    SECTION("in the envelope") {
        const auto buffer = raw_envelope(fb::Payload::OrderApproved, order_approved, static_cast<fb::ActorRole>(4));
        CHECK(decode_error(span_of(buffer)) == errc::invalid_buffer);
    }
    SECTION("in an event table") {
        const auto buffer = raw_envelope(fb::Payload::ProviderRegistered, [](flatbuffers::FlatBufferBuilder& fbb) {
            const auto iva = static_cast<fb::IvaCondition>(200);
            return fb::CreateProviderRegisteredDirect(fbb, "3-333", "27352153589", "Pruebas", iva).Union();
        });
        CHECK(decode_error(span_of(buffer)) == errc::invalid_buffer);
    }
    SECTION("past the last value, and the last value itself decodes") {
        const auto registered = [](fb::IvaCondition iva) {
            return raw_envelope(fb::Payload::ProviderRegistered, [iva](flatbuffers::FlatBufferBuilder& fbb) {
                return fb::CreateProviderRegisteredDirect(fbb, "3-333", "27352153589", "Pruebas", iva).Union();
            });
        };
        CHECK(decode_error(span_of(registered(static_cast<fb::IvaCondition>(5)))) == errc::invalid_buffer);
        const auto last = registered(fb::IvaCondition::NoAlcanzado);
        const auto decoded = liquida::events::decode(span_of(last));
        REQUIRE(decoded.has_value());
        CHECK(std::get<liquida::domain::ProviderRegistered>(decoded->payload).iva == liquida::domain::IvaCondition::no_alcanzado);
    }
    SECTION("in a nested table") {
        const auto buffer = raw_envelope(fb::Payload::BudgetAuthorized, [](flatbuffers::FlatBufferBuilder& fbb) {
            const std::vector items{fb::CreateItemDecision(fbb, 1, fb::ItemResult::Autorizada),
                                    fb::CreateItemDecision(fbb, 2, static_cast<fb::ItemResult>(3))};
            return fb::CreateBudgetAuthorizedDirect(fbb, 0, &items).Union();
        });
        CHECK(decode_error(span_of(buffer)) == errc::invalid_buffer);
    }
}

TEST_CASE("a period whose month is not 1..12 is invalid_buffer", "[codec]") {
    for (const int32_t period : {202100, 202113, -202102, 0}) {
        INFO("period " << period);
        const auto buffer = raw_envelope(fb::Payload::OrderDeferred, [period](flatbuffers::FlatBufferBuilder& fbb) {
            return fb::CreateOrderDeferredDirect(fbb, "ord-1", 202102, period).Union();
        });
        CHECK(decode_error(span_of(buffer)) == errc::invalid_buffer);
    }
}

TEST_CASE("errc has stable code names and an error category", "[codec]") {
    using liquida::events::code_name;
    CHECK(code_name(errc::invalid_buffer) == "codec.invalid_buffer");
    CHECK(code_name(errc::buffer_too_large) == "codec.buffer_too_large");
    CHECK(code_name(errc::unknown_payload) == "codec.unknown_payload");
    CHECK(code_name(errc::invalid_argument) == "log.invalid_argument");
    CHECK(code_name(errc::io_error) == "log.io_error");
    CHECK(code_name(errc::corrupt_record) == "log.corrupt_record");
    CHECK(code_name(errc::config_mismatch) == "log.config_mismatch");
    CHECK(code_name(errc::closed) == "log.closed");
    CHECK(code_name(errc::offset_out_of_range) == "log.offset_out_of_range");
    const std::error_code ec = errc::unknown_payload;
    CHECK(std::string(ec.category().name()) == "liquida.events");
    CHECK(ec.message() == "codec.unknown_payload");
    CHECK(ec == make_error_code(errc::unknown_payload));
}

TEST_CASE("EventId::random is a UUIDv4 and to_string its canonical text", "[codec]") {
    std::set<liquida::events::EventId> seen;
    for (int i = 0; i < 1000; ++i) {
        const auto id = liquida::events::EventId::random();
        CHECK(id.bytes[6] >> 4U == 4U);
        CHECK(id.bytes[8] >> 6U == 2U);
        seen.insert(id);
    }
    CHECK(seen.size() == 1000);

    liquida::events::EventId id;
    id.bytes = {0x3f, 0x2b, 0x8c, 0x1e, 0x7a, 0x4d, 0x4e, 0x91, 0xb6, 0xc2, 0x5d, 0x8f, 0x0a, 0x1e, 0x9c, 0x07};
    CHECK(id.to_string() == "3f2b8c1e-7a4d-4e91-b6c2-5d8f0a1e9c07");
}

TEST_CASE("decode refuses envelope instants outside the calendar", "[events][codec]") {
    for (const int64_t t : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), int64_t{-62'200'000'000'000}}) {
        auto e = liquida::test::sample_envelopes().front();
        REQUIRE(decode(encode(e)).has_value());
        e.occurred_at = t;
        CHECK(decode(encode(e)).error().code == errc::invalid_buffer);
        e = liquida::test::sample_envelopes().front();
        e.recorded_at = t;
        CHECK(decode(encode(e)).error().code == errc::invalid_buffer);
    }
}
