#include "domain/identity.h"

#include <array>

namespace liquida::domain {
namespace {

int digit(char c) noexcept { return c - '0'; }

// Weighted sum of digits [first, first + weights.size()).
template <size_t N>
int weighted_sum(std::string_view s, size_t first, const std::array<int, N>& weights) noexcept {
    int sum = 0;
    for (size_t i = 0; i < N; ++i) sum += digit(s[first + i]) * weights[i];
    return sum;
}

bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

bool is_digits(std::string_view s, size_t n) noexcept {
    if (s.size() != n) return false;
    for (char c : s) {
        if (!is_digit(c)) return false;
    }
    return true;
}

std::optional<std::string> normalize_cuit(std::string_view text) {
    std::string d;
    for (char c : text) {
        if (c != '-') d.push_back(c);
    }
    if (!is_digits(d, 11)) return std::nullopt;
    constexpr std::array<int, 10> kWeights{5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int check = 11 - weighted_sum(d, 0, kWeights) % 11;
    if (check == 11) check = 0;
    if (check == 10 || check != digit(d[10])) return std::nullopt;
    return d;
}

bool valid_cuit(std::string_view text) { return normalize_cuit(text).has_value(); }

bool valid_cbu(std::string_view s) noexcept {
    if (!is_digits(s, 22)) return false;
    constexpr std::array<int, 7> kBank{7, 1, 3, 9, 7, 1, 3};
    constexpr std::array<int, 13> kAccount{3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3};
    const int bank_check = (10 - weighted_sum(s, 0, kBank) % 10) % 10;
    const int account_check = (10 - weighted_sum(s, 8, kAccount) % 10) % 10;
    return bank_check == digit(s[7]) && account_check == digit(s[21]);
}

bool valid_cie10(std::string_view s) noexcept {
    if (s.size() < 3 || !is_upper(s[0]) || !is_digit(s[1]) || !is_digit(s[2])) return false;
    std::string_view rest = s.substr(3);
    if (rest.empty()) return true;
    if (rest.front() == '.') rest.remove_prefix(1);
    if (rest.empty() || rest.size() > 2) return false;
    for (char c : rest) {
        if (!is_digit(c) && !is_upper(c)) return false;
    }
    return true;
}

std::optional<std::string> normalize_practice_code(std::string_view text) {
    if (!is_digits(text, 6) && !is_digits(text, 5)) return std::nullopt;
    return std::string(6 - text.size(), '0') + std::string(text);
}

bool valid_fdi_tooth(uint32_t tooth) noexcept {
    const uint32_t quadrant = tooth / 10;
    const uint32_t position = tooth % 10;
    if (quadrant >= 1 && quadrant <= 4) return position >= 1 && position <= 8;
    if (quadrant >= 5 && quadrant <= 8) return position >= 1 && position <= 5;
    return false;
}

bool valid_faces(std::string_view faces) noexcept {
    constexpr std::string_view kFaces = "OVGMDPIL";
    if (faces.empty()) return false;
    for (size_t i = 0; i < faces.size(); ++i) {
        if (kFaces.find(faces[i]) == std::string_view::npos) return false;
        if (faces.find(faces[i], i + 1) != std::string_view::npos) return false;
    }
    return true;
}

}  // namespace liquida::domain
