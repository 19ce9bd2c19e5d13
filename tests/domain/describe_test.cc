// The descriptors of domain/events.h: what the codec's compile-time checks and the JSON rely on.
#include <catch2/catch.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "domain/events.h"

namespace {

using namespace liquida::domain;

// The member count the codec compares with each descriptor: a struct with one member more than
// its list must count it, whatever the member's type.
struct EveryKind {
    std::string text;
    TransactionRef nested;
    std::vector<BudgetItem> list;
    Date day;
    ObraSocialId id;
    ItemResult result = ItemResult::autorizada;
    bool flag = false;
};
static_assert(kMemberCount<EveryKind> == 7);
static_assert(kMemberCount<OrderLoaded> == 14);
static_assert(kMemberCount<TransactionRef> == 3);

TEST_CASE("a descriptor names every member in order and reaches each one", "[describe]") {
    PracticeConsumed consumed;
    consumed.transaction = TransactionRef{88, "T", 128199624};
    consumed.items = {ConsumedItem{1, 1'605'184}};
    consumed.deferred = true;
    consumed.affiliate_signed = true;
    consumed.fee_version = "2026-11";

    std::vector<std::string> names;
    for_each_member(consumed, [&](const auto& described, const auto& member) {
        names.emplace_back(described.name);
        using M = std::remove_cvref_t<decltype(member)>;
        if constexpr (std::is_same_v<M, bool>) CHECK(member);
        if constexpr (std::is_same_v<M, TransactionRef>) CHECK(member.number == 128199624U);
    });
    CHECK(names == std::vector<std::string>{"transaction", "items", "deferred", "performed_at", "period", "fee_version", "number",
                                            "affiliate_signed", "clinical_summary", "attachments"});

    // Written through the same list.
    for_each_member(consumed, [](const auto& described, auto& member) {
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(member)>, std::string>) {
            if (described.name == "fee_version") member = "2026-12";
        }
    });
    CHECK(consumed.fee_version == "2026-12");
}

TEST_CASE("every event kind has its API name and label from its descriptor", "[describe]") {
    CHECK(event_name(Event{OrderLoaded{}}) == "order_loaded");
    CHECK(event_label(Event{InvoiceIngresada{}}.index()) == "Factura ingresada");
    CHECK(event_name(kEventKinds) == "unknown");
    for (size_t kind = 0; kind < kEventKinds; ++kind) {
        CHECK_FALSE(event_name(kind).empty());
        CHECK_FALSE(event_label(kind).empty());
    }
}

}  // namespace
