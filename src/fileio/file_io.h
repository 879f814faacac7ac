// Whole-file reads and crash-safe writes, for files the library owns (model
// files, images, reports). POSIX only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace restora::fileio {

// The bytes of a regular file. Throws FileError "cannot read '<path>': ..."
// when it is missing, a folder, not a regular file or unreadable.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

// Writes `bytes` to a new temporary file beside `path`, flushes it to disk and
// renames it over `path`: readers see the old file or the whole new one, never
// a partial one. Throws FileError "cannot write '<path>': ..." (missing or
// unwritable folder, disk full); the temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

// Hands bytes to the file being written; throws FileError when the system refuses them.
using ByteSink = std::function<void(const uint8_t* data, size_t size)>;

// The streaming form, for files too large to build in memory first (a 16384² PNG): `produce`
// passes the file's bytes to the sink piece by piece. Same guarantees as above; when `produce`
// throws, the temporary file is removed and the exception passes on.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(const ByteSink&)>& produce);

// The regular files under `folder` (recursive; hidden files and folders skipped) that `wanted`
// accepts, sorted. Throws FileError "cannot list <what> in '<folder>': ..." when the folder is
// missing, not a folder or unreadable.
std::vector<std::filesystem::path> list_files(
    const std::filesystem::path& folder,
    const std::function<bool(const std::filesystem::path&)>& wanted, const std::string& what);

}  // namespace restora::fileio
