// A rejected command: a stable code, a Spanish message for the user, the field concerned.
#pragma once

#include <string>
#include <vector>

#include "domain/codes.h"
#include "domain/events.h"
#include "domain/result.h"

namespace liquida::domain {

struct DomainError {
    std::string code;     // stable: "order.missing_patient_signature"
    std::string message;  // Spanish, shown to the user
    std::string field;    // the command field concerned ("items[2].tooth")
    friend bool operator==(const DomainError&, const DomainError&) = default;
};

// What a decision yields: the events to record, or why nothing was recorded.
using Decision = result<std::vector<Event>, DomainError>;

inline failure<DomainError> reject(Code code, std::string message, std::string field) {
    return failure<DomainError>{DomainError{std::string(code.name()), std::move(message), std::move(field)}};
}

}  // namespace liquida::domain
