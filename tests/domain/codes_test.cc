// docs/DOMAIN.md is where a client's developer learns what each rejection means: it lists
// exactly the codes of domain/codes.h (the rules cannot answer another: Code is checked when
// compiled), a shared check's as `<area>.x`.
#include <catch2/catch.hpp>

#include <cctype>
#include <iterator>
#include <string>
#include <regex>
#include <set>
#include <vector>

#include "domain/codes.h"
#include "fixtures.h"

using namespace liquida::test;

namespace {

std::set<std::string> matches(const std::string& text, const std::regex& re) {
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) out.insert((*it)[1].str());
    return out;
}

}  // namespace

TEST_CASE("docs/DOMAIN.md lists exactly the error codes of domain/codes.h", "[domain][docs]") {
    const std::string docs = read_source_file("docs/DOMAIN.md");
    const auto listed = [&](const std::string& code) {
        for (size_t at = docs.find(code); at != std::string::npos; at = docs.find(code, at + 1)) {
            const auto boundary = [](char c) { return !(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'); };
            const size_t end = at + code.size();
            if ((at == 0 || boundary(docs[at - 1]) || code.starts_with("<")) && (end == docs.size() || boundary(docs[end]))) return true;
        }
        return false;
    };
    std::set<std::string> codes(std::begin(kCodes), std::end(kCodes));
    REQUIRE(codes.size() == std::size(kCodes));  // none twice
    for (const std::string& code : codes) {
        INFO(code);
        CHECK(listed(code));
    }
    std::set<std::string> shared;
    for (std::string_view what : kSharedCodes) {
        INFO(what);
        CHECK(listed("<area>." + std::string(what)));
        shared.insert(std::string(what));
    }
    // The other way: a code the page names is one the domain has, as written or as a shared
    // check's in some area. (A path such as domain/money.h is not a code.)
    std::string areas;
    for (std::string_view a : kAreas) areas += (areas.empty() ? "" : "|") + std::string(a);
    const std::regex named("(?:^|[^a-z_0-9./<`-])`?(" + areas + ")\\.([a-z_0-9]+)\\b(?![.(/])");
    size_t seen = 0;
    for (auto it = std::sregex_iterator(docs.begin(), docs.end(), named); it != std::sregex_iterator(); ++it, ++seen) {
        const std::string code = (*it)[1].str() + "." + (*it)[2].str();
        INFO(code);
        CHECK((codes.contains(code) || shared.contains((*it)[2].str())));
    }
    CHECK(seen > 150);
    // Codes built without Code, as DomainError{"..."}, are in the table too.
    const std::regex literal(R"re(DomainError\{\s*"([a-z_]+\.[a-z_0-9]+)")re");
    for (const std::string& file : source_files("domain"))
        for (const std::string& code : matches(read_source_file(file), literal)) {
            INFO(file << ": " << code);
            CHECK(codes.contains(code));
        }
}
