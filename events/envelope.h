// An event as recorded: who, when, why (command), and the domain fact itself.
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "domain/events.h"
#include "domain/types.h"

namespace liquida::events {

// Version of the envelope.fbs schema this build writes. 2: BudgetSubmitted.channel;
// 3: PaymentOrderIssued.payment_order_type, IvaCondition::no_alcanzado; 4: TransactionCancelled.item;
// 5: ComprobanteType::resumen_x; 6: the affiliate's data, quantity, prescriptor and convenio;
// 7: the aranceles' version of OrderLoaded and PracticeConsumed; 8: a consumption's own number,
// signature, tipo de facturación, summary and attachments, and ConsumptionCancelled.
inline constexpr uint16_t kSchemaVersion = 8;

struct EventId {
    std::array<uint8_t, 16> bytes{};
    friend auto operator<=>(const EventId&, const EventId&) = default;
    // Random (UUIDv4 layout); unique without coordination.
    static EventId random();
    std::string to_string() const;  // 8-4-4-4-12 lower-case hex
};

enum class ActorRole : uint8_t { system = 0, colegio = 1, prestador = 2, obra_social = 3 };
// Each role's name in JSON and the docs, by value.
inline constexpr std::string_view kActorRoleNames[] = {"system", "colegio", "prestador", "obra_social"};
static_assert(std::size(kActorRoleNames) == static_cast<size_t>(ActorRole::obra_social) + 1);

struct Envelope {
    EventId event_id;
    domain::TimestampMs occurred_at = 0;  // when it happened in the world
    domain::TimestampMs recorded_at = 0;  // when Liquida recorded it
    std::string actor_id;
    ActorRole actor_role = ActorRole::system;
    std::string command_id;  // idempotency: one command, one append
    std::string correlation_id;
    uint16_t schema_version = kSchemaVersion;
    domain::ProviderId provider_id;  // partition key
    domain::Event payload;
    friend bool operator==(const Envelope&, const Envelope&) = default;
};

}  // namespace liquida::events
