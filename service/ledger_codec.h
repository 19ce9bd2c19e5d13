// Providers' domain ledgers as bytes: one ledger (the command path's state store) or all of
// them (a replay checkpoint). A local format, rebuilt from the log on a format change: the
// event structs inside the ledgers go through the event codec (events/codec.h), the rest
// field by field.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "domain/state.h"

namespace liquida::service {

using Ledgers = std::map<domain::ProviderId, domain::ProviderLedger>;

std::string encode_ledger(const domain::ProviderLedger& ledger);
// Nullopt when `bytes` is not a whole, well-formed ledger.
std::optional<domain::ProviderLedger> decode_ledger(std::string_view bytes);

std::string encode_ledgers(const Ledgers& ledgers);
// Nullopt when `bytes` is not a whole, well-formed snapshot.
std::optional<Ledgers> decode_ledgers(std::string_view bytes);

}  // namespace liquida::service
