// A provider's domain ledger as bytes, for the command path's state store. A local format, rebuilt from the log on a format change: the
// event structs inside the ledgers go through the event codec (events/codec.h), the rest
// field by field.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/state.h"

namespace liquida::service {

std::string encode_ledger(const domain::ProviderLedger& ledger);
// Nullopt when `bytes` is not a whole, well-formed ledger.
std::optional<domain::ProviderLedger> decode_ledger(std::string_view bytes);

}  // namespace liquida::service
