// decide(state, command, now, config) -> the events to record, or a DomainError.
// Pure: `now` is an argument, nothing is read or written. A rejection emits nothing.
#pragma once

#include "domain/commands.h"
#include "domain/config.h"
#include "domain/error.h"
#include "domain/sessions.h"
#include "domain/state.h"

namespace liquida::domain {

// What a rule spanning providers reads beyond the provider's own ledger: A4's sessions of the
// same affiliate at other providers. Without a register, only the provider's own count.
struct Colegio {
    const SessionRegister* sessions = nullptr;
    ProviderId self;
};

#define LIQUIDA_DECIDE(C) Decision decide(const ProviderLedger& s, const C& c, TimestampMs now, const Config& config)
LIQUIDA_DECIDE(RegisterProvider);
LIQUIDA_DECIDE(UpdateProvider);
LIQUIDA_DECIDE(AdhereToObraSocial);
LIQUIDA_DECIDE(UploadDocument);
LIQUIDA_DECIDE(VerifyDocument);
LIQUIDA_DECIDE(ExpireDocumentsDue);
LIQUIDA_DECIDE(EnrollInPadron);
LIQUIDA_DECIDE(LeavePadron);
LIQUIDA_DECIDE(LoadOrder);
LIQUIDA_DECIDE(ApproveOrder);
LIQUIDA_DECIDE(RejectOrder);
LIQUIDA_DECIDE(CheckEligibility);
LIQUIDA_DECIDE(IssueToken);
Decision decide(const ProviderLedger& s, const SubmitBudget& c, TimestampMs now, const Config& config, const Colegio& colegio = {});
LIQUIDA_DECIDE(ResolveBudgetAudit);
LIQUIDA_DECIDE(ConsumePractices);
LIQUIDA_DECIDE(CancelTransaction);
LIQUIDA_DECIDE(IssueInvoice);
LIQUIDA_DECIDE(SendInvoice);
LIQUIDA_DECIDE(ObserveInvoice);
LIQUIDA_DECIDE(AcceptInvoice);
LIQUIDA_DECIDE(IngresarInvoice);
LIQUIDA_DECIDE(RejectInvoice);
LIQUIDA_DECIDE(ApplyDebit);
LIQUIDA_DECIDE(ResolveDebitAnalysis);
LIQUIDA_DECIDE(IssueCreditNote);
LIQUIDA_DECIDE(IssuePaymentOrder);
LIQUIDA_DECIDE(ApplyRetentions);
LIQUIDA_DECIDE(PayProvider);
LIQUIDA_DECIDE(IssueActa);
LIQUIDA_DECIDE(PresentBilling);
LIQUIDA_DECIDE(DebitPresentation);
LIQUIDA_DECIDE(ApprovePresentation);
LIQUIDA_DECIDE(PayPresentation);
Decision decide(const ProviderLedger& s, const Command& c, TimestampMs now, const Config& config, const Colegio& colegio = {});
#undef LIQUIDA_DECIDE

// O3: the billing period of something loaded at `now` (Argentina time): days 1..N of a
// month load into that month, later days into the next.
Period billing_period(TimestampMs now, const Config& config) noexcept;

}  // namespace liquida::domain
