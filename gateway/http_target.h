// The request target: its path and query parameters, percent-decoded. Transport only.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "domain/result.h"

namespace liquida::gateway {

using Query = std::map<std::string, std::string>;

// Limits of a target (docs/SECURITY.md). The whole target is already capped by the header limit.
inline constexpr size_t kMaxQueryParams = 32;

struct Target {
    std::string path;  // as sent: percent escapes in the path are not decoded
    Query query;       // decoded; '+' is a space; a repeated name keeps its last value
};

// A bad query parameter: 400 request.invalid_value with the parameter as the field.
struct BadParam {
    std::string field;
    std::string message;
};

// "%41" -> "A", "+" -> " "; a '%' not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view s);

// Never throws; more than kMaxQueryParams parameters is a BadParam.
result<Target, BadParam> parse_target(std::string_view target);

}  // namespace liquida::gateway
