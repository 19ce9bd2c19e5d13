// Envelope <-> FlatBuffers. Each event struct is mirrored onto its generated table by a
// list of (domain member, generated accessor, generated builder setter) triples; one generic
// encoder and one generic decoder walk those lists, so the types of both sides are checked
// by the compiler against the generated code.
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

// --- Mirrors -------------------------------------------------------------------------------

// One mirrored field of a table.
template <class D, class M, class Fb, class R, class B, class P>
struct Field {
    using wire_type = P;
    M D::*member;
    R (Fb::*get)() const;
    void (B::*add)(P);
};
template <class D, class M, class Fb, class R, class B, class P>
constexpr Field<D, M, Fb, R, B, P> field(M D::*member, R (Fb::*get)() const, void (B::*add)(P)) {
    return {member, get, add};
}

// Mirror<D>: the generated table of struct D (Fb, its builder B) and the mirrored fields.
template <class D>
struct Mirror;

// Field names are identical on both sides; the macro only spares writing each one thrice.
#define LIQUIDA_FIELD(name) field(&D::name, &Fb::name, &B::add_##name)
#define LIQUIDA_MIRROR(Type, ...)                                    \
    template <>                                                      \
    struct Mirror<domain::Type> {                                    \
        using D = domain::Type;                                      \
        using Fb = fb::Type;                                         \
        using B = fb::Type##Builder;                                 \
        static constexpr auto fields = std::make_tuple(__VA_ARGS__); \
    }

// Shared tables (common.fbs).
LIQUIDA_MIRROR(TransactionRef, LIQUIDA_FIELD(boca), LIQUIDA_FIELD(serie), LIQUIDA_FIELD(number));
LIQUIDA_MIRROR(Attachment, LIQUIDA_FIELD(kind), LIQUIDA_FIELD(reference));
LIQUIDA_MIRROR(OrderField, LIQUIDA_FIELD(name), LIQUIDA_FIELD(value));
LIQUIDA_MIRROR(BudgetItem, LIQUIDA_FIELD(item), LIQUIDA_FIELD(practice_code), LIQUIDA_FIELD(tooth), LIQUIDA_FIELD(faces),
               LIQUIDA_FIELD(quantity));
LIQUIDA_MIRROR(ItemDecision, LIQUIDA_FIELD(item), LIQUIDA_FIELD(result));
LIQUIDA_MIRROR(ConsumedItem, LIQUIDA_FIELD(item), LIQUIDA_FIELD(amount));
LIQUIDA_MIRROR(PaidInvoice, LIQUIDA_FIELD(invoice_id), LIQUIDA_FIELD(amount));

// Provider, documents and padrón.
LIQUIDA_MIRROR(ProviderRegistered, LIQUIDA_FIELD(matricula), LIQUIDA_FIELD(cuit), LIQUIDA_FIELD(razon_social), LIQUIDA_FIELD(iva),
               LIQUIDA_FIELD(cbu), LIQUIDA_FIELD(category), LIQUIDA_FIELD(recien_matriculado), LIQUIDA_FIELD(address), LIQUIDA_FIELD(email),
               LIQUIDA_FIELD(phone));
LIQUIDA_MIRROR(ProviderUpdated, LIQUIDA_FIELD(razon_social), LIQUIDA_FIELD(iva), LIQUIDA_FIELD(cbu), LIQUIDA_FIELD(category),
               LIQUIDA_FIELD(address), LIQUIDA_FIELD(email), LIQUIDA_FIELD(phone));
