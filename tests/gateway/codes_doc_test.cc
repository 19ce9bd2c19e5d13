// docs/API.md names every code the gateway, the service and the months answer of their own
// (gateway/codes.h, service/command_service.h, replay/months.h), and no other of their areas:
// a code added to a table without its line in the page, or one the page keeps after its code
// went, fails here.
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

#include "fixtures.h"
#include "gateway/codes.h"
#include "replay/months.h"
#include "service/command_service.h"

TEST_CASE("docs/API.md names exactly the codes of the gateway's, the service's and the months' tables", "[gateway][docs]") {
    std::set<std::string> tables;
    for (std::string_view c : liquida::gateway::kApiCodes) tables.insert(std::string(c));
    for (std::string_view c : liquida::replay::kMonthRefusals) tables.insert(std::string(c));
    for (std::string_view c : liquida::service::kRejectionCodes) tables.insert(std::string(c));
    std::set<std::string> areas;
    for (const auto& c : tables) areas.insert(c.substr(0, c.find('.')));

    const std::string page = liquida::test::read_source_file("docs/API.md");
    const std::regex code("`([a-z_]+)\\.([a-z_]+)`");
    std::set<std::string> named;
    for (auto it = std::sregex_iterator(page.begin(), page.end(), code); it != std::sregex_iterator(); ++it)
        if (areas.contains((*it)[1].str())) named.insert((*it)[1].str() + "." + (*it)[2].str());
    // The log's area has the events module's codes too (docs/OPERATIONS.md): of it, only the
    // tables' codes must be named.
    std::erase_if(named, [&](const std::string& c) { return c.starts_with("log.") && !tables.contains(c); });
    CHECK(named == tables);
}
