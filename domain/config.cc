#include "domain/config.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "domain/commands.h"
#include "domain/identity.h"
#include "domain/names.h"

namespace liquida::domain {
namespace {

using nlohmann::json;

failure<DomainError> bad(std::string path, const std::string& what) {
    std::string message = "Configuración inválida en " + path + ": " + what;
    return reject("config.invalid", std::move(message), std::move(path));
}

// Reads typed members of one JSON object; the first problem is kept with its path.
class Reader {
public:
    Reader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

    std::string at(std::string_view key) const { return path_ + "." + std::string(key); }
    bool ok() const { return !error_.has_value(); }
    failure<DomainError> error() const { return failure<DomainError>{*error_}; }

    const json* member(std::string_view key, bool required) {
        const auto it = object_.find(key);
        if (it == object_.end()) {
            if (required) fail(at(key), "falta el campo");
            return nullptr;
        }
        return &*it;
    }
    std::string text(std::string_view key, bool required = true) {
        const json* v = member(key, required);
        if (v == nullptr) return {};
        if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
            fail(at(key), "se esperaba un texto no vacío");
            return {};
        }
        return v->get<std::string>();
    }
    bool flag(std::string_view key) {
        const json* v = member(key, false);
        if (v == nullptr) return false;
        if (!v->is_boolean()) fail(at(key), "se esperaba true o false");
        return v->is_boolean() && v->get<bool>();
    }
    int64_t integer(std::string_view key, int64_t min, int64_t max, bool required = true, int64_t fallback = 0) {
        const json* v = member(key, required);
        if (v == nullptr) return fallback;
        if (!v->is_number_integer() || v->get<int64_t>() < min || v->get<int64_t>() > max) {
            fail(at(key), "se esperaba un entero entre " + std::to_string(min) + " y " + std::to_string(max));
            return fallback;
        }
        return v->get<int64_t>();
    }
    // An array member; missing counts as empty unless required.
    const json& array(std::string_view key, bool required = true) {
        static const json kEmpty = json::array();
        const json* v = member(key, required);
        if (v == nullptr) return kEmpty;
        if (!v->is_array()) {
            fail(at(key), "se esperaba una lista");
            return kEmpty;
        }
        return *v;
    }
    std::vector<std::string> texts(std::string_view key, bool required = true) {
        std::vector<std::string> out;
        const json& list = array(key, required);
        for (size_t i = 0; i < list.size(); ++i) {
            if (!list[i].is_string() || list[i].get_ref<const std::string&>().empty()) {
                fail(at(key) + "[" + std::to_string(i) + "]", "se esperaba un texto no vacío");
                return out;
            }
            out.push_back(list[i].get<std::string>());
        }
        return out;
    }
    void fail(const std::string& path, const std::string& what) {
        if (!error_) error_ = DomainError{"config.invalid", "Configuración inválida en " + path + ": " + what, path};
    }

private:
    const json& object_;
    std::string path_;
    std::optional<DomainError> error_;
};

std::string index_path(const std::string& list_path, size_t i) { return list_path + "[" + std::to_string(i) + "]"; }

std::optional<AttachmentKind> attachment_kind(std::string_view s) {
    for (size_t i = 0; i < std::size(kAttachmentKindNames); ++i)
        if (kAttachmentKindNames[i] == s) return static_cast<AttachmentKind>(i);
    return std::nullopt;
}

std::optional<RetentionKind> retention_kind(std::string_view s) {
    constexpr std::pair<std::string_view, RetentionKind> kKinds[] = {{"colegio_fee", RetentionKind::colegio_fee},
                                                                     {"iibb", RetentionKind::iibb},
                                                                     {"ganancias", RetentionKind::ganancias},
                                                                     {"iva", RetentionKind::iva},
                                                                     {"other", RetentionKind::other}};
    for (const auto& [name, kind] : kKinds) {
        if (name == s) return kind;
    }
    return std::nullopt;
}

constexpr int64_t kMaxFee = 1'000'000'000'00;  // a thousand million pesos

void read_practice(Reader& r, const std::string& path, PracticeConfig& p) {
    const std::string code = r.text("code");
    if (!r.ok()) return;
    if (!is_digits(code, 6)) r.fail(r.at("code"), "el código de práctica debe tener 6 dígitos");
    p.code = code;
    p.name = r.text("name");
    p.fee = r.integer("fee", 1, kMaxFee);
    p.requires_tooth = r.flag("requires_tooth");
    p.requires_faces = r.flag("requires_faces");
    p.requires_report = r.flag("requires_report");
    p.requires_authorization = r.flag("requires_authorization");
    p.audit = r.flag("audit");
    if (const json* limit = r.member("weekly_limit", false); limit != nullptr && r.ok()) {
        if (!limit->is_object()) return r.fail(path + ".weekly_limit", "se esperaba un objeto");
        Reader l(*limit, path + ".weekly_limit");
        p.weekly_limit =
            WeeklyLimit{static_cast<uint32_t>(l.integer("sessions", 1, 100)), static_cast<uint32_t>(l.integer("days", 1, 366))};
        if (!l.ok()) r.fail(l.error().error.field, l.error().error.message);
    }
}

// A fee schedule's version goes into every priced event: a label, like a plan.
bool version_name(std::string_view v) {
    return v.size() <= kMaxCodeBytes &&
           std::none_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// A8: `fee_updates`, in order of effective date, each naming configured practices.
void read_fee_updates(Reader& r, ObraSocialConfig& os) {
    const json& updates = r.array("fee_updates", false);
    if (updates.size() > ObraSocialConfig::kMaxFeeUpdates) return r.fail(r.at("fee_updates"), "a lo sumo 24 actualizaciones");
    for (size_t i = 0; i < updates.size() && r.ok(); ++i) {
        const std::string path = index_path(r.at("fee_updates"), i);
        if (!updates[i].is_object()) return r.fail(path, "se esperaba un objeto");
        Reader u(updates[i], path);
        FeeUpdate update;
        update.version = u.text("version");
        if (!version_name(update.version)) u.fail(u.at("version"), "a lo sumo 40 bytes, sin caracteres de control");
        const bool repeated =
            update.version == os.fee_version ||
            std::any_of(os.fee_updates.begin(), os.fee_updates.end(), [&](const FeeUpdate& f) { return f.version == update.version; });
        if (u.ok() && repeated) u.fail(u.at("version"), "versión repetida");
        const auto from = parse_date(u.text("effective_from"));
        if (u.ok() && !from) u.fail(u.at("effective_from"), "se esperaba una fecha AAAA-MM-DD");
        if (u.ok() && !os.fee_updates.empty() && from->days <= os.fee_updates.back().effective_from.days)
            u.fail(u.at("effective_from"), "las actualizaciones van en orden de vigencia");
        if (from) update.effective_from = *from;
        if (const json* fees = u.member("fees", true); fees != nullptr && u.ok()) {
            if (!fees->is_object() || fees->empty()) return r.fail(u.at("fees"), "se esperaba un objeto con al menos un arancel");
            Reader f(*fees, u.at("fees"));
            for (const auto& [code, value] : fees->items()) {
                if (os.practice(code) == nullptr) f.fail(f.at(code), "práctica no configurada");
                update.fees[code] = f.integer(code, 1, kMaxFee);
            }
            if (!f.ok()) u.fail(f.error().error.field, f.error().error.message);
        }
        if (!u.ok()) return r.fail(u.error().error.field, u.error().error.message);
        os.fee_updates.push_back(std::move(update));
    }
}

void read_obra_social(Reader& r, const Config& config, ObraSocialConfig& os) {
    os.id = ObraSocialId{r.text("id")};
    os.name = r.text("name");
    os.eligibility_identifiers = r.texts("eligibility_identifiers");
    for (const std::string& id : os.eligibility_identifiers) {
        if (id != "affiliate_number" && id != "dni" && id != "credential")
            r.fail(r.at("eligibility_identifiers"), "identificador desconocido " + id);
    }
    os.required_order_fields = r.texts("required_order_fields");
    os.required_budget_fields = r.texts("required_budget_fields", false);
    for (const std::string& name : os.required_budget_fields)
        if (std::find(std::begin(kBudgetAffiliateFields), std::end(kBudgetAffiliateFields), name) == std::end(kBudgetAffiliateFields))
            r.fail(r.at("required_budget_fields"), "dato desconocido " + name);
    os.flagged_plans = r.texts("flagged_plans", false);
    if (r.member("order_signatures", false) != nullptr) {  // absent: all three
        os.order_signatures = {false, false, false};
        for (const std::string& name : r.texts("order_signatures")) {
            const auto& marks = ObraSocialConfig::kOrderSignatures;
            const auto mark = std::find_if(std::begin(marks), std::end(marks), [&](const auto& m) { return m.first == name; });
            if (mark == std::end(marks)) r.fail(r.at("order_signatures"), "firma desconocida " + name);
            else os.order_signatures.*(mark->second) = true;
        }
    }
    os.token_required = r.flag("token_required");
    os.token_exception_code = r.text("token_exception_code", false);
    if (!os.token_exception_code.empty() && !is_digits(os.token_exception_code, 4))
        r.fail(r.at("token_exception_code"), "el token debe tener 4 dígitos");
    os.boca = static_cast<uint32_t>(r.integer("boca", 0, 9999, false));
    os.serie = r.text("serie", false);
    os.budget_auto_accept = r.flag("budget_auto_accept");
    os.bills_authorization = r.flag("bills_authorization");
    os.report_with_presentation = r.flag("report_with_presentation");
    os.consumption_affiliate_signature = r.flag("consumption_affiliate_signature");
    if (r.member("gastos_share_bp", false) != nullptr) os.gastos_share_bp = static_cast<uint32_t>(r.integer("gastos_share_bp", 0, 10'000));
    for (const std::string& a : r.texts("invoice_attachments", false)) {
        const auto kind = attachment_kind(a);
        if (!kind) r.fail(r.at("invoice_attachments"), "adjunto desconocido " + a);
        else os.invoice_attachments.push_back(*kind);
    }
    os.invoice_requires_authorization = r.flag("invoice_requires_authorization");
    os.bills_actas = r.flag("bills_actas");
    os.payment_terms_days = static_cast<uint32_t>(r.integer("payment_terms_days", 1, 365, false, 30));
    if (const json* terms = r.member("short_payment_terms", false); terms != nullptr && r.ok()) {
        if (!terms->is_object()) return r.fail(r.at("short_payment_terms"), "se esperaba un objeto");
        Reader t(*terms, r.at("short_payment_terms"));
        os.short_payment_terms =
            ObraSocialConfig::ShortTerms{t.integer("up_to", 1, kMaxFee), static_cast<uint32_t>(t.integer("days", 1, 365))};
        if (t.ok() && os.short_payment_terms->days >= os.payment_terms_days) t.fail(t.at("days"), "menos días que payment_terms_days");
        if (!t.ok()) return r.fail(t.error().error.field, t.error().error.message);
    }
    if (const json* inc = r.member("category_increments_bp", true); inc != nullptr && r.ok()) {
        if (!inc->is_object()) return r.fail(r.at("category_increments_bp"), "se esperaba un objeto");
        Reader c(*inc, r.at("category_increments_bp"));
        for (const std::string& category : config.provider_categories)
            os.category_increments_bp[category] = static_cast<uint32_t>(c.integer(category, 0, 100'000));
        if (inc->size() != config.provider_categories.size())
            c.fail(r.at("category_increments_bp"), "categorías distintas de provider_categories");
        if (!c.ok()) r.fail(c.error().error.field, c.error().error.message);
    }
    const json& practices = r.array("practices");
    std::set<std::string> codes;
    for (size_t i = 0; i < practices.size() && r.ok(); ++i) {
        const std::string ppath = index_path(r.at("practices"), i);
        if (!practices[i].is_object()) return r.fail(ppath, "se esperaba un objeto");
        Reader p(practices[i], ppath);
        PracticeConfig practice;
        read_practice(p, ppath, practice);
        if (p.ok() && !codes.insert(practice.code).second) p.fail(ppath + ".code", "código repetido");
        if (!p.ok()) return r.fail(p.error().error.field, p.error().error.message);
        os.practices.push_back(std::move(practice));
    }
    if (r.ok() && os.practices.empty()) r.fail(r.at("practices"), "al menos una práctica");
    if (r.member("fee_version", false) != nullptr) os.fee_version = r.text("fee_version");
    if (!version_name(os.fee_version)) r.fail(r.at("fee_version"), "a lo sumo 40 bytes, sin caracteres de control");
    if (r.ok()) read_fee_updates(r, os);
}

void read_retention(Reader& r, RetentionConfig& ret) {
    const auto kind = retention_kind(r.text("kind"));
    if (!r.ok()) return;
    if (!kind) return r.fail(r.at("kind"), "tipo de retención desconocido");
    ret.kind = *kind;
    ret.name = r.text("name");
    if (r.member("rate_bp", false) != nullptr) ret.rate_bp = static_cast<uint32_t>(r.integer("rate_bp", 1, 10'000));
    if (r.member("fixed", false) != nullptr) ret.fixed = r.integer("fixed", 1, kMaxFee);
    if (r.ok() && ret.rate_bp.has_value() == ret.fixed.has_value()) r.fail(r.at("rate_bp"), "indicar rate_bp o fixed, no ambos");
}

// Amounts and rates: what must come from an agreement, not from a guess.
bool priced(std::string_view name) {
    return name.ends_with(".fee") || name.ends_with(".short_payment_terms.up_to") || name.ends_with(".gastos_share_bp") ||
           name.find(".fee_updates.") != std::string_view::npos || name.find(".category_increments_bp.") != std::string_view::npos ||
           name.starts_with("retentions.");
}

}  // namespace

const PracticeConfig* ObraSocialConfig::practice(std::string_view code) const noexcept {
    const auto it = std::find_if(practices.begin(), practices.end(), [&](const PracticeConfig& p) { return p.code == code; });
    return it == practices.end() ? nullptr : &*it;
}

const ObraSocialConfig* Config::obra_social(const ObraSocialId& id) const noexcept {
    const auto it = std::find_if(obras_sociales.begin(), obras_sociales.end(), [&](const ObraSocialConfig& os) { return os.id == id; });
    return it == obras_sociales.end() ? nullptr : &*it;
}

Centavos ObraSocialConfig::fee_on(const PracticeConfig& p, Date day) const noexcept {
    Centavos fee = p.fee;
    for (const FeeUpdate& update : fee_updates) {
        if (update.effective_from.days > day.days) break;
        if (const auto it = update.fees.find(p.code); it != update.fees.end()) fee = it->second;
    }
    return fee;
}

const std::string& ObraSocialConfig::fee_version_on(Date day) const noexcept {
    const std::string* version = &fee_version;
    for (const FeeUpdate& update : fee_updates) {
        if (update.effective_from.days > day.days) break;
        version = &update.version;
    }
    return *version;
}

std::vector<FeeSchedule> ObraSocialConfig::recent_schedules(Date today) const {
    std::vector<FeeSchedule> all{FeeSchedule{fee_version, std::nullopt, {}}};
    for (const PracticeConfig& p : practices) all.front().fees[p.code] = p.fee;
    size_t in_force = 0;
    for (const FeeUpdate& update : fee_updates) {
        FeeSchedule next{update.version, update.effective_from, all.back().fees};
        for (const auto& [code, fee] : update.fees) next.fees[code] = fee;
        if (update.effective_from.days <= today.days) in_force = all.size();
        all.push_back(std::move(next));
    }
    all.erase(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(in_force == 0 ? 0 : in_force - 1));
    return all;
}

Date Config::due_on(const ObraSocialId& id, Date received, Centavos amount) const noexcept {
    const ObraSocialConfig* os = obra_social(id);
    uint32_t days = os == nullptr ? 30 : os->payment_terms_days;
    if (os != nullptr && os->short_payment_terms && amount <= os->short_payment_terms->up_to) days = os->short_payment_terms->days;
    return Date{received.days + static_cast<int32_t>(days)};
}

bool Config::has_category(std::string_view category) const noexcept {
    return std::find(provider_categories.begin(), provider_categories.end(), category) != provider_categories.end();
}

std::vector<std::string> value_names(const Config& config) {
    std::vector<std::string> out;
    for (const ObraSocialConfig& os : config.obras_sociales) {
        const std::string p = os.id.value() + ".";
        for (const auto& [category, bp] : os.category_increments_bp) out.push_back(p + "category_increments_bp." + category);
        if (!os.token_exception_code.empty()) out.push_back(p + "token_exception_code");
        if (os.boca != 0) out.push_back(p + "boca");
        if (!os.serie.empty()) out.push_back(p + "serie");
        out.push_back(p + "order_signatures");
        out.push_back(p + "payment_terms_days");
        if (os.short_payment_terms) {
            out.push_back(p + "short_payment_terms.up_to");
            out.push_back(p + "short_payment_terms.days");
        }
        if (!os.flagged_plans.empty()) out.push_back(p + "flagged_plans");
        if (os.bills_authorization) out.push_back(p + "bills_authorization");
        if (os.report_with_presentation) out.push_back(p + "report_with_presentation");
        if (os.consumption_affiliate_signature) out.push_back(p + "consumption_affiliate_signature");
        if (os.gastos_share_bp) out.push_back(p + "gastos_share_bp");
        if (os.bills_actas) out.push_back(p + "bills_actas");
        for (const PracticeConfig& pr : os.practices) {
            out.push_back(p + "practices." + pr.code + ".fee");
            out.push_back(p + "practices." + pr.code + ".requires_authorization");
            if (pr.weekly_limit) out.push_back(p + "practices." + pr.code + ".weekly_limit");
        }
        for (const FeeUpdate& update : os.fee_updates)
            for (const auto& [code, fee] : update.fees) out.push_back(p + "fee_updates." + update.version + "." + code);
    }
    for (const RetentionConfig& r : config.retentions)
        out.push_back("retentions." + name_of(kRetentionKindNames, static_cast<uint8_t>(r.kind)) + (r.rate_bp ? ".rate_bp" : ".fixed"));
    return out;
}

std::vector<std::string> placeholders(const Config& config) {
    std::vector<std::string> out;
    for (std::string& name : value_names(config))
        if (priced(name) && !config.from_seeds.contains(name)) out.push_back(std::move(name));
    return out;
}

result<Config, DomainError> parse_config(std::string_view text) {
    const json root = json::parse(text.begin(), text.end(), nullptr, false);
    if (root.is_discarded() || !root.is_object()) return bad("$", "no es un objeto JSON válido");
    Reader r(root, "$");
    Config config;
    config.provider_categories = r.texts("provider_categories");
    config.enrollment_months.clear();
    const json& months = r.array("enrollment_months");
    for (size_t i = 0; i < months.size(); ++i) {
        if (!months[i].is_number_integer() || months[i].get<int64_t>() < 1 || months[i].get<int64_t>() > 12)
            return bad(index_path(r.at("enrollment_months"), i), "mes entre 1 y 12");
        config.enrollment_months.push_back(months[i].get<uint32_t>());
    }
    config.order_window_last_day = static_cast<uint32_t>(r.integer("order_window_last_day", 1, 28));
    if (!r.ok()) return r.error();
    if (config.provider_categories.empty()) return bad(r.at("provider_categories"), "al menos una categoría");

    const json& list = r.array("obras_sociales");
    for (size_t i = 0; i < list.size() && r.ok(); ++i) {
        const std::string path = index_path(r.at("obras_sociales"), i);
        if (!list[i].is_object()) return bad(path, "se esperaba un objeto");
        Reader o(list[i], path);
        ObraSocialConfig os;
        read_obra_social(o, config, os);
        if (!o.ok()) return o.error();
        if (config.obra_social(os.id) != nullptr) return bad(path + ".id", "obra social repetida");
        config.obras_sociales.push_back(std::move(os));
    }
    if (!r.ok()) return r.error();
    if (config.obras_sociales.empty()) return bad(r.at("obras_sociales"), "al menos una obra social");

    const json& retentions = r.array("retentions");
    uint32_t total_rate = 0;
    for (size_t i = 0; i < retentions.size(); ++i) {
        const std::string path = index_path(r.at("retentions"), i);
        if (!retentions[i].is_object()) return bad(path, "se esperaba un objeto");
        Reader rr(retentions[i], path);
        RetentionConfig ret;
        read_retention(rr, ret);
        if (!rr.ok()) return rr.error();
        for (const RetentionConfig& other : config.retentions) {
            if (other.kind == ret.kind) return bad(path + ".kind", "tipo de retención repetido");
        }
        total_rate += ret.rate_bp.value_or(0);
        config.retentions.push_back(std::move(ret));
    }
    if (!r.ok()) return r.error();
    if (total_rate > 10'000) return bad(r.at("retentions"), "las alícuotas suman más del 100%");

    if (const json* seeds = r.member("from_seeds", false); seeds != nullptr) {
        if (!seeds->is_object()) return bad(r.at("from_seeds"), "se esperaba un objeto");
        const auto names = value_names(config);
        for (const auto& [name, where] : seeds->items()) {
            const std::string path = r.at("from_seeds") + "." + name;
            if (std::find(names.begin(), names.end(), name) == names.end()) return bad(path, "no es un valor de esta configuración");
            if (!where.is_string() || where.get_ref<const std::string&>().empty())
                return bad(path, "se esperaba el documento y lo que muestra");
            config.from_seeds[name] = where.get<std::string>();
        }
    }
    return config;
}

}  // namespace liquida::domain