LIQUIDA_MIRROR(ProviderAdhered, LIQUIDA_FIELD(obra_social), LIQUIDA_FIELD(provider_number), LIQUIDA_FIELD(convenio));
LIQUIDA_MIRROR(DocumentUploaded, LIQUIDA_FIELD(type), LIQUIDA_FIELD(document_id), LIQUIDA_FIELD(reference), LIQUIDA_FIELD(expires_on));
LIQUIDA_MIRROR(DocumentVerified, LIQUIDA_FIELD(type), LIQUIDA_FIELD(document_id), LIQUIDA_FIELD(approved), LIQUIDA_FIELD(reason));
LIQUIDA_MIRROR(DocumentExpired, LIQUIDA_FIELD(type), LIQUIDA_FIELD(document_id), LIQUIDA_FIELD(expired_on));
LIQUIDA_MIRROR(PadronEnrolled, LIQUIDA_FIELD(enrolled_on), LIQUIDA_FIELD(outside_window));
LIQUIDA_MIRROR(PadronLeft, LIQUIDA_FIELD(left_on), LIQUIDA_FIELD(reason));

// Orders.
LIQUIDA_MIRROR(OrderLoaded, LIQUIDA_FIELD(order_id), LIQUIDA_FIELD(obra_social), LIQUIDA_FIELD(affiliate_number),
               LIQUIDA_FIELD(practice_code), LIQUIDA_FIELD(attention_date), LIQUIDA_FIELD(amount), LIQUIDA_FIELD(period),
               LIQUIDA_FIELD(patient_signature), LIQUIDA_FIELD(professional_signature), LIQUIDA_FIELD(professional_stamp),
               LIQUIDA_FIELD(fields), LIQUIDA_FIELD(affiliate_name), LIQUIDA_FIELD(plan), LIQUIDA_FIELD(fee_version));
LIQUIDA_MIRROR(OrderApproved, LIQUIDA_FIELD(order_id));
LIQUIDA_MIRROR(OrderRejected, LIQUIDA_FIELD(order_id), LIQUIDA_FIELD(reason_code), LIQUIDA_FIELD(reason));
LIQUIDA_MIRROR(OrderDeferred, LIQUIDA_FIELD(order_id), LIQUIDA_FIELD(from_period), LIQUIDA_FIELD(to_period));

// Eligibility and authorization.
LIQUIDA_MIRROR(EligibilityChecked, LIQUIDA_FIELD(obra_social), LIQUIDA_FIELD(affiliate_number), LIQUIDA_FIELD(practice_code),
               LIQUIDA_FIELD(habilitado), LIQUIDA_FIELD(requires_authorization));
LIQUIDA_MIRROR(TokenIssued, LIQUIDA_FIELD(obra_social), LIQUIDA_FIELD(affiliate_number), LIQUIDA_FIELD(family_group), LIQUIDA_FIELD(code),
               LIQUIDA_FIELD(valid_on));
LIQUIDA_MIRROR(BudgetSubmitted, LIQUIDA_FIELD(transaction), LIQUIDA_FIELD(obra_social), LIQUIDA_FIELD(affiliate_number),
               LIQUIDA_FIELD(credential), LIQUIDA_FIELD(family_group), LIQUIDA_FIELD(token), LIQUIDA_FIELD(token_exception),
               LIQUIDA_FIELD(diagnosis_code), LIQUIDA_FIELD(diagnosis_type), LIQUIDA_FIELD(items), LIQUIDA_FIELD(clinical_summary),
               LIQUIDA_FIELD(attachments), LIQUIDA_FIELD(channel), LIQUIDA_FIELD(credential_type), LIQUIDA_FIELD(affiliate_name),
               LIQUIDA_FIELD(titular), LIQUIDA_FIELD(plan), LIQUIDA_FIELD(plan_flagged), LIQUIDA_FIELD(prescriptor_matricula),
               LIQUIDA_FIELD(prescriptor_name));
LIQUIDA_MIRROR(BudgetAuthorized, LIQUIDA_FIELD(transaction), LIQUIDA_FIELD(items));
LIQUIDA_MIRROR(BudgetSentToAudit, LIQUIDA_FIELD(transaction), LIQUIDA_FIELD(reason));
LIQUIDA_MIRROR(PracticeConsumed, LIQUIDA_FIELD(transaction), LIQUIDA_FIELD(items), LIQUIDA_FIELD(deferred), LIQUIDA_FIELD(performed_at),
               LIQUIDA_FIELD(period), LIQUIDA_FIELD(fee_version));
