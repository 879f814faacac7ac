#include "fileio/file_io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>

#include "restora/errors.h"

namespace restora::fileio {

namespace fs = std::filesystem;

namespace {

// Closes a POSIX file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int descriptor) : descriptor_(descriptor) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (descriptor_ >= 0) ::close(descriptor_);
  }
  int get() const { return descriptor_; }
  // Closes now and reports whether the kernel accepted the last writes.
  bool close() {
    const int result = ::close(descriptor_);
    descriptor_ = -1;
    return result == 0;
  }

 private:
  int descriptor_;
};

[[noreturn]] void fail_read(const fs::path& path, const std::string& problem) {
  throw FileError(fmt::format("cannot read '{}': {}", path.string(), problem));
}

[[noreturn]] void fail_write(const fs::path& path, const std::string& problem) {
  throw FileError(fmt::format("cannot write '{}': {}", path.string(), problem));
}

// A name no other writer uses: the process id plus a per-process counter.
fs::path temporary_path_beside(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.parent_path() / fmt::format(".{}.{}-{}.tmp", path.filename().string(),
                                          static_cast<long>(::getpid()), counter++);
}

bool write_all(int descriptor, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(descriptor, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const fs::path& path) {
  const FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    fail_read(path, errno == ENOENT ? "no such file" : std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) fail_read(path, std::strerror(errno));
  if (S_ISDIR(info.st_mode)) fail_read(path, "it is a folder, not a file");
  // A device or pipe could stream forever; only regular files have a size.
  if (!S_ISREG(info.st_mode)) fail_read(path, "not a regular file");
  std::vector<uint8_t> bytes(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got = ::read(file.get(), bytes.data() + done, bytes.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail_read(path, std::strerror(errno));
    if (got == 0) fail_read(path, "the file shrank while it was being read");
    done += static_cast<size_t>(got);
  }
  return bytes;
}

void write_file_atomically(const fs::path& path, const std::vector<uint8_t>& bytes) {
  write_file_atomically(path, [&](const ByteSink& sink) { sink(bytes.data(), bytes.size()); });
}

void write_file_atomically(const fs::path& path,
                           const std::function<void(const ByteSink&)>& produce) {
  if (!path.has_filename()) fail_write(path, "the path names no file");
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    fail_write(path, fmt::format("folder '{}' does not exist", folder.string()));
  }
  const fs::path temporary = temporary_path_beside(path);
  FileDescriptor file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (file.get() < 0) {
    fail_write(path, fmt::format("cannot create a file in folder '{}': {}", folder.string(),
                                 std::strerror(errno)));
  }
  try {
    produce([&](const uint8_t* data, size_t size) {
      if (!write_all(file.get(), data, size)) fail_write(path, std::strerror(errno));
    });
  } catch (...) {
    file.close();
    ::unlink(temporary.c_str());
    throw;
  }
  const bool written = ::fsync(file.get()) == 0 && file.close();
  const int write_errno = errno;
  if (!written) {
    ::unlink(temporary.c_str());
    fail_write(path, std::strerror(write_errno));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temporary.c_str());
    fail_write(path, std::strerror(rename_errno));
  }
}

namespace {

// "no such file or directory": the system's message, lower-cased to sit inside ours.
std::string describe(const std::error_code& error) {
  std::string text = error.message();
  if (!text.empty()) text[0] = char(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool is_hidden(const fs::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name[0] == '.';
}

}  // namespace

std::vector<fs::path> list_files(const fs::path& folder,
                                 const std::function<bool(const fs::path&)>& wanted,
                                 const std::string& what) {
  const auto message = [&](const std::string& problem) {
    return fmt::format("cannot list {} in '{}': {}", what, folder.string(), problem);
  };
  std::error_code error;
  const fs::file_status status = fs::status(folder, error);
  if (status.type() == fs::file_type::not_found) throw FileError(message("no such folder"));
  if (error) throw FileError(message(describe(error)));
  if (!fs::is_directory(status)) throw FileError(message("not a folder"));

  std::vector<fs::path> found;
  fs::recursive_directory_iterator entry(folder, error);
  for (; !error && entry != fs::recursive_directory_iterator(); entry.increment(error)) {
    std::error_code ignored;
    if (is_hidden(entry->path())) {
      if (entry->is_directory(ignored)) entry.disable_recursion_pending();
      continue;
    }
    if (entry->is_regular_file(ignored) && wanted(entry->path())) found.push_back(entry->path());
  }
  if (error) throw FileError(message(describe(error)));
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace restora::fileio
