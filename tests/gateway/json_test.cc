// Commands in and events out as JSON (gateway/json.h): every command from a body, every
// error code with its field, mutated bodies never throw, every event kind renders with the
// schema's field names, and the role table.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sim/simulation.h"
#include "fixtures.h"
#include "gateway/json.h"
#include "tests/support/sample_events.h"

namespace {

using liquida::gateway::CommandRequest;
using liquida::gateway::parse_command;
using liquida::gateway::Role;
using nlohmann::json;
namespace domain = liquida::domain;

// One body per command with every member set to a non-default value, in canonical form (so
// to_json gives it back exactly), and the members that may not be omitted.
struct Sample {
    std::string name;
    std::string members;  // the command's members; command, provider and command_id are added
    std::set<std::string> required;
};

const std::vector<Sample> kSamples = {
    {"register_provider",
     R"({"matricula": "3-333", "cuit": "27-35215358-9", "razon_social": "Pérez, Ana",
             "iva": "responsable_inscripto", "cbu": "2850590940090418135201", "category": "B",
             "recien_matriculado": true, "address": "Calle 12 450, Paraná", "email": "ana@example.com",
             "phone": "(343) 4123456"})",
     {"iva"}},
    {"update_provider",
     R"({"razon_social": "Pérez, Ana María", "iva": "exento", "cbu": "0140123900000031274858",
             "category": "A", "address": "Güemes 230", "email": "turnos@example.com", "phone": "+54 343 15 455"})",
     {"iva"}},
    {"adhere_to_obra_social",
     R"({"obra_social": "sancor", "provider_number": "8481", "convenio": "COL. DE PSICOL. DE TUCUMAN"})",
     {"obra_social"}},
    {"upload_document",
     R"({"type": "seguro", "document_id": "doc-1", "reference": "docs/1/seguro.pdf", "expires_on": "2026-03-31"})",
     {"type", "expires_on"}},
    {"verify_document", R"({"document_id": "doc-1", "approved": true, "reason": "Póliza vigente"})", {}},
    {"expire_documents_due", R"({"as_of": "2025-06-25"})", {"as_of"}},
    {"enroll_in_padron", R"({})", {}},
    {"leave_padron", R"({"reason": "Cese de actividad"})", {}},
    {"load_order",
     R"({"order_id": "o-417", "obra_social": "insssep", "affiliate_number": "1234555", "practice_code": "20900",
             "attention_date": "2025-06-20", "patient_signature": true, "professional_signature": true,
             "professional_stamp": true, "fields": [{"name": "credencial", "value": "438908"},
                                                     {"name": "diagnostico", "value": "K029"}],
             "affiliate_name": "PADRE DE AFILIADO DE PRUEBA", "plan": "Afiliado InSSeP"})",
     {"obra_social"}},
    {"approve_order", R"({"order_id": "o-417"})", {}},
    {"reject_order", R"({"order_id": "o-418", "reason_code": "missing_patient_signature", "reason": "Falta la firma"})", {}},
    {"check_eligibility",
     R"({"obra_social": "sancor", "identifier_kind": "dni", "identifier": "30123456",
             "affiliate_number": "8481/01", "practice_code": "330101", "habilitado": true})",
     {"obra_social"}},
    {"issue_token", R"({"obra_social": "sancor", "affiliate_number": "8481/01", "family_group": "8481", "code": "4821"})", {"obra_social"}},
    {"submit_budget",
     R"({"transaction_number": 128183733, "obra_social": "insssep", "affiliate_number": "51868",
             "credential": "438908", "family_group": "51868", "token": "4821", "diagnosis_code": "K02.9",
             "diagnosis_type": "definitivo",
             "lines": [{"practice_code": "020900", "tooth": 18, "faces": "O", "quantity": 1},
                       {"practice_code": "020901", "tooth": 46, "faces": "OD", "quantity": 2}],
             "clinical_summary": "Caries oclusal", "attachments": [{"kind": "informe", "reference": "i/1.pdf"}],
             "credential_type": "credencial", "affiliate_name": "HERMOSI RAMON OSVALDO", "titular": "HERMOSI RAMON OSVALDO",
             "plan": "Afiliado InSSSeP", "prescriptor_matricula": "MP 4512", "prescriptor_name": "ODONTOLOGO DE PRUEBA COCH"})",
     {"transaction_number", "obra_social", "diagnosis_type"}},
    {"resolve_budget_audit",
     R"({"transaction": {"boca": 88, "serie": "T", "number": 128183733},
             "items": [{"item": 1, "result": "autorizada"}, {"item": 2, "result": "rechazada"}]})",
     {"transaction"}},
    {"consume_practices",
     R"({"transaction": {"boca": 88, "serie": "T", "number": 128183733}, "items": [1, 2], "deferred": true,
             "performed_at": 1750859700000, "number": 128199624, "affiliate_signed": true,
             "billing": [{"item": 2, "tipo": "solo_honorarios"}], "clinical_summary": "DIABETICO - Tipo 2",
             "attachments": [{"kind": "informe", "reference": "rx/128199624.jpg"}]})",
     {"transaction", "number"}},
    {"cancel_transaction",
     R"({"transaction": {"boca": 88, "serie": "T", "number": 128183733}, "reason": "Error de carga", "item": 2})",
     {"transaction"}},
    {"issue_invoice",
     R"({"invoice_id": "ioma-fb-00002-00000085", "obra_social": "ioma", "comprobante": "factura_b",
             "billing": "ajuste", "punto_de_venta": 2, "number": 85, "cae": "71234567890123", "period": "2025-06",
             "amount": 1983997, "issued_on": "2025-07-02", "authorization": "aut-77",
             "adjusts_invoice": "ioma-fb-00002-00000071",
             "attachments": [{"kind": "constancia_cae", "reference": "f/cae.pdf"},
                             {"kind": "planilla_asistencia", "reference": "f/planilla.pdf"}]})",
     {"obra_social", "comprobante", "billing", "punto_de_venta", "number", "period", "amount", "issued_on"}},
    {"send_invoice", R"({"invoice_id": "f-85"})", {}},
    {"observe_invoice", R"({"invoice_id": "f-85", "reason": "Falta la planilla"})", {}},
    {"accept_invoice", R"({"invoice_id": "f-85"})", {}},
    {"ingresar_invoice", R"({"invoice_id": "f-85"})", {}},
    {"reject_invoice", R"({"invoice_id": "f-85", "reason": "Mal confeccionada"})", {}},
    {"apply_debit",
     R"({"invoice_id": "f-85", "debit_id": "d-311", "amount": 125000, "reason_code": "D12",
             "reason": "Práctica no autorizada", "debit_sheet": "hoja-2025-06"})",
     {"amount"}},
    {"resolve_debit_analysis", R"({"invoice_id": "f-85", "debit_id": "d-311", "reinvoice_approved": true})", {}},
    {"issue_credit_note",
     R"({"invoice_id": "f-85", "credit_note_id": "nc-3", "punto_de_venta": 2, "number": 3,
             "cae": "71234567890124", "amount": 125000})",
     {"punto_de_venta", "number", "amount"}},
    {"issue_payment_order",
     R"({"obra_social": "ioma", "payment_order": "op-9912", "paid_on": "2025-08-05",
             "invoices": [{"invoice_id": "f-85", "amount": 1858997}, {"invoice_id": "f-86", "amount": 1}],
             "retention_certificate": "cr-55", "payment_order_type": "APB"})",
     {"obra_social", "paid_on"}},
    {"apply_retentions", R"({"period": "2025-06", "obra_social": "ioma"})", {"period", "obra_social"}},
    {"pay_provider",
     R"({"period": "2025-06", "obra_social": "ioma", "amount": 1700000, "cbu": "2850590940090418135201",
             "transfer_id": "tr-1"})",
     {"period", "obra_social", "amount"}},
    {"issue_acta",
     R"({"acta": "21 054 0731206 11", "obra_social": "ioma", "tipo_afiliatorio": "OBLIGATORIO",
             "tipo_prestacion": "CUIDADOR DOMICILIARIO", "total": 35596800})",
     {"obra_social", "total"}},
    {"present_billing",
     R"({"presentation": "P-2025-06/7", "obra_social": "sancor", "period": "2025-06", "amount": 125000000})",
     {"obra_social", "period", "amount"}},
    {"debit_presentation",
     R"({"presentation": "P-2025-06/7", "debit_id": "dp-1", "amount": 150000, "reason_code": "D01", "reason": "Falta firma"})",
     {"amount"}},
    {"approve_presentation", R"({"presentation": "P-2025-06/7"})", {}},
    {"pay_presentation",
     R"({"presentation": "P-2025-06/7", "payment_order_type": "APB", "payment_order": "10118036", "paid_on": "2025-08-20",
             "amount": 124850000, "retention_certificate": "RC-1"})",
     {"paid_on", "amount"}},
};

