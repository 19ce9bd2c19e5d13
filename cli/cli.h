// Command-line parsing for the `liquida` binary: `liquida <command> [--option value]...`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace liquida::cli {

struct OptionSpec {
    std::string name;        // without the leading "--"
    std::string value_name;  // empty for a flag
    std::string help;
    std::string default_value;
};

struct CommandSpec {
    std::string name;
    std::string summary;
    std::vector<std::string> positionals;  // names of required positional arguments
    std::vector<OptionSpec> options;
};

// Thrown only for bad arguments; main turns it into a message and exit code 2.
struct UsageError {
    std::string message;
};

class Args {
public:
    static Args parse(const CommandSpec& spec, const std::vector<std::string_view>& argv);

    bool flag(std::string_view name) const { return values_.count(std::string(name)) > 0; }
    std::string get(std::string_view name) const;
    int64_t get_int(std::string_view name, int64_t min, int64_t max) const;
    const std::string& positional(size_t i) const { return positionals_.at(i); }
    bool help() const { return help_; }

private:
    const CommandSpec* spec_ = nullptr;
    std::map<std::string, std::string> values_;
    std::vector<std::string> positionals_;
    bool help_ = false;
};

std::string usage(const CommandSpec& spec);

}  // namespace liquida::cli
