#include "gateway/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace liquida::gateway {

namespace fs = std::filesystem;

namespace {
std::string_view content_type_of(const fs::path& p) {
    const auto ext = p.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".png") return "image/png";
    if (ext == ".svg") return "image/svg+xml";
    return {};
}
}  // namespace

result<StaticFiles, std::string> StaticFiles::load(const std::string& dir) {
    StaticFiles out;
    if (dir.empty()) return out;
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    if (ec) return failure("cannot list the dashboard's folder " + dir + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
        const auto& entry = *it;
        const auto type = content_type_of(entry.path());
        if (type.empty() || !entry.is_regular_file(ec) || entry.is_symlink(ec)) continue;
        const auto size = entry.file_size(ec);
        if (ec) return failure("cannot read " + entry.path().string() + ": " + ec.message());
        if (size > kMaxStaticFileBytes)
            return failure(entry.path().string() + " has " + std::to_string(size) + " bytes; the limit is " +
                           std::to_string(kMaxStaticFileBytes));
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream body;
        body << in.rdbuf();
        if (!in) return failure("cannot read " + entry.path().string());
        out.files_[entry.path().filename().string()] = {std::string(type), std::move(body).str()};
    }
    if (ec) return failure("cannot list the dashboard's folder " + dir + ": " + ec.message());
    return out;
}

const StaticFile* StaticFiles::find(std::string_view path) const {
    if (!path.starts_with('/')) return nullptr;
    const std::string_view name = path == "/" ? std::string_view("index.html") : path.substr(1);
    const auto it = files_.find(name);
    return it == files_.end() ? nullptr : &it->second;
}

}  // namespace liquida::gateway