// The colegio's own commands (F6) name no provider.
bool colegio_sample(const std::string& name) { return name.find("present") != std::string::npos; }

json sample_body(const Sample& s) {
    json body = json::parse(s.members);
    body["command"] = s.name;
    if (!colegio_sample(s.name)) body["provider"] = 1042;
    body["command_id"] = "cmd-" + s.name;
    return body;
}

const Sample& sample(std::string_view name) {
    for (const auto& s : kSamples) {
        if (s.name == name) return s;
    }
    FAIL("no sample for " << name);
    throw std::logic_error("unreachable");
}

// The sample of `name` with `edit` applied.
template <class F>
std::string edited(std::string_view name, F edit) {
    json body = sample_body(sample(name));
    edit(body);
    return body.dump();
}

CommandRequest parsed(const std::string& body) {
    auto r = parse_command(body);
    INFO(body);
    if (!r) INFO(r.error().code << " " << r.error().field << ": " << r.error().message);
    REQUIRE(r.has_value());
    return std::move(r).value();
}

domain::DomainError rejected(const std::string& body) {
    auto r = parse_command(body);
    INFO(body);
    REQUIRE_FALSE(r.has_value());
    return r.error();
}

void check_error(const std::string& body, std::string_view code, std::string_view field) {
    const auto e = rejected(body);
    INFO(body << " -> " << e.code << " " << e.field << ": " << e.message);
    CHECK(e.code == code);
    CHECK(e.field == field);
    CHECK_FALSE(e.message.empty());
}

// A copy: `as<T>(parsed(body))` outlives the temporary request.
template <class T>
T as(const CommandRequest& r) {
    REQUIRE(std::holds_alternative<T>(r.command));
    return std::get<T>(r.command);
}

}  // namespace

TEST_CASE("gateway_json: command names: one per command, in variant order, as the samples name them", "[gateway][json]") {
    const auto& names = liquida::gateway::command_names();
    REQUIRE(names.size() == std::variant_size_v<domain::Command>);
    REQUIRE(kSamples.size() == names.size());
    for (size_t i = 0; i < names.size(); ++i) {
        CHECK(names[i] == domain::command_name(i));
        CHECK(kSamples[i].name == names[i]);
    }
}

TEST_CASE("gateway_json: every command parses from its sample body and gives it back", "[gateway][json]") {
    for (size_t i = 0; i < kSamples.size(); ++i) {
        const Sample& s = kSamples[i];
        INFO(s.name);
        const json body = sample_body(s);
        const CommandRequest r = parsed(body.dump());
        CHECK(r.name == s.name);
        CHECK(r.command.index() == i);
        CHECK(liquida::gateway::command_name(r.command) == s.name);
        CHECK(r.provider == (colegio_sample(s.name) ? domain::kColegio : domain::ProviderId{1042}));
        CHECK(r.command_id == "cmd-" + s.name);
        CHECK(liquida::gateway::to_json(r) == body);
    }
}

