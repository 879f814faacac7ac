#include "pth/state_dict.h"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include "fileio/file_io.h"
#include "pth/pickle.h"
#include "pth/zip_reader.h"
#include "restora/errors.h"

namespace restora::pth {
namespace {

using Kind = PickleValue::Kind;
using model_file::Tensor;

// The legacy format's first pickle: torch.serialization.MAGIC_NUMBER, little-endian bytes.
constexpr uint8_t legacy_magic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t legacy_protocol = 1001;
constexpr size_t max_depth = max_pickle_depth;

[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw FormatError(fmt::format("cannot read '{}': {}", source, problem));
}

// Where each storage's bytes lie, by key.
using Storages = std::map<std::string, std::string_view, std::less<>>;

class Flattener {
 public:
  Flattener(const Storages& storages, size_t budget, const std::string& source)
      : storages_(storages), budget_(budget), source_(source) {}

  void walk(const PickleValue& value, const std::string& name, size_t depth) {
    if (depth > max_depth) fail(source_, "values are nested too deeply (or form a cycle)");
    if (++visits_ > max_pickle_values) fail(source_, "values are shared too often to flatten");
    const auto child = [&](const std::string& key) { return name.empty() ? key : name + "." + key; };
    switch (value.kind) {
      case Kind::dict:
        for (const auto& [key, item] : value.entries) {
          walk(*item, child(key->kind == Kind::integer ? std::to_string(key->integer) : key->text),
               depth + 1);
        }
        return;
      case Kind::list: case Kind::tuple:
        for (size_t i = 0; i < value.items.size(); ++i) walk(*value.items[i], child(std::to_string(i)), depth + 1);
        return;
      case Kind::tensor: add(value.tensor, name); return;
      default: return;  // numbers, strings, None: not weights
    }
  }

  std::vector<Tensor> take() { return std::move(tensors_); }

 private:
  void add(const PickleTensor& t, const std::string& name) {
    if (!names_.insert(name).second) fail(source_, fmt::format("two tensors are called '{}'", name));
    const auto found = storages_.find(t.storage.key);
    if (found == storages_.end()) {
      fail(source_, fmt::format("tensor '{}' uses storage '{}', which the file lacks", name, t.storage.key));
    }
    const size_t element = model_file::dtype_size(t.storage.dtype);
    const uint64_t available = found->second.size() / element;
    if (static_cast<uint64_t>(t.storage.numel) > available) {
      fail(source_, fmt::format("storage '{}' holds {} elements but is said to hold {}",
                                t.storage.key, available, t.storage.numel));
    }
    if (t.shape.size() != t.stride.size() || t.shape.size() > model_file::max_tensor_rank) {
      fail(source_, fmt::format("tensor '{}' has a malformed size or stride", name));
    }
    // The furthest element the view reaches, and the element count, checked for overflow.
    uint64_t numel = 1, last = 0;
    constexpr uint64_t limit = uint64_t{1} << 48;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (t.shape[d] < 0 || t.stride[d] < 0) {
        fail(source_, fmt::format("tensor '{}' has a negative size or stride", name));
      }
      if (static_cast<uint64_t>(t.shape[d]) > limit || static_cast<uint64_t>(t.stride[d]) > limit) {
        fail(source_, fmt::format("tensor '{}' is impossibly large", name));
      }
      numel *= static_cast<uint64_t>(t.shape[d]);
      if (numel > limit) fail(source_, fmt::format("tensor '{}' is impossibly large", name));
    }
    if (numel > 0) {
      for (size_t d = 0; d < t.shape.size(); ++d) {
        last += static_cast<uint64_t>(t.shape[d] - 1) * static_cast<uint64_t>(t.stride[d]);
        if (last > limit) fail(source_, fmt::format("tensor '{}' is impossibly large", name));
      }
    }
    const uint64_t begin = static_cast<uint64_t>(t.storage.view_offset) + static_cast<uint64_t>(t.offset);
    if (t.offset < 0 || (numel > 0 && begin + last >= static_cast<uint64_t>(t.storage.numel))) {
      fail(source_, fmt::format("tensor '{}' reaches past the end of its storage '{}'", name,
                                t.storage.key));
    }
    if (numel * element > budget_) {
      fail(source_, "its tensors hold more bytes than the file could describe");
    }
    budget_ -= numel * element;

    Tensor out;
    out.name = name;
    out.dtype = t.storage.dtype;
    out.shape = t.shape;
    out.bytes.resize(numel * element);
    const char* base = found->second.data() + begin * element;
    std::vector<int64_t> index(t.shape.size(), 0);
    for (uint64_t i = 0; i < numel; ++i) {
      uint64_t at = 0;
      for (size_t d = 0; d < index.size(); ++d) at += static_cast<uint64_t>(index[d] * t.stride[d]);
      std::memcpy(out.bytes.data() + i * element, base + at * element, element);
      for (size_t d = index.size(); d-- > 0;) {
        if (++index[d] < t.shape[d]) break;
        index[d] = 0;
      }
    }
    tensors_.push_back(std::move(out));
  }

