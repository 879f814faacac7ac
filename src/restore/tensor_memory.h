// Counts the bytes LibTorch holds in CPU tensors, through an allocator installed over its
// default one, and optionally caps them. The engine uses it to learn how much memory a network
// needs per pixel of a tile (a probe run) and to enforce --max-memory: an allocation past the
// cap fails as on a machine out of memory, and the engine retries with smaller tiles.
//
//   tensor_memory::install();                  // once; idempotent
//   tensor_memory::reset_peak();
//   run_network(...);
//   size_t used = tensor_memory::peak_bytes();
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace restora::tensor_memory {

// Installs the counting allocator as LibTorch's CPU allocator (idempotent, thread-safe).
void install();

// Bytes of the innermost CapScope open on the calling thread (what that thread allocated
// since it opened, and still holds), or of the whole process when none is open.
std::size_t bytes_in_use();
std::size_t peak_bytes();  // largest bytes_in_use() since the last reset_peak()
void reset_peak();

// The process-wide cap; 0 = none. An allocation that would bring the process's bytes above it
// throws c10::Error ("... can't allocate memory ..."), as LibTorch's own allocator does when
// the machine is out of memory.
void set_cap(std::size_t bytes);
// The innermost open scope's cap on this thread, else the process-wide one.
std::size_t cap();

// A per-thread budget: while alive, the tensors this thread allocates are counted apart (and
// in every enclosing scope, and in the process), and an allocation past `bytes` (0 = no cap)
// fails as above. Concurrent jobs on their own threads thus each get their own budget and
// their own peak. Threads without a scope (LibTorch's OpenMP workers) charge the one scope
// open in the process when there is only one; with several, their tensors count for the
// process alone. Installs the allocator.
class CapScope {
 public:
  explicit CapScope(std::size_t bytes);
  ~CapScope();
  CapScope(const CapScope&) = delete;
  CapScope& operator=(const CapScope&) = delete;
};

// Whether an exception message is an allocation failure (ours or LibTorch's).
bool is_out_of_memory(const std::string& message);

// "2G", "512M", "1.5GiB", "300000000": bytes. Bad text -> InvalidArgument naming it.
std::uint64_t parse_bytes(const std::string& text);

// Physical memory of this machine in bytes (0 when unknown).
std::uint64_t physical_memory();

}  // namespace restora::tensor_memory
