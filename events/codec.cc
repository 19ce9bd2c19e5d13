// Envelope <-> FlatBuffers. Each event struct's described members (domain/describe.h) are
// mirrored onto its generated table through the schema's static reflection (get_field<I>,
// Traits::Create); one generic encoder and one generic decoder walk them, and the compiler
// checks names, order and types of both sides.
#include "events/codec.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "envelope_generated.h"

namespace liquida::events {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

// --- Mirrors ---------------------------------------------------------------------------

// Table<D>: the generated table of event kind D (nested tables are found from the accessors).
template <class D>
struct Table;
#define LIQUIDA_TABLE(Type)      \
    template <>                  \
    struct Table<domain::Type> { \
        using type = fb::Type;   \
    };
LIQUIDA_EVENT_KINDS(LIQUIDA_TABLE)
#undef LIQUIDA_TABLE

// A table's described members (domain/describe.h) are its fields: same names in the same order,
// and every member of the struct is described.
template <class Fb, class D, size_t... I>
constexpr bool same_fields(std::index_sequence<I...>) {
    constexpr const auto& members = domain::Describe<D>::members;
    return sizeof...(I) == Fb::Traits::fields_number && sizeof...(I) == domain::kMemberCount<D> &&
           ((std::string_view(Fb::Traits::field_names[I]) == std::get<I>(members).name) && ...);
}
template <class D>
inline constexpr size_t kDescribed = std::tuple_size_v<std::remove_cvref_t<decltype(domain::Describe<D>::members)>>;
template <class Fb, class D>
constexpr bool mirrors() {
    return same_fields<Fb, D>(std::make_index_sequence<kDescribed<D>>{});
}

// EnumMirror<E>: the generated enum of E. Both must end on the same value: decode rejects
// anything past it.
template <class E>
struct EnumMirror;

#define LIQUIDA_MIRROR_ENUM(Domain, Generated, last_value)                                                                              \
    template <>                                                                                                                         \
    struct EnumMirror<Domain> {                                                                                                         \
        using Fb = Generated;                                                                                                           \
        static_assert(static_cast<uint8_t>(Domain::last_value) == static_cast<uint8_t>(Fb::MAX), #Domain " and " #Generated " differ"); \
    }

LIQUIDA_MIRROR_ENUM(domain::IvaCondition, fb::IvaCondition, no_alcanzado);
LIQUIDA_MIRROR_ENUM(domain::DocumentType, fb::DocumentType, anexo1);
LIQUIDA_MIRROR_ENUM(domain::DiagnosisType, fb::DiagnosisType, definitivo);
LIQUIDA_MIRROR_ENUM(domain::CredentialType, fb::CredentialType, numero_asociado);
LIQUIDA_MIRROR_ENUM(domain::ItemResult, fb::ItemResult, en_auditoria);
LIQUIDA_MIRROR_ENUM(domain::ComprobanteType, fb::ComprobanteType, resumen_x);
LIQUIDA_MIRROR_ENUM(domain::BillingType, fb::BillingType, ajuste);
LIQUIDA_MIRROR_ENUM(domain::RetentionKind, fb::RetentionKind, other);
LIQUIDA_MIRROR_ENUM(domain::AttachmentKind, fb::AttachmentKind, informe);
LIQUIDA_MIRROR_ENUM(domain::TipoFacturacion, fb::TipoFacturacion, solo_gastos);
LIQUIDA_MIRROR_ENUM(ActorRole, fb::ActorRole, obra_social);

#undef LIQUIDA_MIRROR_ENUM

template <class T>
struct is_named_type : std::false_type {};
template <class T, class Tag>
struct is_named_type<domain::named_type<T, Tag>> : std::true_type {};

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
// A list of numbers (ConsumptionCancelled.items): a vector of scalars on the wire, not of tables.
template <class T>
struct is_number_vector : std::false_type {};
template <class T>
    requires std::is_arithmetic_v<T>
struct is_number_vector<std::vector<T>> : std::true_type {};

// --- Encoding ------------------------------------------------------------------------------

// Wire<R>: what a table's Create takes for the field whose accessor returns R.
template <class R>
struct Wire {
    using type = R;
};
template <class T>
struct Wire<const T*> {
    using type = Offset<T>;
};

template <class Fb, class D>
Offset<Fb> encode_table(FlatBufferBuilder& fbb, const D& value);

// The wire form of a domain value, for the field whose accessor returns R. Empty strings and
// vectors are left out: absent reads back as empty.
template <class R, class M>
typename Wire<R>::type to_wire(FlatBufferBuilder& fbb, const M& value) {
    using P = typename Wire<R>::type;
    if constexpr (std::is_same_v<M, std::string>) {
        static_assert(std::is_same_v<R, const flatbuffers::String*>, "a text must be a string in the schema");
        return value.empty() ? P{} : fbb.CreateString(value);
    } else if constexpr (is_named_type<M>::value) {
        return to_wire<R>(fbb, value.value());
    } else if constexpr (std::is_same_v<M, domain::Date>) {
        static_assert(std::is_same_v<R, int32_t>);
        return value.days;
    } else if constexpr (std::is_same_v<M, domain::Period>) {
        static_assert(std::is_same_v<R, int32_t>);
        return value.yyyymm();
    } else if constexpr (std::is_enum_v<M>) {
        static_assert(std::is_same_v<R, typename EnumMirror<M>::Fb>);
        return static_cast<R>(static_cast<std::underlying_type_t<M>>(value));
    } else if constexpr (std::is_arithmetic_v<M>) {
        static_assert(std::is_same_v<R, M>, "a scalar must have the same type on both sides");
        return value;
    } else if constexpr (is_number_vector<M>::value) {
        static_assert(std::is_same_v<R, const flatbuffers::Vector<typename M::value_type>*>, "a list of numbers must be one in the schema");
        return value.empty() ? P{} : fbb.CreateVector(value);
    } else if constexpr (is_vector<M>::value) {
        using ItemFb = std::remove_cvref_t<std::remove_pointer_t<typename std::remove_pointer_t<R>::return_type>>;
        if (value.empty()) return P{};
        std::vector<Offset<ItemFb>> items;
        items.reserve(value.size());
        for (const auto& item : value) items.push_back(encode_table<ItemFb>(fbb, item));
        return fbb.CreateVector(items);
    } else {
        return encode_table<std::remove_cvref_t<std::remove_pointer_t<R>>>(fbb, value);
    }
}

template <class Fb, class D, size_t... I>
Offset<Fb> encode_fields(FlatBufferBuilder& fbb, const D& value, std::index_sequence<I...>) {
    constexpr const auto& members = domain::Describe<D>::members;
    // Strings, vectors and sub-tables before Create opens the table; braces create them in field
    // order, so equal values give equal bytes.
    const std::tuple wire{to_wire<typename Fb::Traits::template FieldType<I>>(fbb, value.*(std::get<I>(members).pointer))...};
    return Fb::Traits::Create(fbb, std::get<I>(wire)...);
}

template <class Fb, class D>
Offset<Fb> encode_table(FlatBufferBuilder& fbb, const D& value) {
    static_assert(mirrors<Fb, D>(), "the described members differ from the schema's fields (names, order or count)");
    return encode_fields<Fb>(fbb, value, std::make_index_sequence<kDescribed<D>>{});
}

// --- Decoding ------------------------------------------------------------------------------

template <class Fb, class D>
bool decode_table(const Fb& table, D& out);

// Dates of years 0000 to 9999, as YYYY-MM-DD reads and writes them; far beyond, the calendar
// arithmetic of domain/types.h overflows int32 (tests/fuzz/regressions/events).
constexpr domain::Date kMinDay = domain::date_from_civil(0, 1, 1);
constexpr domain::Date kMaxDay = domain::date_from_civil(9999, 12, 31);

// An instant within those years: the Argentina-time arithmetic on it (domain/types.h) cannot
// overflow int64.
constexpr bool in_calendar(domain::TimestampMs t) {
    return t >= domain::start_of_local_day(kMinDay) && t <= domain::start_of_local_day(kMaxDay) + 86'400'000;
}

// Reads a wire value into a domain member; false when the value is out of the domain's range.
template <class R, class M>
bool from_wire(R raw, M& out) {
    if constexpr (std::is_same_v<M, std::string>) {
        static_assert(std::is_same_v<R, const flatbuffers::String*>);
        out = raw == nullptr ? std::string{} : raw->str();
        return true;
    } else if constexpr (is_named_type<M>::value) {
        typename M::value_type inner{};
        if (!from_wire(raw, inner)) return false;
        out = M{std::move(inner)};
        return true;
    } else if constexpr (std::is_same_v<M, domain::Date>) {
        out = domain::Date{raw};
        return raw >= kMinDay.days && raw <= kMaxDay.days;
    } else if constexpr (std::is_same_v<M, domain::Period>) {
        out = domain::Period::from_yyyymm(raw);
        return out.month >= 1 && out.month <= 12;
    } else if constexpr (std::is_enum_v<M>) {
        static_assert(std::is_same_v<R, typename EnumMirror<M>::Fb>);
        using U = std::underlying_type_t<M>;
        if (static_cast<U>(raw) > static_cast<U>(R::MAX)) return false;
        out = static_cast<M>(static_cast<U>(raw));
        return true;
    } else if constexpr (std::is_arithmetic_v<M>) {
        static_assert(std::is_same_v<R, M>, "a scalar must have the same type on both sides");
        out = raw;
        return true;
    } else if constexpr (is_number_vector<M>::value) {
        static_assert(std::is_same_v<R, const flatbuffers::Vector<typename M::value_type>*>);
        if (raw == nullptr) out.clear();
        else out.assign(raw->begin(), raw->end());
        return true;
    } else if constexpr (is_vector<M>::value) {
        out.clear();
        if (raw == nullptr) return true;
        out.reserve(raw->size());
        for (const auto* item : *raw) {
            if (item == nullptr || !decode_table(*item, out.emplace_back())) return false;
        }
        return true;
    } else {
        out = M{};
        return raw == nullptr || decode_table(*raw, out);
    }
}

template <class Fb, class D, size_t... I>
bool decode_fields(const Fb& table, D& out, std::index_sequence<I...>) {
    constexpr const auto& members = domain::Describe<D>::members;
    return (from_wire(table.template get_field<I>(), out.*(std::get<I>(members).pointer)) && ...);
}

template <class Fb, class D>
bool decode_table(const Fb& table, D& out) {
    static_assert(mirrors<Fb, D>(), "the described members differ from the schema's fields (names, order or count)");
    return decode_fields(table, out, std::make_index_sequence<kDescribed<D>>{});
}

// --- Payload union -------------------------------------------------------------------------

template <size_t I>
using event_t = std::variant_alternative_t<I, domain::Event>;

template <class D>
inline constexpr fb::Payload slot_of = fb::PayloadTraits<typename Table<D>::type>::enum_value;

template <size_t... I>
constexpr bool slots_follow_variant(std::index_sequence<I...>) {
    return ((static_cast<size_t>(slot_of<event_t<I>>) == I + 1) && ...);
}
// Variant index i is union slot i + 1, and this build knows every slot of the schema.
static_assert(slots_follow_variant(std::make_index_sequence<domain::kEventKinds>{}));
static_assert(static_cast<size_t>(fb::Payload::MAX) == domain::kEventKinds);

template <size_t I>
bool decode_payload(const void* table, domain::Event& out) {
    using D = event_t<I>;
    return decode_table(*static_cast<const typename Table<D>::type*>(table), out.emplace<I>());
}

using PayloadDecoder = bool (*)(const void*, domain::Event&);
template <size_t... I>
constexpr std::array<PayloadDecoder, sizeof...(I)> payload_decoders(std::index_sequence<I...>) {
    return {&decode_payload<I>...};
}
// Indexed by union slot - 1.
constexpr auto kPayloadDecoders = payload_decoders(std::make_index_sequence<domain::kEventKinds>{});

// --- Buffers -------------------------------------------------------------------------------

// The smallest buffer: root offset and file identifier.
constexpr size_t kMinBytes = sizeof(flatbuffers::uoffset_t) + flatbuffers::kFileIdentifierLength;
// Reads must be aligned for the widest scalar of the schema (long, ulong).
constexpr size_t kAlignment = alignof(uint64_t);

result<ok_t> check_size(std::span<const uint8_t> bytes, const CodecLimits& limits) {
    if (bytes.size() > limits.max_bytes || bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
        return fail(errc::buffer_too_large,
                    "buffer of " + std::to_string(bytes.size()) + " bytes is over the limit of " + std::to_string(limits.max_bytes));
    }
    // Builders pad a finished buffer to a multiple of its alignment (at least 4 bytes), so a
    // size that is not one is a truncation, even one that only cut trailing padding.
    if (bytes.size() < kMinBytes || bytes.size() % sizeof(flatbuffers::uoffset_t) != 0) {
        return fail(errc::invalid_buffer, "buffer of " + std::to_string(bytes.size()) + " bytes is not a whole FlatBuffer");
    }
    return ok;
}

// Calls f with the bytes at an aligned address, copying them only when they are not.
template <class F>
auto with_aligned(std::span<const uint8_t> bytes, F&& f) {
    if (reinterpret_cast<uintptr_t>(bytes.data()) % kAlignment == 0) return f(bytes);
    std::vector<uint64_t> copy((bytes.size() + sizeof(uint64_t) - 1) / sizeof(uint64_t));
    std::memcpy(copy.data(), bytes.data(), bytes.size());
    return f(std::span(reinterpret_cast<const uint8_t*>(copy.data()), bytes.size()));
}

// Verifies a buffer that passed check_size and sits at an aligned address.
result<ok_t> verify_aligned(std::span<const uint8_t> bytes, const CodecLimits& limits) {
    if (!fb::EnvelopeBufferHasIdentifier(bytes.data())) {
        return fail(errc::invalid_buffer, "not a Liquida event buffer (identifier is not LQEV)");
    }
    flatbuffers::Verifier::Options options;
    options.max_depth = limits.max_depth;
    options.max_tables = limits.max_tables;
    flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
    if (!fb::VerifyEnvelopeBuffer(verifier)) {
        return fail(errc::invalid_buffer, "event buffer failed verification");
    }
    return ok;
}

result<Envelope> decode_aligned(std::span<const uint8_t> bytes, const CodecLimits& limits) {
    if (auto verified = verify_aligned(bytes, limits); !verified) {
        return failure{std::move(verified).error()};
    }
    const fb::Envelope& root = *fb::GetEnvelope(bytes.data());
    Envelope out;
    if (const fb::EventId* id = root.event_id()) {
        static_assert(sizeof(out.event_id.bytes) == sizeof(fb::EventId));
        std::memcpy(out.event_id.bytes.data(), id->bytes()->Data(), out.event_id.bytes.size());
    }
    const bool in_range = from_wire(root.occurred_at(), out.occurred_at) && from_wire(root.recorded_at(), out.recorded_at) &&
                          from_wire(root.actor_id(), out.actor_id) && from_wire(root.actor_role(), out.actor_role) &&
                          from_wire(root.command_id(), out.command_id) && from_wire(root.correlation_id(), out.correlation_id) &&
                          from_wire(root.schema_version(), out.schema_version) && from_wire(root.provider_id(), out.provider_id) &&
                          in_calendar(out.occurred_at) && in_calendar(out.recorded_at);
    if (!in_range) return fail(errc::invalid_buffer, "envelope field out of range");

    const auto slot = static_cast<size_t>(root.payload_type());
    if (slot == 0 || slot > kPayloadDecoders.size()) {
        return fail(errc::unknown_payload, "unknown payload type " + std::to_string(slot));
    }
    if (root.payload() == nullptr) {
        return fail(errc::invalid_buffer, std::string(domain::event_name(slot - 1)) + " has no payload");
    }
    if (!kPayloadDecoders[slot - 1](root.payload(), out.payload)) {
        return fail(errc::invalid_buffer, std::string(domain::event_name(slot - 1)) + " has a field out of range");
    }
    return out;
}

}  // namespace

std::string encode(const Envelope& envelope) {
    thread_local FlatBufferBuilder fbb(1024);
    fbb.Clear();
    const auto [payload_type, payload] = std::visit(
        [&](const auto& event) {
            using D = std::remove_cvref_t<decltype(event)>;
            return std::pair{slot_of<D>, encode_table<typename Table<D>::type>(fbb, event).Union()};
        },
        envelope.payload);
    const fb::EventId event_id(flatbuffers::span<const uint8_t, 16>(envelope.event_id.bytes));
    const auto actor_id = to_wire<const flatbuffers::String*>(fbb, envelope.actor_id);
    const auto command_id = to_wire<const flatbuffers::String*>(fbb, envelope.command_id);
    const auto correlation_id = to_wire<const flatbuffers::String*>(fbb, envelope.correlation_id);

    fb::EnvelopeBuilder builder(fbb);
    builder.add_event_id(&event_id);
    builder.add_occurred_at(envelope.occurred_at);
    builder.add_recorded_at(envelope.recorded_at);
    builder.add_actor_id(actor_id);
    builder.add_actor_role(to_wire<fb::ActorRole>(fbb, envelope.actor_role));
    builder.add_command_id(command_id);
    builder.add_correlation_id(correlation_id);
    builder.add_schema_version(envelope.schema_version);
    builder.add_provider_id(envelope.provider_id.value());
    builder.add_payload_type(payload_type);
    builder.add_payload(payload);
    fb::FinishEnvelopeBuffer(fbb, builder.Finish());

    std::string out(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
    // Keep the per-thread buffer small after an unusually large event.
    if (fbb.GetSize() > (size_t{1} << 20)) fbb.Reset();
    return out;
}

result<ok_t> verify(std::span<const uint8_t> bytes, const CodecLimits& limits) {
    if (auto sized = check_size(bytes, limits); !sized) return sized;
    return with_aligned(bytes, [&](std::span<const uint8_t> aligned) { return verify_aligned(aligned, limits); });
}

result<Envelope> decode(std::span<const uint8_t> bytes, const CodecLimits& limits) {
    if (auto sized = check_size(bytes, limits); !sized) return failure{std::move(sized).error()};
    return with_aligned(bytes, [&](std::span<const uint8_t> aligned) { return decode_aligned(aligned, limits); });
}

}  // namespace liquida::events
