#include "pth/pickle.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <map>
#include <unordered_map>

#include "restora/errors.h"

namespace restora::pth {
namespace {

using Kind = PickleValue::Kind;
using model_file::DType;

// The storage classes a persistent id may name, and their element types.
const std::map<std::string, DType, std::less<>>& storage_types() {
  static const std::map<std::string, DType, std::less<>> types{
      {"torch.DoubleStorage", DType::f64}, {"torch.FloatStorage", DType::f32},
      {"torch.HalfStorage", DType::f16},   {"torch.BFloat16Storage", DType::bf16},
      {"torch.LongStorage", DType::i64},   {"torch.IntStorage", DType::i32},
      {"torch.ShortStorage", DType::i16},  {"torch.CharStorage", DType::i8},
      {"torch.ByteStorage", DType::u8},    {"torch.BoolStorage", DType::boolean}};
  return types;
}

// Globals that rebuild something, and globals that only serve as markers (types).
constexpr std::array<const char*, 6> callables{
    "collections.OrderedDict",        "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor",   "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state", "torch._tensor._rebuild_from_type_v2"};
constexpr std::array<const char*, 2> tensor_types{"torch.Tensor", "torch.nn.parameter.Parameter"};

template <typename Names>
bool is_one_of(const std::string& name, const Names& names) {
  for (const char* n : names) {
    if (name == n) return true;
  }
  return false;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::none: return "None";
    case Kind::boolean: return "a boolean";
    case Kind::integer: case Kind::big_integer: return "an integer";
    case Kind::real: return "a float";
    case Kind::string: return "a string";
    case Kind::bytes: return "bytes";
    case Kind::list: return "a list";
    case Kind::tuple: return "a tuple";
    case Kind::dict: return "a dict";
    case Kind::global: return "a global";
    case Kind::storage: return "a storage";
    case Kind::tensor: return "a tensor";
  }
  return "a value";
}

class Machine {
 public:
  Machine(std::string_view in, const std::string& source, PersistentLoad load)
      : in_(in), source_(source), load_(load) {}

  Pickle run(size_t* consumed) {
    while (true) {
      const uint8_t op = byte();
      if (op == '.') break;
      step(op);
    }
    if (stack_.size() != 1 || !marks_.empty()) fail("pickle ends with an unbalanced stack");
    pickle_.set_root(stack_.back());
    if (consumed != nullptr) *consumed = pos_;
    return std::move(pickle_);
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw FormatError(fmt::format("cannot read '{}': {}", source_, problem));
  }

