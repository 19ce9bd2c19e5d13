// F6 over HTTP: the colegio's presentations, on its own ledger, and the insurer's part in them.
#include "server_env.h"

namespace {

constexpr uint64_t kColegio = 0;  // the colegio's commands name no provider

}  // namespace

TEST_CASE_METHOD(SeededEnv, "gateway: the colegio presents June to SanCor, SanCor debits, approves and pays it, each sees its own",
                 "[gateway][views]") {
    const json settlement = get_json(h, "/v1/views/settlement?period=2025-06&obra_social=sancor&group=obra_social", t);
    REQUIRE(settlement["rows"].size() == 1);
    const int64_t approved = settlement["rows"][0]["total"].get<int64_t>();
    REQUIRE(approved > 0);
    env.move_to(at(2025, 6, 10, 12));
    const auto sancor = env.token(Role::obra_social, "sancor");
    const auto ioma = env.token(Role::obra_social, "ioma");
    const auto own = env.token(Role::prestador, std::to_string(kProvider));

    // Only the colegio presents, and a presentation names no provider.
    const PresentBilling june{"P-2025-06/1", kSancor, Period{2025, 6}, approved + 50'000};
    CHECK(post(h, sancor, kColegio, june).status() == 403);
    CHECK(post(h, own, kColegio, june).status() == 403);
    json named = json::parse(body_of(kColegio, june));
    named["provider"] = kProvider;
    auto r = h.request(http::verb::post, "/v1/commands", t, named.dump());
    CHECK(r.status() == 400);
    CHECK(r.code() == "request.invalid_value");
    CHECK(r.field() == "provider");
    const json accepted = ok(h, t, kColegio, june);
    CHECK(accepted["events"][0]["kind"] == "presentation_submitted");
    ok(h, t, kColegio, PresentBilling{"P-2025-06/2", kIoma, Period{2025, 6}, 1'000});

    // The insurer acts on its own presentation only.
    CHECK(post(h, ioma, kColegio, ApprovePresentation{"P-2025-06/1"}).status() == 403);
    ok(h, sancor, kColegio, DebitPresentation{"P-2025-06/1", "d-1", 50'000, "D01", "Orden sin firma"});
    ok(h, sancor, kColegio, ApprovePresentation{"P-2025-06/1"});
    r = post(h, sancor, kColegio, PayPresentation{"P-2025-06/1", "APB", "10118036", date_from_civil(2025, 8, 9), approved + 1, "RC-1"});
    CHECK(r.status() == 422);
    CHECK(r.code() == "payment_order.exceeds_balance");
    ok(h, sancor, kColegio, PayPresentation{"P-2025-06/1", "APB", "10118036", date_from_civil(2025, 8, 9), approved - 100, "RC-1"});

    // The view: each beside what the settlement approved for its period and obra social.
    const json all = get_json(h, "/v1/views/presentations?period=2025-06", t);
    REQUIRE(all["total"] == 2);
    const json& p = all["rows"][0];
    CHECK(p["presentation"] == "P-2025-06/1");
    CHECK(p["presented_on"] == "2025-06-10");
    CHECK(p["amount"] == approved + 50'000);
    CHECK(p["approved"] == approved);
    CHECK(p["difference"] == 50'000);
    CHECK(p["debited"] == 50'000);
    CHECK(p["paid"] == approved - 100);
    CHECK(p["outstanding"] == 100);
    CHECK(p["state"] == "aprobada");
    CHECK(p["payment_orders"] == "APB 10118036");
    CHECK(all["rows"][1]["approved"] == 0);  // nothing of IOMA's in June
    CHECK(all["rows"][1]["state"] == "presentada");
    const json mine = get_json(h, "/v1/views/presentations", sancor);
    REQUIRE(mine["total"] == 1);
    CHECK(mine["rows"][0]["presentation"] == "P-2025-06/1");
    CHECK(get_json(h, "/v1/views/presentations?period=2025-05", t)["total"] == 0);
    CHECK(h.get("/v1/views/presentations", own).status() == 403);
    r = h.get("/v1/views/presentations?provider=1042", t);
    CHECK(r.status() == 400);
    CHECK(r.field() == "provider");
    r = h.get("/v1/views/presentations?format=csv&obra_social=sancor", t);
    REQUIRE(r.status() == 200);
    const auto lines = lines_of(r.body().substr(3));
    REQUIRE(lines.size() == 2);
    CHECK(lines[1].find("P-2025-06/1;") == 0);
}
