#include "gateway/json.h"

#include <algorithm>
#include <array>
#include <concepts>
#include <exception>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>

#include "domain/names.h"
#include "events/sha256.h"
#include "gateway/codes.h"

namespace liquida::gateway {
namespace {

using domain::DomainError;
using nlohmann::json;

// --- Roles, one bit each (a command's issuers, below) ---

constexpr size_t kCommandKinds = std::variant_size_v<domain::Command>;

constexpr uint8_t kC = 1U << static_cast<uint8_t>(Role::colegio);
constexpr uint8_t kP = 1U << static_cast<uint8_t>(Role::prestador);
constexpr uint8_t kO = 1U << static_cast<uint8_t>(Role::obra_social);

// --- Enum names (the snake_case of domain/events.h; values index the arrays) ---

template <class E>
struct EnumNames;
template <>
struct EnumNames<domain::IvaCondition> {
    static constexpr const auto& names = domain::kIvaConditionNames;
};
template <>
struct EnumNames<domain::DocumentType> {
    static constexpr const auto& names = domain::kDocumentTypeNames;
};
template <>
struct EnumNames<domain::DiagnosisType> {
    static constexpr const auto& names = domain::kDiagnosisTypeNames;
};
template <>
struct EnumNames<domain::CredentialType> {
    static constexpr const auto& names = domain::kCredentialTypeNames;
};
template <>
struct EnumNames<domain::ItemResult> {
    static constexpr const auto& names = domain::kItemResultNames;
};
template <>
struct EnumNames<domain::ComprobanteType> {
    static constexpr const auto& names = domain::kComprobanteNames;
};
template <>
struct EnumNames<domain::BillingType> {
    static constexpr const auto& names = domain::kBillingTypeNames;
};
template <>
struct EnumNames<domain::RetentionKind> {
    static constexpr const auto& names = domain::kRetentionKindNames;
};
template <>
struct EnumNames<domain::AttachmentKind> {
    static constexpr const auto& names = domain::kAttachmentKindNames;
};
template <>
struct EnumNames<domain::TipoFacturacion> {
    static constexpr const auto& names = domain::kTipoFacturacionNames;
};
template <>
struct EnumNames<events::ActorRole> {
    static constexpr const auto& names = events::kActorRoleNames;
};

template <class E>
std::string enum_list() {
    std::string out;
    for (std::string_view n : EnumNames<E>::names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

// --- Members of each struct, in declaration order ---

// How a member is read: by its type, or with an exception to the type's rule.
enum class Spec : uint8_t {
    by_type,   // texts, booleans, lists and optionals may be omitted; everything else is required
    may_omit,  // absent or null keeps the default (a budget line's tooth: 0 = none)
    instant,   // an int64 instant: integer ms, or ISO-8601 with an offset
};

using namespace domain;  // NOLINT: the tables below name every domain struct

// The members read otherwise than by their type.
constexpr std::tuple kReadAs{
    std::pair{&BudgetLine::tooth, Spec::may_omit},  // 0: no tooth
    std::pair{&BudgetLine::quantity, Spec::may_omit},
    std::pair{&SubmitBudget::credential_type, Spec::may_omit},
    std::pair{&ConsumePractices::performed_at, Spec::instant},
    std::pair{&CancelTransaction::item, Spec::may_omit},  // 0: the whole transaction
};
template <class A, class B>
constexpr bool same_member(A a, B b) {
    if constexpr (std::is_same_v<A, B>) return a == b;
    else return false;
}
template <class P>
constexpr Spec read_as(P member) {
    Spec out = Spec::by_type;
    std::apply([&](const auto&... e) { ((out = same_member(e.first, member) ? e.second : out), ...); }, kReadAs);
    return out;
}

// Fields<T>::each(v, s) calls v(name, s.member, spec) for every member domain/events.h and
// domain/commands.h describe beside T; S is T or const T, so one list serves the reader and the
// writer.
template <class T>
struct Fields {
    static constexpr bool described = false;
};
template <class T>
concept Described = Fields<T>::described;

template <domain::Described T>
struct Members {
    static constexpr bool described = true;
    template <class V, class S>
    static void each(V& v, S& s) {
        domain::for_each_member(s, [&](const auto& m, auto& member) { v(m.name, member, read_as(m.pointer)); });
    }
};
template <domain::Described T>
struct Fields<T> : Members<T> {};

// Commands (domain/commands.h), one line each: the roles that may issue it (the rules that say
// so, docs/DOMAIN.md). Its name is the domain's (domain::kCommandName).
#define LIQUIDA_COMMAND(Type, issuers)                                       \
    template <>                                                              \
    struct Fields<Type> : Members<Type> {                                    \
        static constexpr std::string_view name = domain::kCommandName<Type>; \
        static constexpr uint8_t roles = issuers;                            \
    };
LIQUIDA_COMMAND(RegisterProvider, kC | kP /* P6: the provider declares its data */)
LIQUIDA_COMMAND(UpdateProvider, kC | kP /* P6 */)
LIQUIDA_COMMAND(AdhereToObraSocial, kC | kP /* P6: adheres to an insurer's convenio */)
LIQUIDA_COMMAND(UploadDocument, kC | kP /* P1: the provider uploads */)
LIQUIDA_COMMAND(VerifyDocument, kC /* P1: the secretaría verifies */)
LIQUIDA_COMMAND(ExpireDocumentsDue, kC /* P2: housekeeping */)
LIQUIDA_COMMAND(EnrollInPadron, kC /* P2, P3: the colegio enrolls */)
LIQUIDA_COMMAND(LeavePadron, kC | kP /* P5: the provider may leave */)
LIQUIDA_COMMAND(LoadOrder, kC | kP /* O1, O2: the provider loads */)
LIQUIDA_COMMAND(ApproveOrder, kC /* O2: the secretaría reviews */)
LIQUIDA_COMMAND(RejectOrder, kC /* O2 */)
LIQUIDA_COMMAND(CheckEligibility, kC | kP | kO /* A1: asked by the provider, the insurer's answer recorded */)
LIQUIDA_COMMAND(IssueToken, kC | kO /* A2: the insurer generates tokens */)
LIQUIDA_COMMAND(SubmitBudget, kC | kP /* A1-A7: the provider submits */)
LIQUIDA_COMMAND(ResolveBudgetAudit, kC | kO /* A7: the insurer's auditoría */)
LIQUIDA_COMMAND(ConsumePractices, kC | kP /* A8 */)
LIQUIDA_COMMAND(CancelTransaction, kC | kP /* A9 */)
LIQUIDA_COMMAND(IssueInvoice, kC | kP /* F1, F2: the provider issues */)
LIQUIDA_COMMAND(SendInvoice, kC | kP /* F3, O4: sent by the provider (003) or by the colegio billing for it */)
LIQUIDA_COMMAND(ObserveInvoice, kC | kO /* F3: the insurer's states */)
LIQUIDA_COMMAND(AcceptInvoice, kC | kO /* F3 */)
LIQUIDA_COMMAND(IngresarInvoice, kC | kO /* F3 */)
LIQUIDA_COMMAND(RejectInvoice, kC | kO /* F3 */)
LIQUIDA_COMMAND(ApplyDebit, kC | kO /* S1: the insurer's audit debits */)
LIQUIDA_COMMAND(ResolveDebitAnalysis, kC | kO /* S1 */)
LIQUIDA_COMMAND(IssueCreditNote, kC | kP /* F5: the provider owes it */)
LIQUIDA_COMMAND(IssuePaymentOrder, kC | kO /* S2: the insurer pays */)
LIQUIDA_COMMAND(ApplyRetentions, kC /* S3: the colegio retains */)
LIQUIDA_COMMAND(PayProvider, kC /* S3: the colegio pays */)
LIQUIDA_COMMAND(IssueActa, kC | kO /* F2: the insurer's acta de autorización (003) */)
LIQUIDA_COMMAND(PresentBilling, kC /* F6: the colegio presents a period to an obra social (000) */)
LIQUIDA_COMMAND(DebitPresentation, kC | kO /* F6: the insurer's audit debits it */)
LIQUIDA_COMMAND(ApprovePresentation, kC | kO /* F6 */)
LIQUIDA_COMMAND(PayPresentation, kC | kO /* F6: the insurer pays it */)

#undef LIQUIDA_COMMAND

template <size_t I>
using command_t = std::variant_alternative_t<I, domain::Command>;
template <size_t... I>
constexpr std::array<std::string_view, sizeof...(I)> command_names_of(std::index_sequence<I...>) {
    return {Fields<command_t<I>>::name...};
}
template <size_t... I>
constexpr std::array<uint8_t, sizeof...(I)> issuers_of(std::index_sequence<I...>) {
    return {Fields<command_t<I>>::roles...};
}
// Index-aligned with domain::Command; a command without its LIQUIDA_COMMAND line does not build.
constexpr auto kCommandNames = command_names_of(std::make_index_sequence<kCommandKinds>{});
constexpr auto kIssuers = issuers_of(std::make_index_sequence<kCommandKinds>{});  // the table of gateway/json.h

// --- Errors ---

// Echoed user text, cut at a UTF-8 boundary so the error itself is always valid JSON text.
std::string shown(std::string_view s, size_t max = 64) {
    if (s.size() <= max) return std::string(s);
    size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0U) == 0x80U) --n;
    return std::string(s.substr(0, n)) + "…";
}

DomainError problem(ApiCode code, std::string message, std::string field) {
    return DomainError{std::string(code.name()), std::move(message), std::move(field)};
}
DomainError invalid_json(std::string message) { return problem("request.invalid_json", std::move(message), ""); }
DomainError missing(const std::string& path) { return problem("request.missing_field", "Falta el campo " + path + ".", path); }
DomainError wrong_type(const std::string& path, std::string_view expected) {
    return problem("request.wrong_type", "El campo " + path + " debe ser " + std::string(expected) + ".", path);
}
DomainError invalid_value(const std::string& path, std::string_view why) {
    return problem("request.invalid_value", "Valor inválido en " + path + ": " + std::string(why) + ".", path);
}

std::string join(const std::string& prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

// --- Reading values ---

using Err = std::optional<DomainError>;

using domain::kMaxInstant;

// The member's own name: "lines[2].faces" -> "faces".
std::string_view member_of(std::string_view path) {
    if (const auto dot = path.rfind('.'); dot != std::string_view::npos) path.remove_prefix(dot + 1);
    return path.substr(0, path.find('['));
}
size_t text_limit(std::string_view path) {
    const auto m = member_of(path);
    if (path == "command_id") return std::numeric_limits<size_t>::max();  // valid_command_id judges it
    return m == "clinical_summary" || m == "reason" ? kMaxFreeTextBytes : kMaxTextBytes;
}
size_t list_limit(std::string_view path) { return member_of(path) == "lines" ? kMaxBudgetLines : kMaxListItems; }
DomainError too_long(const std::string& path, size_t limit, std::string_view unit) {
    return problem("request.too_long", "El campo " + path + " supera el límite de " + std::to_string(limit) + " " + std::string(unit) + ".",
                   path);
}

Err read(const json& v, std::string& out, const std::string& path, Spec) {
    if (!v.is_string()) return wrong_type(path, "un texto");
    if (v.get_ref<const std::string&>().size() > text_limit(path)) return too_long(path, text_limit(path), "bytes");
    out = v.get_ref<const std::string&>();
    return {};
}
Err read(const json& v, domain::ObraSocialId& out, const std::string& path, Spec) {
    if (!v.is_string()) return wrong_type(path, "un texto (el código de la obra social)");
    if (v.get_ref<const std::string&>().size() > kMaxTextBytes) return too_long(path, kMaxTextBytes, "bytes");
    out = domain::ObraSocialId{v.get_ref<const std::string&>()};
    return {};
}
Err read(const json& v, bool& out, const std::string& path, Spec) {
    if (!v.is_boolean()) return wrong_type(path, "true o false");
    out = v.get<bool>();
    return {};
}
Err read(const json& v, domain::Date& out, const std::string& path, Spec) {
    if (!v.is_string()) return wrong_type(path, "una fecha AAAA-MM-DD (texto)");
    const auto d = domain::parse_date(v.get_ref<const std::string&>());
    if (!d) return invalid_value(path, "se esperaba una fecha existente AAAA-MM-DD");
    out = *d;
    return {};
}
Err read(const json& v, domain::Period& out, const std::string& path, Spec) {
    if (!v.is_string()) return wrong_type(path, "un período AAAA-MM (texto)");
    const auto p = domain::parse_period(v.get_ref<const std::string&>());
    if (!p) return invalid_value(path, "se esperaba un período AAAA-MM");
    out = *p;
    return {};
}

template <std::integral I>
    requires(!std::same_as<I, bool>)
Err read(const json& v, I& out, const std::string& path, Spec spec) {
    if (spec == Spec::instant) {
        const std::string_view expected = "un instante: milisegundos desde 1970 (entero) o AAAA-MM-DDTHH:MM:SS con zona (-03:00, Z)";
        int64_t t = 0;
        if (v.is_string()) {
            const auto parsed = domain::parse_instant(v.get_ref<const std::string&>());
            if (!parsed) return invalid_value(path, "se esperaba AAAA-MM-DDTHH:MM:SS con zona (-03:00, Z)");
            t = *parsed;
        } else if (v.is_number_unsigned()) {
            const auto u = v.get<uint64_t>();
            if (u > static_cast<uint64_t>(kMaxInstant)) return invalid_value(path, "instante fuera de rango");
            t = static_cast<int64_t>(u);
        } else if (v.is_number_integer()) {
            return invalid_value(path, "instante anterior a 1970");
        } else {
            return wrong_type(path, expected);
        }
        if (t < 0 || t > kMaxInstant) return invalid_value(path, "instante fuera de rango");
        if (!std::in_range<I>(t)) return invalid_value(path, "instante fuera de rango");
        out = static_cast<I>(t);
        return {};
    }
    // int64 members are money (Centavos); other integers are counts, numbers and ids.
    const std::string_view expected = std::same_as<I, int64_t> ? "un importe entero en centavos (sin decimales)" : "un número entero";
    if (!v.is_number_integer()) return wrong_type(path, expected);
    const bool fits = v.is_number_unsigned() ? std::in_range<I>(v.get<uint64_t>()) : std::in_range<I>(v.get<int64_t>());
    if (!fits) {
        return invalid_value(path, "fuera de rango (de " + std::to_string(std::numeric_limits<I>::min()) + " a " +
                                       std::to_string(std::numeric_limits<I>::max()) + ")");
    }
    out = v.is_number_unsigned() ? static_cast<I>(v.get<uint64_t>()) : static_cast<I>(v.get<int64_t>());
    return {};
}

template <class E>
    requires std::is_enum_v<E>
Err read(const json& v, E& out, const std::string& path, Spec) {
    if (!v.is_string()) return wrong_type(path, "un texto, uno de: " + enum_list<E>());
    const auto& text = v.get_ref<const std::string&>();
    const auto& names = EnumNames<E>::names;
    for (size_t i = 0; i < std::size(names); ++i) {
        if (names[i] == text) {
            out = static_cast<E>(i);
            return {};
        }
    }
    return invalid_value(path, "«" + shown(text) + "» no es uno de: " + enum_list<E>());
}

template <class T>
Err read(const json& v, std::optional<T>& out, const std::string& path, Spec spec);
template <class T>
Err read(const json& v, std::vector<T>& out, const std::string& path, Spec spec);
template <Described T>
Err read(const json& v, T& out, const std::string& path, Spec spec);

template <class T>
constexpr bool omittable_by_type() {
    return std::same_as<T, std::string> || std::same_as<T, bool>;
}
template <class T>
struct is_list_or_optional : std::false_type {};
template <class T>
struct is_list_or_optional<std::vector<T>> : std::true_type {};
template <class T>
struct is_list_or_optional<std::optional<T>> : std::true_type {};

// Reads the members of one JSON object into a struct. The first problem wins, except that an
// unknown member is reported before any other problem of the same object.
class ObjectReader {
public:
    ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

    template <class T>
    void operator()(std::string_view key, T& out, Spec spec = Spec::by_type) {
        known_.push_back(key);
        if (error_) return;
        const auto it = object_.find(key);
        if (it == object_.end() || it->is_null()) {
            const bool omittable = spec == Spec::may_omit || omittable_by_type<T>() || is_list_or_optional<T>::value;
            if (!omittable) error_ = missing(join(path_, key));
            return;
        }
        error_ = read(*it, out, join(path_, key), spec);
    }

    // A member read by the caller (the request's own: command, provider, command_id).
    void known(std::string_view key) { known_.push_back(key); }
    bool failed() const { return error_.has_value(); }
    void fail(DomainError e) {
        if (!error_) error_ = std::move(e);
    }
    const std::string& path() const { return path_; }

    Err finish() {
        for (auto it = object_.begin(); it != object_.end(); ++it) {
            const std::string& key = it.key();
            bool found = false;
            for (std::string_view k : known_) found = found || k == key;
            if (!found) {
                const std::string field = join(path_, shown(key));
                return problem("request.unknown_field", "Campo desconocido: " + field + ".", field);
            }
        }
        return std::move(error_);
    }

private:
    const json& object_;
    std::string path_;
    std::vector<std::string_view> known_;
    Err error_;
};

template <class T>
Err read(const json& v, std::optional<T>& out, const std::string& path, Spec spec) {
    T value{};
    if (auto e = read(v, value, path, spec)) return e;
    out = std::move(value);
    return {};
}

template <class T>
Err read(const json& v, std::vector<T>& out, const std::string& path, Spec spec) {
    if (!v.is_array()) return wrong_type(path, "una lista");
    if (v.size() > list_limit(path)) return too_long(path, list_limit(path), "elementos");
    out.clear();
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        const std::string at = path + "[" + std::to_string(i) + "]";
        if (v[i].is_null()) return missing(at);
        T item{};
        if (auto e = read(v[i], item, at, spec)) return e;
        out.push_back(std::move(item));
    }
    return {};
}

template <Described T>
Err read(const json& v, T& out, const std::string& path, Spec) {
    if (!v.is_object()) return wrong_type(path, "un objeto");
    ObjectReader r(v, path);
    Fields<T>::each(r, out);
    return r.finish();
}

// --- Writing values ---

json value(const std::string& s) { return s; }
json value(const domain::ObraSocialId& id) { return id.value(); }
json value(bool b) { return b; }
json value(domain::Date d) { return domain::to_string(d); }
json value(domain::Period p) { return domain::to_string(p); }
template <std::integral I>
    requires(!std::same_as<I, bool>)
json value(I i) {
    return i;
}
template <class E>
    requires std::is_enum_v<E>
json value(E e) {
    const auto i = static_cast<size_t>(e);
    const auto& names = EnumNames<E>::names;
    return i < std::size(names) ? json(names[i]) : json(i);
}
template <class T>
json value(const std::optional<T>& o);
template <class T>
json value(const std::vector<T>& list);
template <Described T>
json value(const T& s);

class ObjectWriter {
public:
    explicit ObjectWriter(json& out) : out_(out) {}
    template <class T>
    void operator()(std::string_view key, const T& member, Spec = Spec::by_type) {
        out_[std::string(key)] = value(member);
    }

private:
    json& out_;
};

template <class T>
json value(const std::optional<T>& o) {
    return o ? value(*o) : json(nullptr);
}
template <class T>
json value(const std::vector<T>& list) {
    json out = json::array();
    for (const T& item : list) out.push_back(value(item));
    return out;
}
template <Described T>
json value(const T& s) {
    json out = json::object();
    ObjectWriter w(out);
    Fields<T>::each(w, s);
    return out;
}

// --- Commands ---

using CommandParser = domain::Command (*)(ObjectReader&);

template <size_t I>
domain::Command parse_as(ObjectReader& r) {
    std::variant_alternative_t<I, domain::Command> c{};
    Fields<decltype(c)>::each(r, c);
    return domain::Command{std::in_place_index<I>, std::move(c)};
}
template <size_t... I>
constexpr std::array<CommandParser, sizeof...(I)> make_parsers(std::index_sequence<I...>) {
    return {&parse_as<I>...};
}
constexpr auto kParsers = make_parsers(std::make_index_sequence<kCommandKinds>{});

constexpr size_t kMaxDepth = 64;

// True when arrays and objects nest deeper than `limit` (checked before parsing, so no
// parser or destructor recursion ever sees deep input).
bool too_deep(std::string_view text, size_t limit) {
    size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

result<CommandRequest, DomainError> parse_unchecked(std::string_view body) {
    if (too_deep(body, kMaxDepth)) return failure{invalid_json("El cuerpo anida más de " + std::to_string(kMaxDepth) + " niveles.")};
    const json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return failure{invalid_json("El cuerpo no es JSON válido.")};
    if (!doc.is_object()) return failure{invalid_json("El cuerpo debe ser un objeto JSON.")};

    const auto cmd = doc.find("command");
    if (cmd == doc.end() || cmd->is_null()) return failure{missing("command")};
    if (!cmd->is_string()) return failure{wrong_type("command", "un texto (el nombre del comando)")};
    const auto& name = cmd->get_ref<const std::string&>();
    size_t index = kCommandKinds;
    for (size_t i = 0; i < kCommandKinds; ++i) {
        if (kCommandNames[i] == name) index = i;
    }
    if (index == kCommandKinds) {
        return failure{problem("request.unknown_command", "Comando desconocido: «" + shown(name) + "».", "command")};
    }

    CommandRequest out;
    out.name = kCommandNames[index];
    ObjectReader r(doc, "");
    r.known("command");
    r("command_id", out.command_id);
    if (!r.failed() && !out.command_id.empty() && !valid_command_id(out.command_id))
        r.fail(invalid_value("command_id", "de 1 a " + std::to_string(kMaxCommandId) + " caracteres ASCII visibles"));
    out.command = kParsers[index](r);
    // A provider's command names it; the colegio's own (F6) name none: their ledger is kColegio's.
    uint64_t provider = 0;
    const bool colegio = domain::colegio_command(out.command);
    r("provider", provider, colegio ? Spec::may_omit : Spec::by_type);
    if (!r.failed() && !colegio && provider == 0) r.fail(invalid_value("provider", "el prestador es un número desde 1"));
    if (!r.failed() && colegio && provider != 0) r.fail(invalid_value("provider", "la presentación es del colegio: no lleva prestador"));
    out.provider = colegio ? domain::kColegio : domain::ProviderId{provider};
    if (auto e = r.finish()) return failure{std::move(*e)};
    return out;
}

}  // namespace

result<CommandRequest, DomainError> parse_command(std::string_view body) {
    try {
        return parse_unchecked(body);
    } catch (const std::exception&) {
        // Only resource exhaustion gets here: every value is type-checked before it is read.
        return failure{invalid_json("No se pudo leer el cuerpo.")};
    }
}

json to_json(const CommandRequest& request) {
    json out = std::visit([](const auto& c) { return value(c); }, request.command);
    out["command"] = std::string(command_name(request.command));
    if (!domain::colegio_command(request.command)) out["provider"] = request.provider.value();
    out["command_id"] = request.command_id;
    return out;
}

std::string command_digest(domain::ProviderId provider, const domain::Command& command) {
    return events::Sha256().update(to_json(CommandRequest{"", provider, "", command}).dump()).hex();
}

bool valid_command_id(std::string_view id) noexcept {
    return !id.empty() && id.size() <= kMaxCommandId && std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::string_view command_name(const domain::Command& command) noexcept { return kCommandNames[command.index()]; }

const std::vector<std::string>& command_names() {
    static const std::vector<std::string> names(kCommandNames.begin(), kCommandNames.end());
    return names;
}

bool may_issue(Role role, size_t command_index) noexcept {
    const auto bit = static_cast<unsigned>(1U << static_cast<uint8_t>(role));
    return command_index < kCommandKinds && (kIssuers[command_index] & bit) != 0;
}
bool may_issue(Role role, const domain::Command& command) noexcept { return may_issue(role, command.index()); }

std::optional<domain::ObraSocialId> obra_social_of(const domain::Command& command) {
    return std::visit(
        [](const auto& c) -> std::optional<domain::ObraSocialId> {
            if constexpr (requires { c.obra_social; }) return c.obra_social;
            else return std::nullopt;
        },
        command);
}

json to_json(const domain::Event& event) {
    return std::visit([](const auto& e) { return value(e); }, event);
}

json to_json(const events::Envelope& e) {
    return {{"event_id", e.event_id.to_string()},   {"occurred_at", e.occurred_at},
            {"recorded_at", e.recorded_at},         {"actor_id", e.actor_id},
            {"actor_role", value(e.actor_role)},    {"command_id", e.command_id},
            {"correlation_id", e.correlation_id},   {"schema_version", e.schema_version},
            {"provider_id", e.provider_id.value()}, {"kind", std::string(domain::event_name(e.payload))},
            {"payload", to_json(e.payload)}};
}

}  // namespace liquida::gateway
