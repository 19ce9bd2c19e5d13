// Validation of the identifiers that come from outside: CUIT, CBU, CIE-10, nomenclador, FDI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace liquida::domain {

// True when `s` is exactly `n` ASCII digits.
bool is_digits(std::string_view s, size_t n) noexcept;

// CUIT as 11 digits, dashes allowed on input ("27-35215358-9"); nullopt if the mod-11
// check digit is wrong or the check would be 10.
std::optional<std::string> normalize_cuit(std::string_view text);
bool valid_cuit(std::string_view text);

// CBU: 22 digits, check digit 8 over the bank block, check digit 22 over the account block.
bool valid_cbu(std::string_view text) noexcept;

// CIE-10: a letter, two digits, optionally '.' and one or two more characters (K029, K02.9).
bool valid_cie10(std::string_view text) noexcept;

// Nomenclador practice code as 6 digits; InSSSeP writes "20900" for "020900".
std::optional<std::string> normalize_practice_code(std::string_view text);

// FDI tooth: permanent 11-18, 21-28, 31-38, 41-48; deciduous 51-55, 61-65, 71-75, 81-85.
bool valid_fdi_tooth(uint32_t tooth) noexcept;
// Faces: non-empty subset of O V G M D P I L, each at most once.
bool valid_faces(std::string_view faces) noexcept;

}  // namespace liquida::domain
