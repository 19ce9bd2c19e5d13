// The providers' domain ledgers at a checkpoint, on disk: what a replay from the checkpoint
// folds the month's events onto for A10 and F4, instead of every event since offset 0.
// A local format next to the checkpoint's views (rebuilt with them on a format change):
// the event structs inside the ledgers go through the event codec (events/codec.h), the rest
// field by field.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "domain/state.h"

namespace liquida::replay {

using Ledgers = std::map<domain::ProviderId, domain::ProviderLedger>;

std::string encode_ledgers(const Ledgers& ledgers);
// Nullopt when `bytes` is not a whole, well-formed snapshot.
std::optional<Ledgers> decode_ledgers(std::string_view bytes);

}  // namespace liquida::replay
