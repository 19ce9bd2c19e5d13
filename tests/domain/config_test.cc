#include <catch2/catch.hpp>

#include <algorithm>

#include "fixtures.h"

using namespace liquida::test;

namespace {

// The seeds' configuration with `fields` inserted among InSSSeP's (obras_sociales[1]) own.
liquida::result<Config, DomainError> insssep_with(const std::string& fields) {
    std::string text = read_source_file("ops/config/liquida.json");
    const std::string anchor = "\"payment_terms_days\": 30,\n      \"category_increments_bp\": {\"A\": 0, \"B\": 2000, \"C\": 3000},";
    REQUIRE(text.find(anchor) != std::string::npos);
    text.replace(text.find(anchor), 0, fields + ",\n      ");
    return parse_config(text);
}

// InSSSeP's fees labelled "2025-01", with these A8 updates.
liquida::result<Config, DomainError> with_updates(const std::string& updates) {
    return insssep_with("\"fee_version\": \"2025-01\", \"fee_updates\": " + updates);
}

}  // namespace

TEST_CASE("the seeds' configuration loads: three insurers and the colegio's retentions", "[domain][config][O1][S3]") {
    const Config& c = seed_config();
    REQUIRE(c.obras_sociales.size() == 3);
    CHECK(c.obra_social(kSancor)->practice("330101")->weekly_limit == WeeklyLimit{1, 7});
    CHECK(c.obra_social(kInsssep)->practice("020900")->requires_faces);
    CHECK(c.obra_social(kIoma)->invoice_attachments.size() == 5);
    CHECK(c.retentions.size() == 3);
    // O1: SanCor (004) takes no patient signature; the others what the colegio asks (000).
    CHECK_FALSE(c.obra_social(kSancor)->order_signatures.patient_signature);
    CHECK(c.obra_social(kSancor)->order_signatures.professional_stamp);
    CHECK(c.obra_social(kInsssep)->order_signatures.patient_signature);
    // A1/A10: SanCor's sheet prints the affiliate's name and plan, and points out F800 and S800V (004).
    CHECK(c.obra_social(kSancor)->required_budget_fields == std::vector<std::string>{"affiliate_name", "plan"});
    CHECK(c.obra_social(kSancor)->flagged_plans == std::vector<std::string>{"F800", "S800V"});
    CHECK(c.obra_social(kInsssep)->required_budget_fields.empty());
    CHECK(c.from_seeds.contains("sancor.flagged_plans"));
}

TEST_CASE("bad configuration is rejected with the path of the field", "[domain][config]") {
    std::string text = read_source_file("ops/config/liquida.json");
    CHECK(parse_config("{").error().field == "$");
    const auto broken = [&](const std::string& from, const std::string& to) {
        std::string t = text;
        t.replace(t.find(from), from.size(), to);
        auto r = parse_config(t);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == "config.invalid");
        CHECK_THAT(r.error().message, Catch::Contains("Configuración inválida en " + r.error().field + ": "));
        return r.error().field;
    };
    CHECK(broken("\"fee\": 1500000", "\"fee\": -1") == "$.obras_sociales[0].practices[0].fee");
    CHECK(broken("\"code\": \"100100\"", "\"code\": \"10010\"") == "$.obras_sociales[1].practices[0].code");
    CHECK(broken("\"rate_bp\": 500", "\"rate_bp\": 500, \"fixed\": 1") == "$.retentions[0].rate_bp");
    CHECK(broken("{\"A\": 0, \"B\": 0, \"C\": 0}", "{\"A\": 0}") == "$.obras_sociales[2].category_increments_bp.B");
    CHECK(broken("[5, 9]", "[13]") == "$.enrollment_months[0]");
    CHECK(broken("\"id\": \"ioma\"", "\"id\": \"sancor\"") == "$.obras_sociales[2].id");
    CHECK(broken("[\"professional_signature\", \"professional_stamp\"]", "[\"professional_signature\", \"huella\"]") ==
          "$.obras_sociales[0].order_signatures");
    CHECK(broken("[\"professional_signature\", \"professional_stamp\"]", "\"professional_stamp\"") ==
          "$.obras_sociales[0].order_signatures");
    CHECK(broken("[\"affiliate_name\", \"plan\"]", "[\"affiliate_name\", \"edad\"]") == "$.obras_sociales[0].required_budget_fields");
    CHECK(broken("[\"F800\", \"S800V\"]", "[\"F800\", \"\"]") == "$.obras_sociales[0].flagged_plans[1]");
    CHECK(broken("\"up_to\": 2000000, \"days\": 15", "\"up_to\": 2000000, \"days\": 60") == "$.obras_sociales[0].short_payment_terms.days");
    CHECK(broken("\"up_to\": 2000000", "\"up_to\": 0") == "$.obras_sociales[0].short_payment_terms.up_to");
    CHECK(broken("\"gastos_share_bp\": 3000", "\"gastos_share_bp\": 10001") == "$.obras_sociales[1].gastos_share_bp");
    CHECK(broken("\"gastos_share_bp\": 3000", "\"gastos_share_bp\": \"30%\"") == "$.obras_sociales[1].gastos_share_bp");
    // A value the seeds vouch for must be one of the configuration's, with where it shows.
    CHECK(broken("\"insssep.practices.020800.fee\"", "\"insssep.practices.020801.fee\"") == "$.from_seeds.insssep.practices.020801.fee");
    CHECK(broken("\"003: Monto Total del Trámite: 355968\"", "\"\"") == "$.from_seeds.ioma.practices.990101.fee");
}

