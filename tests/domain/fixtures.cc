#include "fixtures.h"

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace liquida::test {

std::string read_source_file(const std::string& relative) {
    std::ifstream in(std::string(LIQUIDA_SOURCE_DIR) + "/" + relative);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void check_generated(const std::string& relative, const std::string& begin, const std::string& end, const std::string& expected) {
    std::string text = read_source_file(relative);
    const size_t at = text.find(begin + "\n");
    const size_t until = text.find(end + "\n");
    INFO(relative << " needs the lines " << begin << " and " << end << ", in that order");
    REQUIRE(at != std::string::npos);
    REQUIRE(until != std::string::npos);
    REQUIRE(at < until);
    const size_t from = at + begin.size() + 1;
    const std::string listed = text.substr(from, until - from);
    if (listed != expected && std::getenv("LIQUIDA_WRITE_DOCS") != nullptr) {
        text.replace(from, until - from, expected);
        std::ofstream out(std::string(LIQUIDA_SOURCE_DIR) + "/" + relative, std::ios::binary | std::ios::trunc);
        out << text;
        REQUIRE(out.good());
        WARN(relative << ": rewritten between " << begin << " and " << end);
        return;
    }
    INFO("LIQUIDA_WRITE_DOCS=1 rewrites it; this is what it would be:\n" << expected);
    CHECK(listed == expected);
}

std::vector<std::string> source_files(const std::string& relative_dir) {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(LIQUIDA_SOURCE_DIR) + "/" + relative_dir))
        if (entry.is_regular_file()) out.push_back(relative_dir + "/" + entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

const Config& seed_config() {
    static const Config config = [] {
        auto parsed = parse_config(read_source_file("ops/config/liquida.json"));
        if (!parsed) FAIL("ops/config/liquida.json: " << parsed.error().message);
        return std::move(parsed).value();
    }();
    return config;
}

TimestampMs at(int32_t y, uint32_t m, uint32_t d, int hour, int minute) {
    return start_of_local_day(date_from_civil(y, m, d)) + (hour * 60LL + minute) * 60'000;
}

Decision Ledger::run(const Command& c, TimestampMs now) {
    Decision d = decide(state, c, now, *config);
    if (d) {
        for (const Event& e : d.value()) {
            evolve(state, e, now);
            log.push_back(RecordedEvent{e, now});
        }
    }
    return d;
}

std::vector<Event> Ledger::ok(const Command& c, TimestampMs now) {
    Decision d = run(c, now);
    if (!d) FAIL("rejected: " << d.error().code << " (" << d.error().field << "): " << d.error().message);
    return d.value();
}

std::string Ledger::error(const Command& c, TimestampMs now) {
    const ProviderLedger before = state;
    Decision d = run(c, now);
    REQUIRE_FALSE(d.has_value());
    CHECK(state == before);
    CHECK_FALSE(d.error().message.empty());
    return d.error().code;
}

std::vector<Command> padron_commands(std::string category) {
    std::vector<Command> out;
    out.push_back(RegisterProvider{"MP-1234", kCuit, "USAR - PARA PRUEBAS CONECT", IvaCondition::no_alcanzado, kCbu, std::move(category),
                                   false, "J. D. Peron 281, Salto Grande", "conectividad@example.com", "(3493) 423567"});
    out.push_back(AdhereToObraSocial{kSancor, "8481"});
    out.push_back(AdhereToObraSocial{kInsssep, "3-333"});
    out.push_back(AdhereToObraSocial{kIoma, "IOMA-77"});
    const DocumentType types[] = {DocumentType::rnp, DocumentType::afip, DocumentType::cbu, DocumentType::seguro, DocumentType::anexo1};
    for (DocumentType type : types) {
        const std::string id = "doc-" + std::to_string(static_cast<int>(type));
        out.push_back(UploadDocument{type, id, "s3://docs/" + id, date_from_civil(2030, 12, 31)});
        out.push_back(VerifyDocument{id, true, ""});
    }
    out.push_back(EnrollInPadron{});
    return out;
}

Ledger provider_in_padron(std::string category) {
    Ledger l;
    for (const Command& c : padron_commands(std::move(category))) l.ok(c, kInPadronAt);
    return l;
}

void in_padron_since(Ledger& l, Date since) {
    l.state.provider.enrolled_on = since;
    for (DocumentRecord& d : l.state.provider.documents) d.approved_at = start_of_local_day(since);
}

SubmitBudget insssep_budget(uint64_t transaction) {
    SubmitBudget b{transaction,
                   kInsssep,
                   "51868",
                   "59790",
                   "",
                   "",
                   "K029",
                   DiagnosisType::definitivo,
                   {BudgetLine{"100100", 18, ""}, BudgetLine{"20900", 17, "OM"}, BudgetLine{"20800", 25, "O"}},
                   "DIABETICO - Tipo 2",
                   {}};
    b.affiliate_name = "HERMOSI RAMON OSVALDO";
    b.plan = "Afiliado InSSSeP";
    return b;
}

IssueInvoice sancor_invoice(std::string id, Centavos amount, uint32_t number) {
    return IssueInvoice{std::move(id),
                        kSancor,
                        ComprobanteType::factura_b,
                        BillingType::original,
                        17,
                        number,
                        "71110383321640",
                        Period{2025, 6},
                        amount,
                        date_from_civil(2025, 6, 10),
                        "",
                        "",
                        attachments_for(kSancor)};
}

LoadOrder complete_order(std::string id, ObraSocialId os, std::string practice, Date attention) {
    return LoadOrder{
        std::move(id), std::move(os), "51868", std::move(practice), attention, true, true, true, {OrderField{"credential", "59790"}}};
}

std::vector<Attachment> attachments_for(const ObraSocialId& os) {
    std::vector<Attachment> out;
    for (AttachmentKind k : seed_config().obra_social(os)->invoice_attachments) out.push_back(Attachment{k, "file"});
    return out;
}

}  // namespace liquida::test