TEST_CASE("gateway_json: every command parses from its minimal body and each required member is reported missing", "[gateway][json]") {
    for (const Sample& s : kSamples) {
        INFO(s.name);
        const json full = sample_body(s);
        const bool colegio = colegio_sample(s.name);
        json minimal = {{"command", s.name}};
        if (!colegio) minimal["provider"] = 7;
        for (const auto& key : s.required) minimal[key] = full.at(key);
        const CommandRequest r = parsed(minimal.dump());
        CHECK(r.name == s.name);
        CHECK(r.command_id.empty());
        CHECK(r.provider == (colegio ? domain::kColegio : domain::ProviderId{7}));
        for (const auto& key : s.required) {
            json without = minimal;
            without.erase(key);
            check_error(without.dump(), "request.missing_field", key);
            without[key] = nullptr;
            check_error(without.dump(), "request.missing_field", key);
        }
        // Everything else may be omitted or null.
        json nulls = full;
        for (auto it = full.begin(); it != full.end(); ++it) {
            if (!s.required.contains(it.key()) && it.key() != "command" && it.key() != "provider") nulls[it.key()] = nullptr;
        }
        CHECK(parsed(nulls.dump()).name == s.name);
        json no_command = minimal;
        no_command.erase("command");
        check_error(no_command.dump(), "request.missing_field", "command");
        json other_provider = minimal;  // F6: the colegio's commands are decided on its own ledger
        if (colegio) other_provider["provider"] = 7;
        else other_provider.erase("provider");
        check_error(other_provider.dump(), colegio ? "request.invalid_value" : "request.missing_field", "provider");
    }
}

TEST_CASE("gateway_json: the important members land where the domain reads them: providers, documents, orders, budgets",
          "[gateway][json]") {
    {
        const auto r = parsed(sample_body(sample("register_provider")).dump());
        const auto& c = as<domain::RegisterProvider>(r);
        CHECK(c.cuit == "27-35215358-9");
        CHECK(c.iva == domain::IvaCondition::responsable_inscripto);
        CHECK(c.recien_matriculado);
        json seed_provider = sample_body(sample("register_provider"));
        seed_provider["iva"] = "no_alcanzado";  // seed 001: "Condición IVA: No Alcanzado"
        CHECK(as<domain::RegisterProvider>(parsed(seed_provider.dump())).iva == domain::IvaCondition::no_alcanzado);
    }
    {
        const auto& c = as<domain::UploadDocument>(parsed(sample_body(sample("upload_document")).dump()));
        CHECK(c.type == domain::DocumentType::seguro);
        CHECK(c.expires_on == domain::date_from_civil(2026, 3, 31));
    }
    {
        const auto r = parsed(sample_body(sample("load_order")).dump());
        const auto& c = as<domain::LoadOrder>(r);
        CHECK(c.order_id == "o-417");
        CHECK(c.obra_social == domain::ObraSocialId{"insssep"});
        CHECK(c.attention_date == domain::date_from_civil(2025, 6, 20));
        CHECK(c.professional_stamp);
        REQUIRE(c.fields.size() == 2);
        CHECK(c.fields[1] == domain::OrderField{"diagnostico", "K029"});
    }
    {
        const auto r = parsed(sample_body(sample("submit_budget")).dump());
        const auto& c = as<domain::SubmitBudget>(r);
        CHECK(c.transaction_number == 128183733U);
        CHECK(c.diagnosis_type == domain::DiagnosisType::definitivo);
        REQUIRE(c.lines.size() == 2);
        CHECK(c.lines[0].tooth == 18U);
        CHECK(c.lines[1].faces == "OD");
        REQUIRE(c.attachments.size() == 1);
        CHECK(c.attachments[0].kind == domain::AttachmentKind::informe);
        CHECK(c.credential_type == domain::CredentialType::credencial);
        CHECK(c.lines.at(1).quantity == 2U);
        CHECK(c.titular == "HERMOSI RAMON OSVALDO");
        CHECK(c.prescriptor_name == "ODONTOLOGO DE PRUEBA COCH");
    }
    {
        const auto& c = as<domain::ResolveBudgetAudit>(parsed(sample_body(sample("resolve_budget_audit")).dump()));
        CHECK(c.transaction == domain::TransactionRef{88, "T", 128183733});
        REQUIRE(c.items.size() == 2);
        CHECK(c.items[1] == domain::ItemDecision{2, domain::ItemResult::rechazada});
    }
    {
        const auto& c = as<domain::ConsumePractices>(parsed(sample_body(sample("consume_practices")).dump()));
        CHECK(c.transaction.number == 128183733U);
        CHECK(c.items == std::vector<uint32_t>{1, 2});
        CHECK(c.deferred);
        CHECK(c.performed_at == 1750859700000);
        CHECK(c.number == 128199624U);
        CHECK(c.affiliate_signed);
        REQUIRE(c.billing.size() == 1);
        CHECK(c.billing[0].item == 2);
        CHECK(c.billing[0].tipo == domain::TipoFacturacion::solo_honorarios);
        CHECK(c.clinical_summary == "DIABETICO - Tipo 2");
        CHECK(c.attachments == std::vector<domain::Attachment>{{domain::AttachmentKind::informe, "rx/128199624.jpg"}});
    }
}

