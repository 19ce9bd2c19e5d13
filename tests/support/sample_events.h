// One realistic envelope per event kind, for codec, golden and log tests.
#pragma once

#include <vector>

#include "events/envelope.h"

namespace liquida::test {

// Exactly domain::kEventKinds envelopes, in variant index order (the i-th carries the i-th
// event kind). Deterministic: fixed ids and timestamps. Every field holds a non-default
// value, so a field the codec drops fails a round trip. The v1 golden files decode to these
// envelopes: change a value here and tests/events/golden_test.cc fails.
std::vector<events::Envelope> sample_envelopes();

}  // namespace liquida::test