  const Storages& storages_;
  uint64_t budget_;
  const std::string& source_;
  std::set<std::string> names_;
  std::vector<Tensor> tensors_;
  size_t visits_ = 0;
};

std::vector<Tensor> flatten(const Pickle& pickle, const Storages& storages, size_t file_size,
                            const std::string& source) {
  Flattener flattener(storages, 4 * file_size + (1u << 20), source);
  flattener.walk(pickle.root(), "", 0);
  return flattener.take();
}

StateDict parse_zip(const uint8_t* data, size_t size, const std::string& source) {
  const ZipArchive zip = ZipArchive::parse(data, size, source);
  const ZipEntry* pickle_entry = nullptr;
  for (const ZipEntry& entry : zip.entries()) {
    const size_t slash = entry.name.find('/');
    if (slash != std::string::npos && entry.name.substr(slash) == "/data.pkl") {
      if (pickle_entry != nullptr) fail(source, "the zip archive holds two data.pkl entries");
      pickle_entry = &entry;
    }
  }
  if (pickle_entry == nullptr) {
    fail(source, "a zip archive without '<name>/data.pkl' is not a PyTorch checkpoint");
  }
  const std::string prefix = pickle_entry->name.substr(0, pickle_entry->name.find('/') + 1);
  if (const ZipEntry* order = zip.find(prefix + "byteorder");
      order != nullptr && zip.data(*order) != "little") {
    fail(source, "big-endian checkpoints are not supported");
  }
  Storages storages;
  const std::string data_folder = prefix + "data/";
  for (const ZipEntry& entry : zip.entries()) {
    if (entry.name.compare(0, data_folder.size(), data_folder) == 0) {
      storages.emplace(entry.name.substr(data_folder.size()), zip.data(entry));
    }
  }
  const Pickle pickle = unpickle(zip.data(*pickle_entry), source, zip_persistent_load);
  return {ContainerFormat::zip, flatten(pickle, storages, size, source)};
}

StateDict parse_legacy(const uint8_t* data, size_t size, const std::string& source) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t at = 0;
  const auto next = [&](PersistentLoad load) {
    size_t used = 0;
    Pickle pickle = unpickle(all.substr(at), source, load, &used);
    at += used;
    return pickle;
  };
  const Pickle magic = next(nullptr);
  if (magic.root().kind != Kind::big_integer ||
      magic.root().text != std::string(reinterpret_cast<const char*>(legacy_magic), sizeof legacy_magic)) {
    fail(source, "not a PyTorch checkpoint (wrong magic number)");
  }
  const Pickle protocol = next(nullptr);
  if (protocol.root().kind != Kind::integer || protocol.root().integer != legacy_protocol) {
    fail(source, "unsupported legacy PyTorch protocol version");
  }
  const Pickle system = next(nullptr);
  if (system.root().kind != Kind::dict) fail(source, "malformed legacy system information");
  for (const auto& [key, value] : system.root().entries) {
    if (key->text == "little_endian" && !(value->kind == Kind::boolean && value->boolean)) {
      fail(source, "big-endian checkpoints are not supported");
    }
  }
  const Pickle main = next(legacy_persistent_load);
  const Pickle keys = next(nullptr);
  if (keys.root().kind != Kind::list) fail(source, "malformed legacy storage key list");
  // The raw storages follow in key order, each an int64 element count and the bytes; their
  // element sizes come from the storage types the main pickle named.
  std::map<std::string, size_t, std::less<>> element_sizes;
  for (const PickleValue& value : main.values()) {
    if (value.kind == Kind::storage) {
      element_sizes[value.storage.key] = model_file::dtype_size(value.storage.dtype);
    }
  }
  Storages storages;
  for (const PickleValue* key : keys.root().items) {
    if (key->kind != Kind::string) fail(source, "malformed legacy storage key list");
    if (at > size || size - at < 8) fail(source, fmt::format("storage '{}' is truncated", key->text));
    uint64_t numel = 0;
    for (int i = 7; i >= 0; --i) numel = (numel << 8) | data[at + i];
    at += 8;
    const auto element = element_sizes.find(key->text);
    if (element == element_sizes.end()) {
      fail(source, fmt::format("storage '{}' is listed but never used", key->text));
    }
    const uint64_t width = element->second;
    if (numel > (size - at) / width) fail(source, fmt::format("storage '{}' is truncated", key->text));
    storages.emplace(key->text, all.substr(at, numel * width));
    at += numel * width;
  }
  return {ContainerFormat::legacy, flatten(main, storages, size, source)};
}

bool looks_like_safetensors(const uint8_t* data, size_t size) {
  return size > 9 && data[8] == '{';
}

bool looks_like_legacy(const uint8_t* data, size_t size) {
  return size > 4 && data[0] == 0x80 && data[2] == 0x8a && data[3] == sizeof legacy_magic;
}

bool looks_like_tar(const uint8_t* data, size_t size) {
  return size > 262 && std::memcmp(data + 257, "ustar", 5) == 0;
}

}  // namespace

const char* container_format_name(ContainerFormat format) {
  switch (format) {
    case ContainerFormat::zip: return "zip";
    case ContainerFormat::legacy: return "legacy";
    case ContainerFormat::safetensors: return "safetensors";
  }
  return "?";
}

const Tensor* StateDict::find(const std::string& name) const {
  for (const Tensor& tensor : tensors) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

StateDict parse_state_dict(const uint8_t* data, size_t size, const std::string& source) {
  if (ZipArchive::looks_like_zip(data, size)) return parse_zip(data, size, source);
  if (looks_like_legacy(data, size)) return parse_legacy(data, size, source);
  if (looks_like_safetensors(data, size)) {
    return {ContainerFormat::safetensors, model_file::parse_safetensors(data, size, source).tensors};
  }
  if (looks_like_tar(data, size)) {
    fail(source, "PyTorch's pre-0.4 tar checkpoints are not supported; re-save it with a newer "
                 "PyTorch");
  }
  fail(source, "not a PyTorch checkpoint (.pth/.pt/.ckpt) or safetensors file");
}

StateDict read_state_dict(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = fileio::read_file_bytes(path);
  return parse_state_dict(bytes.data(), bytes.size(), path.string());
}

}  // namespace restora::pth