TEST_CASE("gateway_json: the important members land where the domain reads them: invoices and payments", "[gateway][json]") {
    {
        const auto& c = as<domain::IssueInvoice>(parsed(sample_body(sample("issue_invoice")).dump()));
        CHECK(c.comprobante == domain::ComprobanteType::factura_b);
        CHECK(c.billing == domain::BillingType::ajuste);
        CHECK(c.punto_de_venta == 2U);
        CHECK(c.number == 85U);
        CHECK(c.period == domain::Period{2025, 6});
        CHECK(c.amount == 1983997);
        CHECK(c.issued_on == domain::date_from_civil(2025, 7, 2));
        REQUIRE(c.attachments.size() == 2);
        CHECK(c.attachments[1].kind == domain::AttachmentKind::planilla_asistencia);
    }
    {
        const auto& c = as<domain::IssuePaymentOrder>(parsed(sample_body(sample("issue_payment_order")).dump()));
        CHECK(c.paid_on == domain::date_from_civil(2025, 8, 5));
        REQUIRE(c.invoices.size() == 2);
        CHECK(c.invoices[0] == domain::PaidInvoice{"f-85", 1858997});
    }
    {
        const auto& c = as<domain::PayProvider>(parsed(sample_body(sample("pay_provider")).dump()));
        CHECK(c.amount == 1700000);
        CHECK(c.obra_social == domain::ObraSocialId{"ioma"});
    }
}

TEST_CASE("gateway_json: optional members omitted or null read as their defaults", "[gateway][json]") {
    {  // a budget line's tooth may be omitted (0: the practice needs none), its quantity too (1)
        const auto& c = as<domain::SubmitBudget>(parsed(edited("submit_budget", [](json& b) {
            b["lines"] = json::array({{{"practice_code", "330101"}}});
            b.erase("credential_type");
        })));
        CHECK(c.lines.at(0).tooth == 0U);
        CHECK(c.lines.at(0).quantity == 1U);
        CHECK(c.credential_type == domain::CredentialType::no_informado);
    }
    {  // an optional date may be null
        const auto& c = as<domain::LoadOrder>(parsed(edited("load_order", [](json& b) { b["attention_date"] = nullptr; })));
        CHECK_FALSE(c.attention_date.has_value());
    }
}

TEST_CASE("gateway_json: instants: integer ms or ISO-8601 with an offset", "[gateway][json]") {
    const auto performed_at = [](json v) {
        const auto r = parsed(edited("consume_practices", [&](json& b) { b["performed_at"] = v; }));
        return as<domain::ConsumePractices>(r).performed_at;
    };
    // 2025-06-25 10:55 in Argentina (UTC-3) is 13:55 UTC.
    const int64_t expected = domain::start_of_local_day(domain::date_from_civil(2025, 6, 25)) + (10 * 60 + 55) * 60'000;
    CHECK(performed_at("2025-06-25T10:55:00-03:00") == expected);
    CHECK(performed_at("2025-06-25T13:55:00Z") == expected);
    CHECK(performed_at("2025-06-25T15:55:00+02:00") == expected);
    CHECK(performed_at("2025-06-25T10:55:00.250-03:00") == expected + 250);
    CHECK(performed_at("2025-06-25T10:55:00.2-03:00") == expected + 200);
    CHECK(performed_at("2025-06-25T10:55:00.123456789-03:00") == expected + 123);
    CHECK(performed_at(expected) == expected);
    CHECK(performed_at(nullptr) == std::nullopt);

    for (const json& bad :
         {json("2025-06-25 10:55:00-03:00"), json("2025-06-25T10:55:00"), json("2025-06-25T24:00:00Z"), json("2025-02-30T10:55:00Z"),
          json("2025-06-25T10:55-03:00"), json("2025-06-25T10:55:00.Z"), json("2025-06-25T10:55:00-3:00"), json("1969-12-31T23:59:59Z"),
          json(-1), json(253'402'300'800'000LL), json("")}) {
        INFO(bad.dump());
        check_error(edited("consume_practices", [&](json& b) { b["performed_at"] = bad; }), "request.invalid_value", "performed_at");
    }
    check_error(edited("consume_practices", [](json& b) { b["performed_at"] = 1.5; }), "request.wrong_type", "performed_at");
    check_error(edited("consume_practices", [](json& b) { b["performed_at"] = true; }), "request.wrong_type", "performed_at");
}

