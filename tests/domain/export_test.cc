// Text cells of the CSV, TXT and XLSX exports are made inert (OWASP CSV injection): no
// formula, no control characters; numbers stay numbers.
#include <catch2/catch.hpp>

#include "domain/names.h"
#include "fixtures.h"

using namespace liquida::test;

TEST_CASE("exports: text that starts like a formula gets a quote, control characters are dropped", "[domain][csv]") {
    CHECK(spreadsheet_text("=HYPERLINK(\"http://evil.example/\")") == "'=HYPERLINK(\"http://evil.example/\")");
    CHECK(spreadsheet_text("+54 11 4000") == "'+54 11 4000");
    CHECK(spreadsheet_text("-2+3") == "'-2+3");
    CHECK(spreadsheet_text("@SUM(A1)") == "'@SUM(A1)");
    CHECK(spreadsheet_text("\t=1+1") == "'=1+1");
    CHECK(spreadsheet_text("\rcmd") == "'cmd");                // started with a carriage return
    CHECK(spreadsheet_text(std::string("\0=1", 3)) == "'=1");  // a NUL in front hides nothing
    CHECK(spreadsheet_text(std::string("Odonto\0logía\x01\x1f\x7f S.A.\n", 22)) == "Odontología S.A.");
    CHECK(spreadsheet_text("USAR - PARA PRUEBAS") == "USAR - PARA PRUEBAS");  // only the first character counts
    CHECK(spreadsheet_text("a=b") == "a=b");
    CHECK(spreadsheet_text("'ya citado") == "'ya citado");
    CHECK(spreadsheet_text("") == "");
    CHECK(spreadsheet_text("\t\r\n") == "");            // nothing left to quote
    CHECK(spreadsheet_text("Peñaloza") == "Peñaloza");  // UTF-8 kept

    CHECK(to_csv_field("=1;2") == "\"'=1;2\"");
    CHECK(to_csv_field("=A1&\"x\"") == "\"'=A1&\"\"x\"\"\"");
    CHECK(to_csv_field("línea\nsegunda") == "líneasegunda");
    CHECK(to_csv_field("Clínica") == "Clínica");
}

TEST_CASE("exports: the A9 txt writes a hostile credential inert and keeps its columns", "[domain][csv][A9]") {
    AuthorizationRow row{at(2025, 6, 7),
                         "=cmd|'/C calc'!A0\t-1",
                         TransactionRef{88, "T", 11},
                         "@WEB(x)",
                         kInsssep,
                         "100100",
                         18,
                         "",
                         "autorizada",
                         -5,
                         "+PEREZ\nJUAN",
                         3};
    const std::string txt = render_txt({row});
    CHECK(txt.starts_with(
        "fecha\tcredencial\tnombre\ttransaccion\tcanal\tpractica\tdiente\tcaras\testado\tcantidad\timporte\tconsumo\ttipo_f\n"));
    CHECK(txt.find("2025-06-07\t'=cmd|'/C calc'!A0-1\t'+PEREZJUAN\t88-T-11\t'@WEB(x)\t100100\t18\t\tautorizada\t3\t-5\t\t\n") !=
          std::string::npos);
}
