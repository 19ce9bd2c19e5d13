#include "events/durable_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace liquida::events {

result<ok_t> replace_file(const std::string& path, std::string_view text) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail(errc::io_error, "cannot create " + tmp + ": " + std::strerror(errno));
    size_t done = 0;
    bool written = true;
    while (written && done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        written = n > 0;
        if (written) done += static_cast<size_t>(n);
    }
    written = written && ::fsync(fd) == 0;
    const int write_errno = errno;
    ::close(fd);
    if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(written ? errno : write_errno);
        ::unlink(tmp.c_str());
        return fail(errc::io_error, "cannot write " + path + ": " + why);
    }
    // The rename itself must survive a power loss: the directory's entry is synced too.
    const auto dir = std::filesystem::path(path).parent_path();
    if (const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        const bool synced = ::fsync(dfd) == 0;
        ::close(dfd);
        if (!synced) return fail(errc::io_error, "cannot sync the directory of " + path + ": " + std::strerror(errno));
    }
    return ok;
}

}  // namespace liquida::events