TEST_CASE("gateway_json: each error code names its field: invalid JSON, too long, unknown command", "[gateway][json]") {
    SECTION("request.invalid_json: not JSON, not an object, too deep") {
        const std::vector<std::string> bodies = {"",
                                                 " ",
                                                 "{",
                                                 "nope",
                                                 "{\"command\": \"send_invoice\",}",
                                                 "{} x",
                                                 "[]",
                                                 "[{}]",
                                                 "123",
                                                 "\"send_invoice\"",
                                                 "null",
                                                 "true",
                                                 "{\"a\": \"\xff\"}",
                                                 std::string(100'000, '['),
                                                 std::string(65, '{')};
        for (const std::string& bad : bodies) {
            check_error(bad, "request.invalid_json", "");
        }
        // Nesting inside a member counts too; below the limit it is only the wrong type.
        const auto nested = [](size_t depth) {
            return R"({"command": "send_invoice", "provider": 1, "invoice_id": )" + std::string(depth, '[') + std::string(depth, ']') + "}";
        };
        check_error(nested(64), "request.invalid_json", "");
        check_error(nested(30), "request.wrong_type", "invoice_id");
        // Brackets inside strings are text, not nesting.
        const auto c = parsed(edited("send_invoice", [](json& b) { b["invoice_id"] = std::string(liquida::gateway::kMaxTextBytes, '['); }));
        CHECK(as<domain::SendInvoice>(c).invoice_id.size() == liquida::gateway::kMaxTextBytes);
    }
    SECTION("request.too_long: every text and list has a limit") {
        namespace gw = liquida::gateway;
        check_error(edited("send_invoice", [](json& b) { b["invoice_id"] = std::string(gw::kMaxTextBytes + 1, 'x'); }), "request.too_long",
                    "invoice_id");
        check_error(edited("update_provider", [](json& b) { b["razon_social"] = std::string(900'000, 'x'); }), "request.too_long",
                    "razon_social");
        check_error(edited("submit_budget", [](json& b) { b["clinical_summary"] = std::string(gw::kMaxFreeTextBytes + 1, 'x'); }),
                    "request.too_long", "clinical_summary");
        parsed(edited("submit_budget", [](json& b) { b["clinical_summary"] = std::string(gw::kMaxFreeTextBytes, 'x'); }));
        check_error(edited("submit_budget",
                           [](json& b) {
                               json lines = json::array();
                               for (size_t i = 0; i <= gw::kMaxBudgetLines; ++i) lines.push_back(b["lines"][0]);
                               b["lines"] = lines;
                           }),
                    "request.too_long", "lines");
        check_error(edited("consume_practices", [](json& b) { b["items"] = std::vector<int>(gw::kMaxListItems + 1, 1); }),
                    "request.too_long", "items");
    }
    SECTION("request.unknown_command") {
        check_error(R"({"command": "load_orders", "provider": 1})", "request.unknown_command", "command");
        check_error(R"({"command": "LoadOrder", "provider": 1})", "request.unknown_command", "command");
        check_error(R"({"command": "", "provider": 1})", "request.unknown_command", "command");
        const auto e = rejected(json{{"command", std::string(10'000, 'x')}, {"provider", 1}}.dump());
        CHECK(e.message.size() < 200);  // echoed text is cut
    }
}

TEST_CASE("gateway_json: each error code names its field: unknown, missing and wrong-typed members", "[gateway][json]") {
    SECTION("request.unknown_field, before any other problem of the same object") {
        check_error(edited("issue_invoice", [](json& b) { b["numbr"] = 85; }), "request.unknown_field", "numbr");
        check_error(edited("issue_invoice",
                           [](json& b) {
                               b["numbr"] = 85;
                               b.erase("number");
                           }),
                    "request.unknown_field", "numbr");
        check_error(edited("cancel_transaction", [](json& b) { b["transaction"]["bocca"] = 88; }), "request.unknown_field",
                    "transaction.bocca");
        check_error(edited("submit_budget", [](json& b) { b["lines"][1]["face"] = "O"; }), "request.unknown_field", "lines[1].face");
        check_error(edited("send_invoice", [](json& b) { b["provider_id"] = 1; }), "request.unknown_field", "provider_id");
        // A member of another command is unknown here.
        check_error(edited("send_invoice", [](json& b) { b["reason"] = "x"; }), "request.unknown_field", "reason");
        // A long name is cut at a UTF-8 boundary, so the error is valid JSON text.
        const std::string long_name = std::string(63, 'a') + "ñññ";
        const auto e = rejected(edited("send_invoice", [&](json& b) { b[long_name] = 1; }));
        CHECK(e.code == "request.unknown_field");
        CHECK_NOTHROW(json({{"field", e.field}, {"message", e.message}}).dump());
    }
    SECTION("request.missing_field, with the path of nested members") {
        check_error(edited("resolve_budget_audit", [](json& b) { b["transaction"].erase("number"); }), "request.missing_field",
                    "transaction.number");
        check_error(edited("resolve_budget_audit", [](json& b) { b["items"][1].erase("result"); }), "request.missing_field",
                    "items[1].result");
        check_error(edited("issue_payment_order", [](json& b) { b["invoices"][0]["amount"] = nullptr; }), "request.missing_field",
                    "invoices[0].amount");
        check_error(edited("issue_invoice", [](json& b) { b["attachments"][0].erase("kind"); }), "request.missing_field",
                    "attachments[0].kind");
        check_error(edited("consume_practices",
                           [](json& b) {
                               b["items"] = json::array({1, nullptr});
                           }),
                    "request.missing_field", "items[1]");
    }
    SECTION("request.wrong_type, with the expected type in the message") {
        check_error(edited("resolve_budget_audit", [](json& b) { b["transaction"]["number"] = "128183733"; }), "request.wrong_type",
                    "transaction.number");
        check_error(edited("cancel_transaction", [](json& b) { b["transaction"] = "88-T-128183733"; }), "request.wrong_type",
                    "transaction");
        check_error(edited("submit_budget", [](json& b) { b["lines"] = json::object(); }), "request.wrong_type", "lines");
        check_error(edited("submit_budget", [](json& b) { b["lines"][0]["tooth"] = "18"; }), "request.wrong_type", "lines[0].tooth");
        check_error(edited("verify_document", [](json& b) { b["approved"] = "yes"; }), "request.wrong_type", "approved");
        check_error(edited("verify_document", [](json& b) { b["approved"] = 1; }), "request.wrong_type", "approved");
        check_error(edited("send_invoice", [](json& b) { b["invoice_id"] = 85; }), "request.wrong_type", "invoice_id");
        check_error(edited("load_order", [](json& b) { b["obra_social"] = 3; }), "request.wrong_type", "obra_social");
        check_error(edited("issue_invoice", [](json& b) { b["issued_on"] = 20250702; }), "request.wrong_type", "issued_on");
        check_error(edited("issue_invoice", [](json& b) { b["comprobante"] = 1; }), "request.wrong_type", "comprobante");
        check_error(edited("send_invoice", [](json& b) { b["provider"] = "1042"; }), "request.wrong_type", "provider");
        check_error(edited("send_invoice", [](json& b) { b["command_id"] = 7; }), "request.wrong_type", "command_id");
        check_error(R"({"command": 5, "provider": 1})", "request.wrong_type", "command");
        // Money is integer centavos: no floats, no strings, even when the float is whole.
        for (const std::string amount : {"1234.5", "1234.0", "1e3", "\"1234\"", "99999999999999999999999"}) {
            const std::string body = R"({"command": "apply_debit", "provider": 1, "amount": )" + amount + "}";
            const auto e = rejected(body);
            CHECK(e.code == "request.wrong_type");
            CHECK(e.field == "amount");
            CHECK(e.message.find("centavos") != std::string::npos);
        }
    }
}

TEST_CASE("gateway_json: each error code names its field: invalid values, while negative money and the largest values are kept",
          "[gateway][json]") {
    SECTION("request.invalid_value: dates, periods, enums, ranges") {
        check_error(edited("issue_invoice", [](json& b) { b["issued_on"] = "2025-02-30"; }), "request.invalid_value", "issued_on");
        check_error(edited("issue_invoice", [](json& b) { b["issued_on"] = "02/07/2025"; }), "request.invalid_value", "issued_on");
        check_error(edited("issue_invoice", [](json& b) { b["period"] = "2025-13"; }), "request.invalid_value", "period");
        check_error(edited("issue_invoice", [](json& b) { b["period"] = "202506"; }), "request.invalid_value", "period");
        check_error(edited("issue_invoice", [](json& b) { b["comprobante"] = "factura_z"; }), "request.invalid_value", "comprobante");
        check_error(edited("issue_invoice", [](json& b) { b["billing"] = "Original"; }), "request.invalid_value", "billing");
        check_error(edited("issue_invoice", [](json& b) { b["attachments"][1]["kind"] = "pdf"; }), "request.invalid_value",
                    "attachments[1].kind");
        check_error(edited("register_provider", [](json& b) { b["iva"] = "monotributista"; }), "request.invalid_value", "iva");
        check_error(edited("issue_invoice", [](json& b) { b["punto_de_venta"] = -2; }), "request.invalid_value", "punto_de_venta");
        check_error(edited("issue_invoice", [](json& b) { b["number"] = 4294967296ULL; }), "request.invalid_value", "number");
        check_error(edited("issue_invoice", [](json& b) { b["amount"] = 9223372036854775808ULL; }), "request.invalid_value", "amount");
        check_error(edited("submit_budget", [](json& b) { b["transaction_number"] = -1; }), "request.invalid_value", "transaction_number");
        check_error(edited("send_invoice", [](json& b) { b["provider"] = 0; }), "request.invalid_value", "provider");
        check_error(edited("send_invoice", [](json& b) { b["provider"] = -5; }), "request.invalid_value", "provider");
        check_error(edited("send_invoice", [](json& b) { b["command_id"] = std::string(129, 'k'); }), "request.invalid_value",
                    "command_id");
        const auto e = rejected(edited("issue_invoice", [](json& b) { b["billing"] = "x"; }));
        CHECK(e.message.find("refacturacion") != std::string::npos);  // lists the accepted names
    }
    SECTION("negative money is the domain's to judge; the largest values are kept") {
        CHECK(as<domain::ApplyDebit>(parsed(edited("apply_debit", [](json& b) { b["amount"] = -5; }))).amount == -5);
        const auto r = parsed(edited("submit_budget", [](json& b) { b["transaction_number"] = UINT64_MAX; }));
        CHECK(as<domain::SubmitBudget>(r).transaction_number == UINT64_MAX);
        CHECK(parsed(edited("send_invoice", [](json& b) { b["provider"] = UINT64_MAX; })).provider.value() == UINT64_MAX);
    }
}

namespace {

// What a mutated member becomes: every JSON type, edge numbers, near-valid dates and names.
const std::vector<json> kMutatedValues = {nullptr,
                                          true,
                                          false,
                                          0,
                                          -1,
                                          1.5,
                                          4294967296ULL,
                                          UINT64_MAX,
                                          INT64_MIN,
                                          1e308,
                                          "",
                                          "x",
                                          "2025-06-25",
                                          "2025-13",
                                          "autorizada",
                                          "\xc3\xa9",
                                          json::array(),
                                          json::array({1, "a"}),
                                          json::object(),
                                          json{{"boca", 88}},
                                          json::array({json::array({json::array()})})};

// Mutated sample bodies, all drawn from one seeded generator so that a failure replays.
class Mutator {
public:
    // Structural: 1-3 members replaced, dropped or added, at any depth.
    json members() {
        json body = sample_body(kSamples[below(kSamples.size())]);
        const size_t edits = 1 + below(3);
        for (size_t k = 0; k < edits; ++k) {
            json* target = &body;
            while ((target->is_object() || target->is_array()) && !target->empty() && below(3) != 0) {
                auto it = target->begin();
                std::advance(it, static_cast<std::ptrdiff_t>(below(target->size())));
                if (!it->is_object() && !it->is_array()) break;
                target = &*it;
            }
            if (target->is_object() && !target->empty()) {
                auto it = target->begin();
                std::advance(it, static_cast<std::ptrdiff_t>(below(target->size())));
                switch (below(3)) {
                    case 0: *it = value(); break;
                    case 1: target->erase(it); break;
                    default: (*target)[it.key() + "_"] = value(); break;
                }
            } else if (target->is_array() && !target->empty()) {
                (*target)[below(target->size())] = value();
            } else {
                *target = value();
            }
        }
        return body;
    }

    // Textual: 1-4 edits that delete, insert, duplicate or truncate bytes.
    std::string bytes() {
        static const std::string alphabet = "{}[]\":,0123456789-.eE\\ntrufals \x01\xff\xc3\xa9";
        std::string body = sample_body(kSamples[below(kSamples.size())]).dump();
        const size_t edits = 1 + below(4);
        for (size_t k = 0; k < edits && !body.empty(); ++k) {
            const size_t at = below(body.size());
            switch (below(4)) {
                case 0: body.erase(at, 1 + below(8)); break;
                case 1: body.insert(at, 1, alphabet[below(alphabet.size())]); break;
                case 2: body.insert(at, body.substr(at, 1 + below(16))); break;
                default: body.resize(at); break;
            }
        }
        return body;
    }

private:
    size_t below(size_t n) { return static_cast<size_t>(rng_() % n); }
    const json& value() { return kMutatedValues[below(kMutatedValues.size())]; }

    std::mt19937_64 rng_{20250625};
};

}  // namespace

TEST_CASE("gateway_json: mutated bodies never throw and always answer with a known code", "[gateway][json]") {
    const std::set<std::string> codes = {"request.invalid_json",  "request.unknown_command", "request.unknown_field",
                                         "request.missing_field", "request.wrong_type",      "request.invalid_value"};
    size_t accepted = 0;
    const auto check = [&](const std::string& body) {
        INFO(body);
        std::optional<liquida::result<CommandRequest, domain::DomainError>> r;
        REQUIRE_NOTHROW(r.emplace(parse_command(body)));
        if (r->has_value()) {
            ++accepted;
            // What was accepted goes back out, and reads back the same.
            json out;
            REQUIRE_NOTHROW(out = liquida::gateway::to_json(r->value()));
            const auto again = parse_command(out.dump());
            REQUIRE(again.has_value());
            CHECK(liquida::gateway::to_json(again.value()) == out);
        } else {
            CHECK(codes.contains(r->error().code));
            CHECK_NOTHROW(json({{"code", r->error().code}, {"message", r->error().message}, {"field", r->error().field}}).dump());
        }
    };

    Mutator mutated;
    for (int i = 0; i < 4000; ++i) check(mutated.members().dump());
    for (int i = 0; i < 4000; ++i) check(mutated.bytes());
    CHECK(accepted > 0);  // some mutations stay valid (an omitted optional member, say)
}

namespace {

std::string read_source(const std::string& relative) {
    std::ifstream in(std::string(LIQUIDA_SOURCE_DIR) + "/" + relative);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// table name -> field name -> type, from the .fbs files (comments stripped).
std::map<std::string, std::map<std::string, std::string>> schema_tables() {
    std::string text = read_source("events/schema/common.fbs") + read_source("events/schema/envelope.fbs");
    text = std::regex_replace(text, std::regex("//[^\n]*"), "");
    std::map<std::string, std::map<std::string, std::string>> tables;
    const std::regex table(R"(table\s+(\w+)\s*\{([^}]*)\})");
    const std::regex field(R"((\w+)\s*:\s*([\w\[\]:]+))");
    for (auto t = std::sregex_iterator(text.begin(), text.end(), table); t != std::sregex_iterator(); ++t) {
        const std::string body = (*t)[2];
        auto& fields = tables[(*t)[1]];
        for (auto f = std::sregex_iterator(body.begin(), body.end(), field); f != std::sregex_iterator(); ++f) fields[(*f)[1]] = (*f)[2];
    }
    return tables;
}

std::string camel(std::string_view snake) {
    std::string out;
    bool up = true;
    for (char c : snake) {
        if (c == '_') {
            up = true;
            continue;
        }
        out += up ? static_cast<char>(c - 'a' + 'A') : c;
        up = false;
    }
    return out;
}

// The object's keys are exactly the table's fields, recursively for nested tables.
void check_against_schema(const json& object, const std::string& table,
                          const std::map<std::string, std::map<std::string, std::string>>& tables) {
    INFO("table " << table << ": " << object.dump());
    REQUIRE(tables.contains(table));
    REQUIRE(object.is_object());
    std::set<std::string> keys, fields;
    for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
    for (const auto& [name, type] : tables.at(table)) fields.insert(name);
    CHECK(keys == fields);
    for (const auto& [name, type] : tables.at(table)) {
        if (!object.contains(name)) continue;
        const bool list = type.front() == '[';
        const std::string element = list ? type.substr(1, type.size() - 2) : type;
        if (!tables.contains(element)) continue;
        if (list) {
            REQUIRE(object.at(name).is_array());
            for (const json& item : object.at(name)) check_against_schema(item, element, tables);
        } else {
            check_against_schema(object.at(name), element, tables);
        }
    }
}

}  // namespace

TEST_CASE("gateway_json: every event kind renders with the schema's names", "[gateway][json]") {
    const auto tables = schema_tables();
    const auto envelopes = liquida::test::sample_envelopes();
    REQUIRE(envelopes.size() == domain::kEventKinds);
    for (const auto& e : envelopes) {
        const std::string kind(domain::event_name(e.payload));
        INFO(kind);
        json j;
        REQUIRE_NOTHROW(j = liquida::gateway::to_json(e));
        CHECK_NOTHROW(j.dump());
        CHECK(j.at("kind") == kind);
        CHECK(j.at("event_id") == e.event_id.to_string());
        CHECK(j.at("occurred_at") == e.occurred_at);
        CHECK(j.at("recorded_at") == e.recorded_at);
        CHECK(j.at("actor_id") == e.actor_id);
        CHECK(j.at("command_id") == e.command_id);
        CHECK(j.at("correlation_id") == e.correlation_id);
        CHECK(j.at("schema_version") == liquida::events::kSchemaVersion);
        CHECK(j.at("provider_id") == e.provider_id.value());
        CHECK(j.at("payload") == liquida::gateway::to_json(e.payload));
        check_against_schema(j.at("payload"), camel(kind), tables);
        // The envelope's own fields, with the union's kind beside its payload.
        json top = j;
        top.erase("kind");
        top["payload"] = json::object();
        for (const auto& [name, type] : tables.at("Envelope")) CHECK(top.contains(name));
        CHECK(top.size() == tables.at("Envelope").size());
    }
}

TEST_CASE("gateway_json: event values: dates, periods, enums, money, instants", "[gateway][json]") {
    const auto envelopes = liquida::test::sample_envelopes();
    const auto payload = [&](std::string_view kind) {
        for (const auto& e : envelopes) {
            if (domain::event_name(e.payload) == kind) return liquida::gateway::to_json(e.payload);
        }
        FAIL("no sample " << kind);
        return json();
    };
    const auto registered = payload("provider_registered");
    CHECK(registered.at("iva") == "exento");
    CHECK(registered.at("recien_matriculado") == true);
    const auto loaded = payload("order_loaded");
    CHECK(loaded.at("attention_date") == "2021-01-28");
    CHECK(loaded.at("period") == "2021-02");
    CHECK(loaded.at("amount") == 1'983'997);
    CHECK(loaded.at("obra_social") == "insssep");
    CHECK(loaded.at("fields").at(1) == json{{"name", "diagnostico"}, {"value", "K029"}});
    CHECK(payload("document_uploaded").at("type") == "seguro");
    CHECK(payload("order_deferred").at("to_period") == "2021-03");
    const auto consumed = payload("practice_consumed");
    CHECK(consumed.at("performed_at").is_number_integer());
    CHECK(consumed.at("transaction").at("boca") == 88);
    CHECK(consumed.at("transaction").at("serie") == "T");
    const auto retention = payload("retention_applied");
    CHECK(retention.at("kind").is_string());
    CHECK(retention.at("base").is_number_integer());
    for (const auto& e : envelopes) {
        const auto j = liquida::gateway::to_json(e);
        CHECK((j.at("actor_role") == "prestador" || j.at("actor_role") == "colegio" || j.at("actor_role") == "obra_social"));
        CHECK(std::regex_match(j.at("event_id").get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
    }
    auto system = envelopes.front();
    system.actor_role = liquida::events::ActorRole::system;
    CHECK(liquida::gateway::to_json(system).at("actor_role") == "system");
}

TEST_CASE("gateway_json: role table", "[gateway][json]") {
    using liquida::gateway::may_issue;
    const auto command = [](std::string_view name) { return parsed(sample_body(sample(name)).dump()).command; };
    for (const auto& name : liquida::gateway::command_names()) {
        INFO(name);
        CHECK(may_issue(Role::colegio, command(name)));  // the colegio issues everything
    }
    for (const char* name :
         {"register_provider", "update_provider", "upload_document", "leave_padron", "load_order", "check_eligibility", "submit_budget",
          "consume_practices", "cancel_transaction", "issue_invoice", "send_invoice", "issue_credit_note"}) {
        INFO(name);
        CHECK(may_issue(Role::prestador, command(name)));
    }
    for (const char* name : {"verify_document", "enroll_in_padron", "approve_order", "reject_order", "issue_token", "resolve_budget_audit",
                             "accept_invoice", "apply_debit", "issue_payment_order", "apply_retentions", "pay_provider", "issue_acta"}) {
        INFO(name);
        CHECK_FALSE(may_issue(Role::prestador, command(name)));
    }
    for (const char* name :
         {"issue_token", "check_eligibility", "resolve_budget_audit", "observe_invoice", "accept_invoice", "ingresar_invoice",
          "reject_invoice", "apply_debit", "resolve_debit_analysis", "issue_payment_order", "issue_acta"}) {
        INFO(name);
        CHECK(may_issue(Role::obra_social, command(name)));
    }
    for (const char* name : {"register_provider", "load_order", "submit_budget", "issue_invoice", "send_invoice", "verify_document",
                             "approve_order", "apply_retentions", "pay_provider"}) {
        INFO(name);
        CHECK_FALSE(may_issue(Role::obra_social, command(name)));
    }
}

TEST_CASE("gateway_json: obra_social_of: the command's own obra social member", "[gateway][json]") {
    using liquida::gateway::obra_social_of;
    for (const Sample& s : kSamples) {
        INFO(s.name);
        const json body = sample_body(s);
        const auto os = obra_social_of(parsed(body.dump()).command);
        if (body.contains("obra_social")) {
            REQUIRE(os.has_value());
            CHECK(os->value() == body.at("obra_social").get<std::string>());
        } else {
            CHECK_FALSE(os.has_value());
        }
    }
}

TEST_CASE("gateway_json: the simulator's commands: issued by an allowed role, and through JSON unchanged", "[gateway][json]") {
    liquida::sim::SimulationOptions options;
    options.seed = 11;
    options.scale = 0.01;
    liquida::sim::Simulation simulation(liquida::test::seed_config(), options);
    std::set<size_t> kinds;
    size_t count = 0;
    while (auto c = simulation.next()) {
        ++count;
        kinds.insert(c->command.index());
        const std::string name(liquida::gateway::command_name(c->command));
        INFO(name << " by actor " << static_cast<int>(c->actor));
        if (c->actor != liquida::sim::SimActor::system) {
            const auto role = c->actor == liquida::sim::SimActor::colegio     ? Role::colegio
                              : c->actor == liquida::sim::SimActor::prestador ? Role::prestador
                                                                              : Role::obra_social;
            CHECK(liquida::gateway::may_issue(role, c->command));
        }
        const CommandRequest request{name, c->provider, c->command_id, c->command};
        const json out = liquida::gateway::to_json(request);
        const auto back = parse_command(out.dump());
        if (!back) INFO(back.error().code << " " << back.error().field);
        REQUIRE(back.has_value());
        CHECK(back->provider == c->provider);
        CHECK(back->command_id == c->command_id);
        CHECK(back->command.index() == c->command.index());
        CHECK(liquida::gateway::to_json(back.value()) == out);
    }
    CHECK(count > 1000);
    CHECK(kinds.size() > 20);
}
