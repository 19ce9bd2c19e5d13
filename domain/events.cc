#include "domain/events.h"

#include <utility>

#include "domain/names.h"

namespace liquida::domain {
namespace {

// Index-aligned with the alternatives of Event: the API's name of each kind, and its label as a
// person reads it (the dashboard's feed), from each kind's Describe.
struct Kind {
    std::string_view name;
    std::string_view label;
};
template <size_t... I>
constexpr std::array<Kind, sizeof...(I)> kinds(std::index_sequence<I...>) {
    return {Kind{Describe<std::variant_alternative_t<I, Event>>::name, Describe<std::variant_alternative_t<I, Event>>::label}...};
}
constexpr auto kKinds = kinds(std::make_index_sequence<kEventKinds>{});

// Every value of an enum of the events has its name in domain/names.h, and no name is extra.
template <class E, size_t N>
constexpr bool named(E last, const std::string_view (&)[N]) {
    return static_cast<size_t>(last) + 1 == N;
}
static_assert(named(IvaCondition::no_alcanzado, kIvaConditionNames));
static_assert(named(DocumentType::anexo1, kDocumentTypeNames));
static_assert(named(DiagnosisType::definitivo, kDiagnosisTypeNames));
static_assert(named(CredentialType::numero_asociado, kCredentialTypeNames));
static_assert(named(ItemResult::en_auditoria, kItemResultNames));
static_assert(named(ComprobanteType::resumen_x, kComprobanteNames));
static_assert(named(BillingType::ajuste, kBillingTypeNames));
static_assert(named(RetentionKind::other, kRetentionKindNames));
static_assert(named(AttachmentKind::informe, kAttachmentKindNames));

}  // namespace

std::string_view event_name(size_t index) noexcept { return index < kEventKinds ? kKinds[index].name : std::string_view{"unknown"}; }
std::string_view event_name(const Event& e) noexcept { return event_name(e.index()); }
std::string_view event_label(size_t index) noexcept {
    return index < kEventKinds ? kKinds[index].label : std::string_view{"Evento desconocido"};
}

}  // namespace liquida::domain
