#include "projections/keys.h"

#include <algorithm>

#include "domain/queries.h"
#include "projections/row_codec.h"

namespace liquida::projections::keys {

using codec::put_be;

std::string provider_key(ProviderId p) {
    std::string k;
    put_be(k, p.value(), 8);
    return k;
}
std::string transaction_key(const domain::TransactionRef& t) {
    std::string k;
    put_be(k, t.boca, 4);
    k += t.serie;
    k.push_back('\0');
    put_be(k, t.number, 8);
    return k;
}
std::string pending_key(ProviderId p, const domain::TransactionRef& t, uint32_t item) {
    std::string k = provider_key(p) + transaction_key(t);
    put_be(k, item, 4);
    return k;
}
std::string settlement_prefix(Period period, const std::string* os) {
    std::string k;
    put_be(k, static_cast<uint64_t>(period.yyyymm()), 4);
    if (os != nullptr) {
        k += *os;
        k.push_back('\0');
    }
    return k;
}
std::string settlement_key(Period period, const ObraSocialId& os, ProviderId p) {
    return settlement_prefix(period, &os.value()) + provider_key(p);
}
std::string offset_key(const events::TopicPartition& tp) {
    std::string k = tp.topic;
    k.push_back('\0');
    put_be(k, static_cast<uint32_t>(tp.partition), 4);
    return k;
}

std::string readable_key(Cf cf, std::string_view key) {
    auto take = [&](int bytes) {
        const uint64_t v = codec::get_be(key, bytes);
        key.remove_prefix(std::min(key.size(), static_cast<size_t>(bytes)));
        return v;
    };
    auto text = [&] {
        const size_t end = std::min(key.find('\0'), key.size());
        std::string v(key.substr(0, end));
        key.remove_prefix(std::min(key.size(), end + 1));
        return v;
    };
    switch (cf) {
        case kPending: {
            const uint64_t provider = take(8);
            domain::TransactionRef t;
            t.boca = static_cast<uint32_t>(take(4));
            t.serie = text();
            t.number = take(8);
            return std::to_string(provider) + "/" + domain::transaction_label(t) + "/" + std::to_string(take(4));
        }
        case kSettlement: {
            const Period period = Period::from_yyyymm(static_cast<int32_t>(take(4)));
            const std::string os = text();
            return domain::to_string(period) + "/" + os + "/" + std::to_string(take(8));
        }
        case kInvoices:
        case kOrders: {
            const uint64_t provider = take(8);
            return std::to_string(provider) + "/" + std::string(key);
        }
        default: return std::to_string(take(8));
    }
}

std::optional<View> followed(Cf cf) {
    switch (cf) {
        case kPadron: return View::padron;
        case kPending: return View::pending;
        case kSettlement: return View::settlement;
        case kInvoices: return View::invoices;
        case kOrders: return View::orders;
        default: return std::nullopt;
    }
}

}  // namespace liquida::projections::keys
