// One realistic envelope per event kind, for codec, golden and log tests.
#pragma once

#include <cstdint>
#include <vector>

#include "events/envelope.h"

namespace liquida::test {

// Exactly domain::kEventKinds envelopes, in variant index order (the i-th carries the i-th
// event kind), as schema `schema_version` writes them. Deterministic: fixed ids and
// timestamps. Every field of that version holds a non-default value, so a field the codec
// drops fails a round trip; fields of later versions are empty. The vN golden files decode to
// sample_envelopes(N): change a value here and tests/events/golden_test.cc fails.
std::vector<events::Envelope> sample_envelopes(uint16_t schema_version = events::kSchemaVersion);

}  // namespace liquida::test
