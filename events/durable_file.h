// A small file replaced whole and durably: written to a temporary beside it, fsynced, renamed
// over it, and its directory fsynced, so after a crash it holds the old text or the new, never
// a mix. For the few files outside RocksDB that must survive a power loss (users, the test clock).
#pragma once

#include <string>
#include <string_view>

#include "events/errc.h"

namespace liquida::events {

// Replaces `path` with `text` (mode 0600 when created). An error says what failed; `path` is
// then unchanged.
result<ok_t> replace_file(const std::string& path, std::string_view text);

}  // namespace liquida::events
