#include "cli/cli.h"

#include <algorithm>
#include <charconv>

namespace liquida::cli {

Args Args::parse(const CommandSpec& spec, const std::vector<std::string_view>& argv) {
    Args a;
    a.spec_ = &spec;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            a.help_ = true;
            return a;
        }
        if (!arg.starts_with("--")) {
            a.positionals_.emplace_back(arg);
            continue;
        }
        std::string name(arg.substr(2));
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name.resize(eq);
        }
        auto opt = std::find_if(spec.options.begin(), spec.options.end(), [&](const OptionSpec& o) { return o.name == name; });
        if (opt == spec.options.end()) throw UsageError{"unknown option '--" + name + "'"};
        if (opt->value_name.empty()) {
            if (inline_value) throw UsageError{"option '--" + name + "' takes no value"};
            a.values_[name] = "";
        } else if (inline_value) {
            a.values_[name] = *inline_value;
        } else {
            if (i + 1 >= argv.size()) throw UsageError{"option '--" + name + "' needs a value <" + opt->value_name + ">"};
            a.values_[name] = std::string(argv[++i]);
        }
    }
    if (a.positionals_.size() != spec.positionals.size())
        throw UsageError{spec.positionals.empty() ? "unexpected argument '" + a.positionals_.front() + "'"
                                                  : "expected " + std::to_string(spec.positionals.size()) + " argument(s)"};
    return a;
}

std::string Args::get(std::string_view name) const {
    if (auto it = values_.find(std::string(name)); it != values_.end()) return it->second;
    for (const auto& o : spec_->options)
        if (o.name == name) return o.default_value;
    return {};
}

int64_t Args::get_int(std::string_view name, int64_t min, int64_t max) const {
    const std::string text = get(name);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v < min || v > max)
        throw UsageError{"option '--" + std::string(name) + "' must be a whole number from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", not '" + text + "'"};
    return v;
}

std::string usage(const CommandSpec& spec) {
    std::string out = "usage: liquida " + spec.name;
    for (const auto& p : spec.positionals) out += " <" + p + ">";
    if (!spec.options.empty()) out += " [options]";
    out += "\n\n" + spec.summary + "\n";
    if (!spec.options.empty()) out += "\noptions:\n";
    for (const auto& o : spec.options) {
        std::string left = "  --" + o.name + (o.value_name.empty() ? "" : " <" + o.value_name + ">");
        if (left.size() < 28) left.resize(28, ' ');
        out += left + " " + o.help;
        if (!o.default_value.empty()) out += " (default: " + o.default_value + ")";
        out += "\n";
    }
    out += "  --help                       this text\n";
    return out;
}

}  // namespace liquida::cli
