// The dashboard's files, read once at start and served from memory. Only what was there
// then is ever served: a request path is a key in a map, never a path on the disk, so no
// "..", encoded slash, absolute path or symlink can reach any other file.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "domain/result.h"

namespace liquida::gateway {

// A dashboard file larger than this is refused at start (docs/SECURITY.md).
inline constexpr size_t kMaxStaticFileBytes = 4 << 20;

struct StaticFile {
    std::string content_type;
    std::string body;
};

class StaticFiles {
public:
    // The regular files directly under `dir` (not symlinks, not subfolders) whose extension
    // is .html, .js, .css, .png or .svg; others are ignored. An empty dir serves nothing.
    static result<StaticFiles, std::string> load(const std::string& dir);

    // "/" is index.html; "/app.js" is app.js; anything else is nullptr.
    const StaticFile* find(std::string_view path) const;

private:
    std::map<std::string, StaticFile, std::less<>> files_;  // by file name
};

}  // namespace liquida::gateway
