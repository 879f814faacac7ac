#include "restore/tensor_memory.h"

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>

#include "restora/errors.h"

namespace restora::tensor_memory {
namespace {

std::atomic<std::size_t> in_use{0}, peak{0}, limit{0};
c10::Allocator* base = nullptr;  // LibTorch's default CPU allocator

void raise_peak(std::atomic<std::size_t>& high, std::size_t now) {
  std::size_t seen = high.load();
  while (now > seen && !high.compare_exchange_weak(seen, now)) {
  }
}

// The bytes allocated on one thread while a CapScope is open there (and those of the scopes
// nested inside it). A block remembers its account, so it is released from that account on
// whichever thread frees it; blocks and scopes hold references, the last one deletes it.
struct Account {
  std::atomic<std::size_t> in_use{0}, peak{0};
  std::size_t cap = 0;
  Account* parent = nullptr;  // the enclosing scope's account on the same thread
  std::atomic<int> references{1};
};

thread_local Account* current = nullptr;

// Threads without a scope of their own (LibTorch's OpenMP workers inside a parallel region of a
// scoped thread) charge the one outermost scope open in the process, when there is exactly one:
// what a lone job allocates on its workers counts towards its budget. With several jobs at once
// those allocations are the process's only.
std::mutex scopes_guard;
std::set<Account*> outermost;
Account* sole = nullptr;                    // guarded
std::atomic<bool> has_sole{false};         // sole != nullptr, read without the lock

// The account an allocation on this thread is charged to, referenced; nullptr for none.
Account* acquire() {
  if (current) {
    ++current->references;
    return current;
  }
  if (!has_sole.load()) return nullptr;  // no scope open (training, the CLI's setup): no lock
  std::lock_guard<std::mutex> lock(scopes_guard);
  if (sole) ++sole->references;
  return sole;
}

void unreference(Account* account) {
  while (account && --account->references == 0) {
    Account* parent = account->parent;
    delete account;
    account = parent;
  }
}

void uncharge(Account* account, std::size_t bytes) {
  in_use -= bytes;
  for (; account; account = account->parent) account->in_use -= bytes;
}

// Each block carries its size and account in a header in front of the data. The header keeps
// the default allocator's 64-byte alignment, and the data pointer doubles as the context, as
// LibTorch's raw allocation interface requires.
constexpr std::size_t header = 64;
struct BlockHeader {
  std::size_t bytes;
  Account* account;
};

void release(void* data) {
  if (!data) return;
  auto* block = static_cast<char*>(data) - header;
  const auto* head = reinterpret_cast<BlockHeader*>(block);
  uncharge(head->account, head->bytes);
  unreference(head->account);
  base->raw_deleter()(block);
}

[[noreturn]] void refuse(std::size_t bytes, std::size_t cap) {
  TORCH_CHECK(false, "can't allocate memory: ", bytes, " more bytes would exceed the ", cap,
              "-byte tensor memory budget (raise --max-memory)");
}

// Charges every scope of the account's chain and the process, or none of them; peaks rise
// only with an allocation that is made.
void charge(Account* account, std::size_t bytes) {
  for (Account* scope = account; scope; scope = scope->parent) {
    const std::size_t used = scope->in_use.fetch_add(bytes) + bytes;
    if (scope->cap != 0 && used > scope->cap) {
      for (Account* undo = account; undo != scope->parent; undo = undo->parent) undo->in_use -= bytes;
      refuse(bytes, scope->cap);
    }
  }
  const std::size_t now = in_use.fetch_add(bytes) + bytes;
  const std::size_t cap = limit.load();
  if (cap != 0 && now > cap) {
    uncharge(account, bytes);
    refuse(bytes, cap);
  }
  raise_peak(peak, now);
  for (Account* scope = account; scope; scope = scope->parent)
    raise_peak(scope->peak, scope->in_use.load());
}

// LibTorch 1.x declares allocate() const, 2.x not, and 2.x adds copy_data(): both allocate()s
// and copy_data() are defined, without `override`, so that either version finds what it needs.
class CountingAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(std::size_t bytes) { return std::as_const(*this).allocate(bytes); }
  c10::DataPtr allocate(std::size_t bytes) const {
    Account* account = acquire();
    void* block = nullptr;
    try {
      charge(account, bytes);
      try {
        block = base->raw_allocate(bytes + header);
      } catch (...) {
        uncharge(account, bytes);
        throw;
      }
    } catch (...) {
      unreference(account);
      throw;
    }
    *static_cast<BlockHeader*>(block) = {bytes, account};
    void* data = static_cast<char*>(block) + header;
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
  void copy_data(void* destination, const void* source, std::size_t bytes) const {
    std::memcpy(destination, source, bytes);
  }
};

}  // namespace

void install() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Lives for the whole process: tensors may outlive any scope that would own it.
    base = c10::GetDefaultCPUAllocator();
    static CountingAllocator allocator;
    c10::SetCPUAllocator(&allocator, /*priority=*/1);
  });
}

std::size_t bytes_in_use() { return current ? current->in_use.load() : in_use.load(); }
std::size_t peak_bytes() { return current ? current->peak.load() : peak.load(); }
void reset_peak() {
  if (current)
    current->peak = current->in_use.load();
  else
    peak = in_use.load();
}
void set_cap(std::size_t bytes) { limit = bytes; }
std::size_t cap() { return current ? current->cap : limit.load(); }

CapScope::CapScope(std::size_t bytes) {
  install();
  auto* account = new Account;
  account->cap = bytes;
  account->parent = current;
  if (current) {
    ++current->references;
  } else {
    std::lock_guard<std::mutex> lock(scopes_guard);
    outermost.insert(account);
    sole = outermost.size() == 1 ? account : nullptr;
    has_sole = sole != nullptr;
  }
  current = account;
}

CapScope::~CapScope() {
  Account* account = current;
  current = account->parent;
  if (!account->parent) {
    std::lock_guard<std::mutex> lock(scopes_guard);
    outermost.erase(account);
    sole = outermost.size() == 1 ? *outermost.begin() : nullptr;
    has_sole = sole != nullptr;
  }
  unreference(account);
}

bool is_out_of_memory(const std::string& message) {
  return message.find("can't allocate memory") != std::string::npos ||
         message.find("std::bad_alloc") != std::string::npos;
}

std::uint64_t parse_bytes(const std::string& text) {
  std::size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) {
    return static_cast<char>(std::toupper(c));
  });
  if (!unit.empty() && unit.back() == 'B') unit.pop_back();
  if (unit.size() == 2 && unit[1] == 'I') unit.pop_back();  // KiB, MiB, GiB: powers of 1024
  const std::string units = "KMGT";
  double factor = 1.0;
  if (unit.size() == 1 && units.find(unit[0]) != std::string::npos)
    factor = std::pow(1024.0, static_cast<double>(units.find(unit[0]) + 1));
  else if (!unit.empty())
    used = 0;
  if (used == 0 || !std::isfinite(value) || value <= 0 || value * factor >= 1.8e19)
    throw InvalidArgument(
        fmt::format("memory size '{}' is not a positive size such as 2G, 512M or 1.5GiB", text));
  return static_cast<std::uint64_t>(value * factor);
}

std::uint64_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * page : 0;
}

}  // namespace restora::tensor_memory