TEST_CASE("the configuration says which amounts come from the seeds and which are placeholders", "[domain][config]") {
    const Config& c = seed_config();
    CHECK(c.from_seeds.at("insssep.practices.020800.fee") == "002: Total $16051,84");  // 1605184 centavos
    CHECK(c.obra_social(kInsssep)->practice("020800")->fee == 1'605'184);
    CHECK(c.obra_social(kIoma)->practice("990101")->fee == 35'596'800);  // 003: 355968 pesos
    const auto names = value_names(c);
    for (const auto& [name, where] : c.from_seeds) CHECK(std::find(names.begin(), names.end(), name) != names.end());
    const auto guessed = placeholders(c);
    // Every fee, category increment and retention the seeds do not show, and nothing else.
    CHECK(guessed.size() == 9 + 3 * 3 + 3 - 2 + 1 + 1);  // + SanCor's short terms' amount, InSSSeP's gastos share
    for (const char* seen : {"insssep.practices.020800.fee", "ioma.practices.990101.fee", "insssep.boca", "sancor.token_exception_code",
                             "insssep.consumption_affiliate_signature"})
        CHECK(std::find(guessed.begin(), guessed.end(), seen) == guessed.end());
    for (const char* guess : {"sancor.practices.330101.fee", "insssep.category_increments_bp.B", "retentions.iibb.rate_bp",
                              "retentions.other.fixed", "insssep.gastos_share_bp"})
        CHECK(std::find(guessed.begin(), guessed.end(), guess) != guessed.end());
}

TEST_CASE("A8 aranceles have versions: each update applies from its date, to the practices it names", "[domain][config][A8]") {
    const auto parsed = with_updates(R"([{"version": "2025-07", "effective_from": "2025-07-01", "fees": {"020800": 1700000}},
        {"version": "2025-10 reajuste", "effective_from": "2025-10-15", "fees": {"020800": 1800000, "100100": 1300000}}])");
    REQUIRE(parsed.has_value());
    const ObraSocialConfig& os = *parsed->obra_social(kInsssep);
    const PracticeConfig& composite = *os.practice("020800");
    const PracticeConfig& extraccion = *os.practice("100100");
    const auto arancel = [&](const PracticeConfig& p, int32_t y, uint32_t m, uint32_t d) {
        const Date day = date_from_civil(y, m, d);
        return std::pair{os.fee_on(p, day), os.fee_version_on(day)};
    };
    CHECK(arancel(composite, 2025, 6, 30) == std::pair{Centavos{1'605'184}, std::string("2025-01")});
    CHECK(arancel(composite, 2025, 7, 1) == std::pair{Centavos{1'700'000}, std::string("2025-07")});
    // An update that does not name a practice leaves its fee, under the new version.
    CHECK(arancel(extraccion, 2025, 7, 1) == std::pair{Centavos{1'200'000}, std::string("2025-07")});
    CHECK(arancel(extraccion, 2025, 10, 15) == std::pair{Centavos{1'300'000}, std::string("2025-10 reajuste")});
    CHECK(arancel(composite, 2026, 1, 1) == std::pair{Centavos{1'800'000}, std::string("2025-10 reajuste")});
    CHECK(os.fee_version_on(date_from_civil(2025, 10, 14)) == "2025-07");
    CHECK(parsed->obra_social(kSancor)->fee_version == "inicial");  // none named
    // What a provider may look at: the schedule in force, the one before and any announced.
    const auto versions = [&](int32_t y, uint32_t m, uint32_t d) {
        std::vector<std::string> out;
        for (const FeeSchedule& s : os.recent_schedules(date_from_civil(y, m, d))) {
            CHECK(s.fees.size() == os.practices.size());
            out.emplace_back(s.version);
        }
        return out;
    };
    CHECK(versions(2025, 6, 1) == std::vector<std::string>{"2025-01", "2025-07", "2025-10 reajuste"});
    CHECK(versions(2025, 10, 14) == std::vector<std::string>{"2025-01", "2025-07", "2025-10 reajuste"});
    CHECK(versions(2025, 10, 15) == std::vector<std::string>{"2025-07", "2025-10 reajuste"});
    const auto last = os.recent_schedules(date_from_civil(2025, 12, 1)).back();
    CHECK(last.effective_from == date_from_civil(2025, 10, 15));
    CHECK(last.fees.at("020800") == 1'800'000);
    CHECK(last.fees.at("020900") == 1'653'331);  // never updated
    // Each updated fee is a value of the configuration, and a placeholder unless a seed shows it.
    const auto guessed = placeholders(*parsed);
    for (const char* name : {"insssep.fee_updates.2025-07.020800", "insssep.fee_updates.2025-10 reajuste.100100"})
        CHECK(std::find(guessed.begin(), guessed.end(), name) != guessed.end());
}

