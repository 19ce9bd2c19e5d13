// docs/DOMAIN.md is where a client's developer learns what each rejection means: every code the
// domain can answer must be there. The codes are read from the domain's sources, as written in
// its reject(...), error(...) and DomainError{...}; a shared check's code(area, "x") is listed as
// `<area>.x`.
#include <catch2/catch.hpp>

#include <cctype>
#include <regex>
#include <set>
#include <vector>

#include "fixtures.h"

using namespace liquida::test;

namespace {

std::set<std::string> matches(const std::string& text, const std::regex& re) {
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) out.insert((*it)[1].str());
    return out;
}

}  // namespace

TEST_CASE("docs/DOMAIN.md lists every error code the domain answers", "[domain][docs]") {
    const std::string docs = read_source_file("docs/DOMAIN.md");
    const std::regex literal(R"re((?:reject|error)\(\s*"([a-z_]+\.[a-z_0-9]+)"|DomainError\{\s*"([a-z_]+\.[a-z_0-9]+)")re");
    const std::regex shared(R"re(code\(\s*area\s*,\s*"([a-z_0-9]+)"\))re");
    std::set<std::string> codes, shared_codes;
    for (const std::string& file : source_files("domain")) {
        if (!file.ends_with(".cc") && !file.ends_with(".h")) continue;
        const std::string text = read_source_file(file);
        for (auto it = std::sregex_iterator(text.begin(), text.end(), literal); it != std::sregex_iterator(); ++it)
            codes.insert((*it)[1].matched ? (*it)[1].str() : (*it)[2].str());
        for (const std::string& suffix : matches(text, shared)) shared_codes.insert("<area>." + suffix);
    }
    // The sources hold dozens of each; an empty set would mean the patterns no longer match them.
    REQUIRE(codes.size() > 100);
    REQUIRE(shared_codes.size() > 5);
    CHECK(codes.contains("budget.weekly_limit_exceeded"));
    CHECK(codes.contains("money.overflow"));
    CHECK(shared_codes.contains("<area>.provider_not_in_padron"));
    const auto listed = [&](const std::string& code) {
        for (size_t at = docs.find(code); at != std::string::npos; at = docs.find(code, at + 1)) {
            const auto boundary = [](char c) { return !(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'); };
            const size_t end = at + code.size();
            if ((at == 0 || boundary(docs[at - 1]) || code.starts_with("<")) && (end == docs.size() || boundary(docs[end]))) return true;
        }
        return false;
    };
    for (const std::string& code : codes) {
        INFO(code);
        CHECK(listed(code));
    }
    for (const std::string& code : shared_codes) {
        INFO(code);
        CHECK(listed(code));
    }
}
