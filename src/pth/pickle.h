// A restricted pickle interpreter: it understands only what PyTorch state dicts are made of
// (dicts and ordered dicts, lists, tuples, strings, bytes, numbers, booleans, None, tensors
// rebuilt by torch._utils, storages named by persistent ids) and refuses every other global and
// every opcode it does not know, so a file can describe data but never make anything run.
//
//   Pickle pickle = unpickle(pickle_bytes, "model.pth", zip_persistent_load);
//   if (pickle.root().kind == PickleValue::Kind::dict) ...
//
// Tensors stay references into storages (PickleTensor) until the container reader (pth_reader.h)
// resolves them, since where a storage's bytes lie depends on the container.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model_file/safetensors.h"

namespace restora::pth {

// A storage named by a persistent id: ('storage', torch.FloatStorage, key, location, numel[, view]).
struct PickleStorage {
  std::string key;
  model_file::DType dtype = model_file::DType::f32;
  int64_t numel = 0;
  int64_t view_offset = 0;  // elements; the legacy format's views of a larger storage
};

// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...).
struct PickleTensor {
  PickleStorage storage;
  int64_t offset = 0;  // elements into the storage
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

struct PickleValue {
  enum class Kind { none, boolean, integer, big_integer, real, string, bytes, list, tuple, dict,
                    global, storage, tensor };
  Kind kind = Kind::none;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;  // string, bytes, a big integer's little-endian two's complement bytes,
                     // a global's "module.name"
  // Values may be shared (the pickle memo) and even cyclic; they belong to their Pickle.
  std::vector<PickleValue*> items;                              // list, tuple
  std::vector<std::pair<PickleValue*, PickleValue*>> entries;  // dict, in insertion order
  PickleStorage storage;
  PickleTensor tensor;
};

// The values of one pickle, which owns them all.
class Pickle {
 public:
  const PickleValue& root() const { return *root_; }
  PickleValue* add(PickleValue value);
  void set_root(const PickleValue* root) { root_ = root; }
  size_t size() const { return values_->size(); }
  // Every value made, reachable or not, in the order made.
  const std::deque<PickleValue>& values() const { return *values_; }

 private:
  std::unique_ptr<std::deque<PickleValue>> values_ = std::make_unique<std::deque<PickleValue>>();
  const PickleValue* root_ = nullptr;
};

// Limits refused rather than trusted.
constexpr size_t max_pickle_values = 4'000'000;  // values made by one pickle
constexpr size_t max_pickle_depth = 64;          // nesting of containers when values are walked

// Runs the pickle in `bytes` to its STOP opcode. `storage` turns a persistent id into a storage
// (the zip and legacy formats name storages differently); without it a persistent id is refused.
// Throws FormatError "cannot read '<source>': <problem>" for a truncated or malformed pickle,
// an opcode outside the supported set, or a global that state dicts do not use (naming it).
// `consumed`, when given, receives the number of bytes read (the legacy format chains pickles).
using PersistentLoad = PickleStorage (*)(const PickleValue& id, const std::string& source);
Pickle unpickle(std::string_view bytes, const std::string& source,
                        PersistentLoad storage = nullptr, size_t* consumed = nullptr);

// The persistent-id loaders of the two container formats:
//   zip:    ('storage', storage_type, key, location, numel)
//   legacy: ('storage', storage_type, root_key, location, numel, view_metadata)
// view_metadata is None or (view_key, offset, size).
PickleStorage zip_persistent_load(const PickleValue& id, const std::string& source);
PickleStorage legacy_persistent_load(const PickleValue& id, const std::string& source);

}  // namespace restora::pth