TEST_CASE("A8 arancel updates and fee versions that are not valid are rejected with the path of the field", "[domain][config][A8]") {
    const auto refused = [&](const std::string& updates) {
        const auto r = with_updates(updates);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code == "config.invalid");
        return r.error().field;
    };
    const std::string u = "$.obras_sociales[1].fee_updates";
    CHECK(refused(R"([{"version": "2025-07", "effective_from": "2025-07-01", "fees": {"990101": 1}}])") == u + "[0].fees.990101");
    CHECK(refused(R"([{"version": "2025-07", "effective_from": "2025-07-01", "fees": {"020800": 0}}])") == u + "[0].fees.020800");
    CHECK(refused(R"([{"version": "2025-07", "effective_from": "2025-07-01", "fees": {}}])") == u + "[0].fees");
    CHECK(refused(R"([{"version": "2025-07", "effective_from": "1/7/2025", "fees": {"020800": 1}}])") == u + "[0].effective_from");
    CHECK(refused(R"([{"version": "2025-01", "effective_from": "2025-07-01", "fees": {"020800": 1}}])") == u + "[0].version");
    CHECK(refused(R"([{"version": "a\tb", "effective_from": "2025-07-01", "fees": {"020800": 1}}])") == u + "[0].version");
    CHECK(refused(R"([{"version": ")" + std::string(41, 'v') + R"(", "effective_from": "2025-07-01", "fees": {"020800": 1}}])") ==
          u + "[0].version");
    CHECK(refused(R"([{"version": "2025-07", "effective_from": "2025-07-01", "fees": {"020800": 1}},
                      {"version": "2025-06", "effective_from": "2025-06-01", "fees": {"020800": 2}}])") == u + "[1].effective_from");
    CHECK(refused(R"([{"version": "2025-07", "effective_from": "2025-07-01", "fees": {"020800": 1}},
                      {"version": "2025-08", "effective_from": "2025-07-01", "fees": {"020800": 2}}])") == u + "[1].effective_from");
    CHECK(refused(R"([{"version": "2025-07", "effective_from": "2025-07-01", "fees": {"020800": 1}},
                      {"version": "2025-07", "effective_from": "2025-08-01", "fees": {"020800": 2}}])") == u + "[1].version");
    CHECK(refused(R"([{"version": "2025-07", "effective_from": "2025-07-01", "fees": {"020800": 100000000001}}])") ==
          u + "[0].fees.020800");
    std::string many = "[";
    for (int i = 1; i <= 25; ++i)
        many += std::string(i > 1 ? "," : "") + R"({"version": "v)" + std::to_string(i) + R"(", "effective_from": "2026-01-)" +
                (i < 10 ? "0" : "") + std::to_string(i) + R"(", "fees": {"020800": 1}})";
    CHECK(refused(many + "]") == u);
    CHECK(with_updates(many.substr(0, many.rfind(",{")) + "]").has_value());  // 24 are allowed
    // The configured fees' own version: a label like the updates'.
    const auto bad_version = insssep_with("\"fee_version\": \"a\\u0001b\"");
    REQUIRE_FALSE(bad_version.has_value());
    CHECK(bad_version.error().field == "$.obras_sociales[1].fee_version");
    CHECK(refused(R"({"version": "2025-07"})") == u);
}