  // ---- input
  std::string_view take(uint64_t n) {
    if (n > in_.size() - pos_) fail("pickle is truncated");
    const std::string_view out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  uint8_t byte() { return static_cast<uint8_t>(take(1)[0]); }
  uint64_t little(int width) {
    const std::string_view b = take(width);
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(b[i]);
    return value;
  }
  std::string_view line() {
    const size_t end = in_.find('\n', pos_);
    if (end == std::string_view::npos) fail("pickle is truncated");
    const std::string_view out = in_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }

  // ---- values
  PickleValue* make(PickleValue value) {
    if (pickle_.size() >= max_pickle_values) fail("pickle makes too many values");
    return pickle_.add(std::move(value));
  }
  PickleValue* make(Kind kind) {
    PickleValue value;
    value.kind = kind;
    return make(std::move(value));
  }
  void push(PickleValue* value) { stack_.push_back(value); }
  PickleValue* pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("pickle pops an empty stack");
    PickleValue* value = stack_.back();
    stack_.pop_back();
    return value;
  }
  PickleValue* top() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("pickle reads an empty stack");
    return stack_.back();
  }
  // The values above the last mark, which is removed.
  std::vector<PickleValue*> pop_mark() {
    if (marks_.empty()) fail("pickle uses a mark it never set");
    std::vector<PickleValue*> items(stack_.begin() + static_cast<ptrdiff_t>(marks_.back()),
                                    stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  PickleValue* expect(PickleValue* value, Kind kind, const char* where) {
    if (value->kind != kind) {
      fail(fmt::format("pickle has {} where {} expects {}", kind_name(value->kind), where,
                       kind_name(kind)));
    }
    return value;
  }
  void add_items(PickleValue* list, const std::vector<PickleValue*>& items) {
    expect(list, Kind::list, "APPEND")->items.insert(list->items.end(), items.begin(), items.end());
  }
  void set_items(PickleValue* dict, const std::vector<PickleValue*>& items) {
    expect(dict, Kind::dict, "SETITEM");
    if (items.size() % 2 != 0) fail("pickle sets a dict item without a value");
    for (size_t i = 0; i < items.size(); i += 2) {
      const Kind key = items[i]->kind;
      if (key != Kind::string && key != Kind::integer && key != Kind::bytes) {
        fail(fmt::format("pickle uses {} as a dict key", kind_name(key)));
      }
      dict->entries.emplace_back(items[i], items[i + 1]);
    }
  }
  void memo_put(uint64_t index) {
    if (memo_.size() >= max_pickle_values) fail("pickle memo too large");
    memo_[index] = top();
  }
  void memo_get(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail(fmt::format("pickle reads memo entry {} it never stored", index));
    push(it->second);
  }
  void push_text(Kind kind, uint64_t length) {
    PickleValue value;
    value.kind = kind;
    value.text = std::string(take(length));
    push(make(std::move(value)));
  }
  void push_integer(int64_t integer) {
    PickleValue value;
    value.kind = Kind::integer;
    value.integer = integer;
    push(make(std::move(value)));
  }
  void push_long(uint64_t length) {
    const std::string_view b = take(length);
    PickleValue value;
    if (length <= 8) {
      uint64_t bits = 0;
      for (size_t i = length; i-- > 0;) bits = (bits << 8) | static_cast<uint8_t>(b[i]);
      if (length > 0 && length < 8 && (static_cast<uint8_t>(b[length - 1]) & 0x80)) {
        bits |= ~uint64_t{0} << (8 * length);  // sign-extend
      }
      value.kind = Kind::integer;
      value.integer = static_cast<int64_t>(bits);
    } else {
      value.kind = Kind::big_integer;
      value.text = std::string(b);
    }
    push(make(std::move(value)));
  }
  void push_global(std::string name) {
    if (!is_one_of(name, callables) && !is_one_of(name, tensor_types) &&
        storage_types().count(name) == 0) {
      fail(fmt::format("pickle refers to '{}', which state dicts do not use (refused: only "
                       "tensors, dicts, lists, strings and numbers are read)", name));
    }
    PickleValue value;
    value.kind = Kind::global;
    value.text = std::move(name);
    push(make(std::move(value)));
  }
  void push_tuple(std::vector<PickleValue*> items) {
    PickleValue value;
    value.kind = Kind::tuple;
    value.items = std::move(items);
    push(make(std::move(value)));
  }

  // ---- calls
  static int64_t as_int(const PickleValue* value, const Machine& m, const char* what) {
    if (value->kind != Kind::integer) m.fail(fmt::format("tensor {} is not an integer", what));
    return value->integer;
  }
  std::vector<int64_t> int_tuple(const PickleValue* value, const char* what) const {
    if (value->kind != Kind::tuple) fail(fmt::format("tensor {} is not a tuple", what));
    std::vector<int64_t> out;
    for (const PickleValue* item : value->items) out.push_back(as_int(item, *this, what));
    return out;
  }
  PickleValue* call(const PickleValue* callable, const PickleValue* args) {
    if (callable->kind != Kind::global) fail("pickle calls something that is not a global");
    if (args->kind != Kind::tuple) fail("pickle calls a function without an argument tuple");
    const std::string& name = callable->text;
    const std::vector<PickleValue*>& a = args->items;
    if (name == "collections.OrderedDict") {
      if (!a.empty()) fail("OrderedDict is given arguments");
      return make(Kind::dict);
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
      if (a.size() < 4) fail(fmt::format("{} has {} arguments", name, a.size()));
      PickleValue tensor;
      tensor.kind = Kind::tensor;
      tensor.tensor.storage = expect(a[0], Kind::storage, "a tensor's storage")->storage;
      tensor.tensor.offset = as_int(a[1], *this, "offset");
      tensor.tensor.shape = int_tuple(a[2], "size");
      tensor.tensor.stride = int_tuple(a[3], "stride");
      return make(std::move(tensor));
    }
    if (name == "torch._utils._rebuild_parameter" ||
        name == "torch._utils._rebuild_parameter_with_state") {
      if (a.empty()) fail(fmt::format("{} has no arguments", name));
      return expect(a[0], Kind::tensor, "a parameter");
    }
    if (name == "torch._tensor._rebuild_from_type_v2") {
      if (a.size() != 4) fail(fmt::format("{} has {} arguments", name, a.size()));
      if (a[1]->kind != Kind::global || !is_one_of(a[1]->text, tensor_types)) {
        fail("pickle rebuilds a tensor subclass, which state dicts do not use");
      }
      return call(a[0], a[2]);
    }
    fail(fmt::format("pickle calls '{}', which cannot be called", name));
  }

  void build() {
    const PickleValue* state = pop();
    const PickleValue* object = top();
    // An ordered dict's attributes (`_metadata`) and a tensor's state carry nothing we need.
    if (object->kind != Kind::dict && object->kind != Kind::tensor) {
      fail(fmt::format("pickle sets the state of {}", kind_name(object->kind)));
    }
    (void)state;
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: byte(); return;                  // PROTO
      case 0x95: little(8); return;               // FRAME
      case '(': marks_.push_back(stack_.size()); return;  // MARK
      case '}': push(make(Kind::dict)); return;    // EMPTY_DICT
      case ']': push(make(Kind::list)); return;    // EMPTY_LIST
      case ')': push_tuple({}); return;            // EMPTY_TUPLE
      case 't': push_tuple(pop_mark()); return;    // TUPLE
      case 0x85: case 0x86: case 0x87: {           // TUPLE1..3
        std::vector<PickleValue*> items(op - 0x84);
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        push_tuple(std::move(items));
        return;
      }
      case 'd': {                                  // DICT
        const std::vector<PickleValue*> items = pop_mark();
        PickleValue* dict = make(Kind::dict);
        set_items(dict, items);
        push(dict);
        return;
      }
      case 'l': {                                  // LIST
        const std::vector<PickleValue*> items = pop_mark();
        PickleValue* list = make(Kind::list);
        add_items(list, items);
        push(list);
        return;
      }
      case 's': {                                  // SETITEM
        PickleValue* value = pop();
        PickleValue* key = pop();
        set_items(top(), {key, value});
        return;
      }
      case 'u': { const auto items = pop_mark(); set_items(top(), items); return; }  // SETITEMS
      case 'a': { PickleValue* item = pop(); add_items(top(), {item}); return; }    // APPEND
      case 'e': { const auto items = pop_mark(); add_items(top(), items); return; }  // APPENDS
      case 'N': push(make(Kind::none)); return;     // NONE
      case 0x88: case 0x89: {                       // NEWTRUE, NEWFALSE
        PickleValue value;
        value.kind = Kind::boolean;
        value.boolean = op == 0x88;
        push(make(std::move(value)));
        return;
      }
      case 'J': push_integer(static_cast<int32_t>(little(4))); return;  // BININT
      case 'K': push_integer(static_cast<int64_t>(little(1))); return;  // BININT1
      case 'M': push_integer(static_cast<int64_t>(little(2))); return;  // BININT2
      case 0x8a: push_long(little(1)); return;                          // LONG1
      case 0x8b: push_long(little(4)); return;                          // LONG4
      case 'G': {                                                       // BINFLOAT (big-endian)
        const std::string_view b = take(8);
        uint64_t bits = 0;
        for (char c : b) bits = (bits << 8) | static_cast<uint8_t>(c);
        PickleValue value;
        value.kind = Kind::real;
        std::memcpy(&value.real, &bits, sizeof bits);
        push(make(std::move(value)));
        return;
      }
      case 'X': push_text(Kind::string, little(4)); return;       // BINUNICODE
      case 0x8c: push_text(Kind::string, little(1)); return;      // SHORT_BINUNICODE
      case 0x8d: push_text(Kind::string, little(8)); return;      // BINUNICODE8
      case 'T': push_text(Kind::string, little(4)); return;       // BINSTRING (Python 2 str)
      case 'U': push_text(Kind::string, little(1)); return;       // SHORT_BINSTRING
      case 'B': push_text(Kind::bytes, little(4)); return;        // BINBYTES
      case 'C': push_text(Kind::bytes, little(1)); return;        // SHORT_BINBYTES
      case 'q': memo_put(little(1)); return;                      // BINPUT
      case 'r': memo_put(little(4)); return;                      // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); return;                  // MEMOIZE
      case 'h': memo_get(little(1)); return;                      // BINGET
      case 'j': memo_get(little(4)); return;                      // LONG_BINGET
      case '0': pop(); return;                                    // POP
      case '1': pop_mark(); return;                               // POP_MARK
      case '2': push(top()); return;                              // DUP
      case 'c': {                                                 // GLOBAL
        const std::string module(line());
        push_global(module + "." + std::string(line()));
        return;
      }
      case 0x93: {                                                // STACK_GLOBAL
        const PickleValue* name = expect(pop(), Kind::string, "STACK_GLOBAL");
        const PickleValue* module = expect(pop(), Kind::string, "STACK_GLOBAL");
        push_global(module->text + "." + name->text);
        return;
      }
      case 'R': {                                                 // REDUCE
        const PickleValue* args = pop();
        const PickleValue* callable = pop();
        push(call(callable, args));
        return;
      }
      case 'b': build(); return;                                  // BUILD
      case 'Q': {                                                 // BINPERSID
        const PickleValue* id = pop();
        if (load_ == nullptr) fail("pickle refers to a storage outside it");
        PickleValue value;
        value.kind = Kind::storage;
        value.storage = load_(*id, source_);
        push(make(std::move(value)));
        return;
      }
      default:
        fail(fmt::format("pickle opcode 0x{:02x} at byte {} is not one state dicts use", op,
                         pos_ - 1));
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
  const std::string& source_;
  PersistentLoad load_;
  Pickle pickle_;
  std::vector<PickleValue*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, PickleValue*> memo_;
};

[[noreturn]] void fail_id(const std::string& source, const std::string& problem) {
  throw FormatError(fmt::format("cannot read '{}': {}", source, problem));
}

// ('storage', type, key, location, numel, ...): the common part of both formats.
PickleStorage common_storage(const PickleValue& id, const std::string& source, size_t arity) {
  if (id.kind != Kind::tuple || id.items.empty() || id.items[0]->kind != Kind::string) {
    fail_id(source, "a persistent id is not a ('storage', ...) tuple");
  }
  if (id.items[0]->text == "module") {
    fail_id(source, "the file pickles a whole module (torch.save(model)); save and import "
                    "model.state_dict() instead");
  }
  if (id.items[0]->text != "storage" || id.items.size() != arity) {
    fail_id(source, fmt::format("a persistent id is not a {}-field ('storage', ...) tuple", arity));
  }
  const PickleValue& type = *id.items[1];
  const auto dtype = type.kind == Kind::global ? storage_types().find(type.text)
                                               : storage_types().end();
  if (dtype == storage_types().end()) fail_id(source, "a storage has an unknown element type");
  if (id.items[2]->kind != Kind::string || id.items[4]->kind != Kind::integer ||
      id.items[4]->integer < 0) {
    fail_id(source, "a storage's key or size is malformed");
  }
  PickleStorage storage;
  storage.key = id.items[2]->text;
  storage.dtype = dtype->second;
  storage.numel = id.items[4]->integer;
  return storage;
}

}  // namespace

PickleValue* Pickle::add(PickleValue value) {
  values_->push_back(std::move(value));
  return &values_->back();
}

Pickle unpickle(std::string_view bytes, const std::string& source, PersistentLoad storage,
                size_t* consumed) {
  return Machine(bytes, source, storage).run(consumed);
}

PickleStorage zip_persistent_load(const PickleValue& id, const std::string& source) {
  return common_storage(id, source, 5);
}

PickleStorage legacy_persistent_load(const PickleValue& id, const std::string& source) {
  PickleStorage storage = common_storage(id, source, 6);
  const PickleValue& view = *id.items[5];
  if (view.kind == Kind::tuple && view.items.size() == 3 &&
      view.items[1]->kind == Kind::integer && view.items[1]->integer >= 0) {
    storage.view_offset = view.items[1]->integer;
  } else if (view.kind != Kind::none) {
    fail_id(source, "a storage view is malformed");
  }
  return storage;
}

}  // namespace restora::pth