LIQUIDA_MIRROR(TransactionCancelled, LIQUIDA_FIELD(transaction), LIQUIDA_FIELD(reason), LIQUIDA_FIELD(item));

// Invoices.
LIQUIDA_MIRROR(InvoiceIssued, LIQUIDA_FIELD(invoice_id), LIQUIDA_FIELD(obra_social), LIQUIDA_FIELD(comprobante), LIQUIDA_FIELD(billing),
               LIQUIDA_FIELD(punto_de_venta), LIQUIDA_FIELD(number), LIQUIDA_FIELD(cae), LIQUIDA_FIELD(period), LIQUIDA_FIELD(amount),
               LIQUIDA_FIELD(issued_on), LIQUIDA_FIELD(authorization), LIQUIDA_FIELD(adjusts_invoice), LIQUIDA_FIELD(attachments));
LIQUIDA_MIRROR(InvoiceSent, LIQUIDA_FIELD(invoice_id));
LIQUIDA_MIRROR(InvoiceObserved, LIQUIDA_FIELD(invoice_id), LIQUIDA_FIELD(reason));
LIQUIDA_MIRROR(InvoiceAccepted, LIQUIDA_FIELD(invoice_id));
LIQUIDA_MIRROR(InvoiceRejected, LIQUIDA_FIELD(invoice_id), LIQUIDA_FIELD(reason));
LIQUIDA_MIRROR(InvoiceIngresada, LIQUIDA_FIELD(invoice_id));

// Debits, retentions and payment.
LIQUIDA_MIRROR(DebitApplied, LIQUIDA_FIELD(invoice_id), LIQUIDA_FIELD(debit_id), LIQUIDA_FIELD(amount), LIQUIDA_FIELD(reason_code),
               LIQUIDA_FIELD(reason), LIQUIDA_FIELD(debit_sheet));
LIQUIDA_MIRROR(DebitAnalysisResolved, LIQUIDA_FIELD(invoice_id), LIQUIDA_FIELD(debit_id), LIQUIDA_FIELD(reinvoice_approved));
LIQUIDA_MIRROR(CreditNoteIssued, LIQUIDA_FIELD(invoice_id), LIQUIDA_FIELD(credit_note_id), LIQUIDA_FIELD(punto_de_venta),
               LIQUIDA_FIELD(number), LIQUIDA_FIELD(cae), LIQUIDA_FIELD(amount));
LIQUIDA_MIRROR(PaymentOrderIssued, LIQUIDA_FIELD(obra_social), LIQUIDA_FIELD(payment_order), LIQUIDA_FIELD(paid_on), LIQUIDA_FIELD(amount),
               LIQUIDA_FIELD(invoices), LIQUIDA_FIELD(retention_certificate), LIQUIDA_FIELD(payment_order_type));
LIQUIDA_MIRROR(RetentionApplied, LIQUIDA_FIELD(period), LIQUIDA_FIELD(obra_social), LIQUIDA_FIELD(kind), LIQUIDA_FIELD(base),
               LIQUIDA_FIELD(amount));
LIQUIDA_MIRROR(ProviderPaid, LIQUIDA_FIELD(period), LIQUIDA_FIELD(obra_social), LIQUIDA_FIELD(amount), LIQUIDA_FIELD(cbu),
               LIQUIDA_FIELD(transfer_id));

#undef LIQUIDA_MIRROR
#undef LIQUIDA_FIELD

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

// --- Encoding ------------------------------------------------------------------------------

template <class D>
Offset<typename Mirror<D>::Fb> encode_table(FlatBufferBuilder& fbb, const D& value);

