// Provider, documents and padrón (P1-P6).
#include <algorithm>

#include "domain/decide.h"
#include "domain/identity.h"
#include "domain/rules.h"

namespace liquida::domain {
namespace {

Check require_registered(const ProviderLedger& s) {
    if (s.provider.registered) return std::nullopt;
    return error("provider.not_registered", "El prestador no está registrado.", "provider");
}

// P6: data shared by registration and update.
Check check_contact(std::string_view razon_social, std::string_view cbu, std::string_view category, const Config& config) {
    if (auto e = require_text(razon_social, "provider.razon_social_required", "Falta la razón social.", "razon_social")) return e;
    if (!valid_cbu(cbu)) return error("provider.invalid_cbu", "CBU inválido: 22 dígitos con dígitos verificadores correctos.", "cbu");
    if (!config.has_category(category)) return error("provider.unknown_category", "Categoría de prestador desconocida.", "category");
    return std::nullopt;
}

}  // namespace

Decision decide(const ProviderLedger& s, const RegisterProvider& c, TimestampMs, const Config& config) {
    if (s.provider.registered) return reject("provider.already_registered", "El prestador ya está registrado.", "provider");
    if (auto e = require_text(c.matricula, "provider.matricula_required", "Falta la matrícula.", "matricula")) return rejected(*e);
    const auto cuit = normalize_cuit(c.cuit);
    if (!cuit) return reject("provider.invalid_cuit", "CUIT inválido: dígito verificador incorrecto.", "cuit");
    if (auto e = check_contact(c.razon_social, c.cbu, c.category, config)) return rejected(*e);
    return emit(ProviderRegistered{c.matricula, *cuit, c.razon_social, c.iva, c.cbu, c.category, c.recien_matriculado, c.address, c.email,
                                   c.phone});
}

Decision decide(const ProviderLedger& s, const UpdateProvider& c, TimestampMs, const Config& config) {
    if (auto e = require_registered(s)) return rejected(*e);
    if (auto e = check_contact(c.razon_social, c.cbu, c.category, config)) return rejected(*e);
    // P1/S3: payments follow a new CBU only once a constancia of it was approved, after the
    // current CBU took effect.
    if (c.cbu != s.provider.identity.cbu && !has_new_cbu_document(s.provider))
        return reject("provider.cbu_document_required",
                      "Un cambio de CBU requiere una constancia de CBU nueva, aprobada después del CBU actual.", "cbu");
    return emit(ProviderUpdated{c.razon_social, c.iva, c.cbu, c.category, c.address, c.email, c.phone});
}

Decision decide(const ProviderLedger& s, const AdhereToObraSocial& c, TimestampMs, const Config& config) {
    if (auto e = require_registered(s)) return rejected(*e);
    if (config.obra_social(c.obra_social) == nullptr)
        return reject("provider.unknown_obra_social", "Obra social desconocida.", "obra_social");
    if (auto e = require_text(c.provider_number, "provider.provider_number_required", "Falta el número de prestador de la obra social.",
                              "provider_number"))
        return rejected(*e);
    if (auto e = check_label(c.convenio, kMaxNameBytes, "provider.invalid_convenio", "convenio", "el convenio")) return rejected(*e);
    if (s.provider.provider_numbers.contains(c.obra_social))
        return reject("provider.already_adhered", "El prestador ya está adherido a esa obra social.", "obra_social");
    return emit(ProviderAdhered{c.obra_social, c.provider_number, c.convenio});
}

Decision decide(const ProviderLedger& s, const UploadDocument& c, TimestampMs now, const Config&) {
    if (auto e = require_registered(s)) return rejected(*e);
    if (auto e = require_text(c.document_id, "document.id_required", "Falta el identificador del documento.", "document_id"))
        return rejected(*e);
    if (auto e = require_text(c.reference, "document.reference_required", "Falta el archivo del documento.", "reference"))
        return rejected(*e);
    const auto& docs = s.provider.documents;
    if (std::any_of(docs.begin(), docs.end(), [&](const DocumentRecord& d) { return d.uploaded.document_id == c.document_id; }))
        return reject("document.duplicate_id", "Ya existe un documento con ese identificador.", "document_id");
    // P1: an expired document counts as not presented.
    if (c.expires_on < local_date(now)) return reject("document.already_expired", "El documento ya está vencido.", "expires_on");
    return emit(DocumentUploaded{c.type, c.document_id, c.reference, c.expires_on});
}

Decision decide(const ProviderLedger& s, const VerifyDocument& c, TimestampMs, const Config&) {
    const auto& docs = s.provider.documents;
    const auto it =
        std::find_if(docs.begin(), docs.end(), [&](const DocumentRecord& d) { return d.uploaded.document_id == c.document_id; });
    if (it == docs.end()) return reject("document.not_found", "Documento inexistente.", "document_id");
    if (it->status != DocumentStatus::pending) return reject("document.already_verified", "El documento ya fue verificado.", "document_id");
    if (!c.approved && c.reason.empty()) return reject("document.reason_required", "Indique el motivo del rechazo.", "reason");
    return emit(DocumentVerified{it->uploaded.type, c.document_id, c.approved, c.approved ? std::string{} : c.reason});
}

// P2: expiry needs no one to act; this only records what the date already decided.
Decision decide(const ProviderLedger& s, const ExpireDocumentsDue& c, TimestampMs, const Config&) {
    std::vector<Event> out;
    for (const DocumentRecord& d : s.provider.documents) {
        if (d.status == DocumentStatus::approved && d.uploaded.expires_on < c.as_of)
            out.emplace_back(DocumentExpired{d.uploaded.type, d.uploaded.document_id, Date{d.uploaded.expires_on.days + 1}});
    }
    return out;
}

Decision decide(const ProviderLedger& s, const EnrollInPadron&, TimestampMs now, const Config& config) {
    if (auto e = require_registered(s)) return rejected(*e);
    if (s.provider.enrolled) return reject("padron.already_enrolled", "El prestador ya está en el padrón.", "provider");
    const Date today = local_date(now);
    const uint32_t month = civil_from_date(today).month;
    const auto& months = config.enrollment_months;
    const bool in_window = std::find(months.begin(), months.end(), month) != months.end();
    // P3: the padrón opens in May and September, any time for the recién matriculado.
    if (!in_window && !s.provider.identity.recien_matriculado)
        return reject("padron.window_closed", "El padrón abre en mayo y en septiembre.", "provider");
    // P2: enrolling without documents in force would not put the provider in the padrón.
    if (missing_document(s.provider, today))
        return reject("padron.documents_missing", "Falta documentación aprobada y vigente.", "documents");
    return emit(PadronEnrolled{today, !in_window});
}

Decision decide(const ProviderLedger& s, const LeavePadron& c, TimestampMs now, const Config&) {
    if (!s.provider.enrolled) return reject("padron.not_enrolled", "El prestador no está en el padrón.", "provider");
    return emit(PadronLeft{local_date(now), c.reason});  // P5
}

}  // namespace liquida::domain