// The wire form P (the builder setter's parameter) of a domain value. Empty strings and
// vectors are left out: absent reads back as empty.
template <class P, class M>
P to_wire(FlatBufferBuilder& fbb, const M& value) {
    if constexpr (std::is_same_v<M, std::string>) {
        return value.empty() ? P{} : fbb.CreateString(value);
    } else if constexpr (is_named_type<M>::value) {
        return to_wire<P>(fbb, value.value());
    } else if constexpr (std::is_same_v<M, domain::Date>) {
        static_assert(std::is_same_v<P, int32_t>);
        return value.days;
    } else if constexpr (std::is_same_v<M, domain::Period>) {
        static_assert(std::is_same_v<P, int32_t>);
        return value.yyyymm();
    } else if constexpr (std::is_enum_v<M>) {
        static_assert(std::is_same_v<P, typename EnumMirror<M>::Fb>);
        return static_cast<P>(static_cast<std::underlying_type_t<M>>(value));
    } else if constexpr (std::is_arithmetic_v<M>) {
        static_assert(std::is_same_v<P, M>, "a scalar must have the same type on both sides");
        return value;
    } else if constexpr (is_vector<M>::value) {
        if (value.empty()) return P{};
        std::vector<Offset<typename Mirror<typename M::value_type>::Fb>> items;
        items.reserve(value.size());
        for (const auto& item : value) items.push_back(encode_table(fbb, item));
        return fbb.CreateVector(items);
    } else {
        return encode_table(fbb, value);
    }
}

template <class D, size_t... I>
Offset<typename Mirror<D>::Fb> encode_fields(FlatBufferBuilder& fbb, const D& value, std::index_sequence<I...>) {
    constexpr const auto& fields = Mirror<D>::fields;
    using Fields = std::remove_cvref_t<decltype(fields)>;
    // Strings, vectors and sub-tables first: nothing may be created while a table is open.
    const auto wire =
        std::make_tuple(to_wire<typename std::tuple_element_t<I, Fields>::wire_type>(fbb, value.*(std::get<I>(fields).member))...);
    typename Mirror<D>::B builder(fbb);
    ((builder.*(std::get<I>(fields).add))(std::get<I>(wire)), ...);
    return builder.Finish();
}

template <class D>
Offset<typename Mirror<D>::Fb> encode_table(FlatBufferBuilder& fbb, const D& value) {
    constexpr size_t count = std::tuple_size_v<std::remove_cvref_t<decltype(Mirror<D>::fields)>>;
    return encode_fields(fbb, value, std::make_index_sequence<count>{});
}

// --- Decoding ------------------------------------------------------------------------------

template <class D>
bool decode_table(const typename Mirror<D>::Fb& table, D& out);

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

template <class D>
bool decode_table(const typename Mirror<D>::Fb& table, D& out) {
    return std::apply([&](const auto&... f) { return (from_wire((table.*(f.get))(), out.*(f.member)) && ...); }, Mirror<D>::fields);
}

// --- Payload union -------------------------------------------------------------------------

template <size_t I>
using event_t = std::variant_alternative_t<I, domain::Event>;

template <class D>
inline constexpr fb::Payload slot_of = fb::PayloadTraits<typename Mirror<D>::Fb>::enum_value;

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
    return decode_table(*static_cast<const typename Mirror<D>::Fb*>(table), out.emplace<I>());
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
            return std::pair{slot_of<D>, encode_table(fbb, event).Union()};
        },
        envelope.payload);
    const fb::EventId event_id(flatbuffers::span<const uint8_t, 16>(envelope.event_id.bytes));
    const auto actor_id = to_wire<Offset<flatbuffers::String>>(fbb, envelope.actor_id);
    const auto command_id = to_wire<Offset<flatbuffers::String>>(fbb, envelope.command_id);
    const auto correlation_id = to_wire<Offset<flatbuffers::String>>(fbb, envelope.correlation_id);

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
