// The restricted unpickler on hand-written pickles: what state dicts use is read, everything that
// could run code or exhaust memory is refused with a message naming the problem.
#include <gtest/gtest.h>

#include <string>

#include "pth/pickle.h"
#include "restora/errors.h"

namespace restora::pth {
namespace {

using Kind = PickleValue::Kind;
// Pickle bytes written as Python shows them: \xNN is one byte (exactly two hex digits), \n a
// newline, everything else itself. (C++'s own \x escapes swallow every hex digit that follows.)
std::string py(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(text.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string refusal(const std::string& bytes, PersistentLoad load = nullptr) {
  try {
    unpickle(bytes, "test.pkl", load);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Pickle, ReadsProtocolTwoContainersAndNumbers) {
  // {'a': [1, -2, 300, 70000, 2**40, 1.5, True, None], 'b': ('x', b'y')} as pickle.dumps(protocol=2)
  const std::string bytes =
      py(R"(\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01J\xfe\xff\xff\xffM,\x01J\x70\x11\x01\x00\x8a\x06\x00\x00\x00\x00\x00\x01G?\xf8\x00\x00\x00\x00\x00\x00\x88NeX\x01\x00\x00\x00bq\x03X\x01\x00\x00\x00xq\x04C\x01y\x86q\x05u.)");
  const Pickle pickle = unpickle(bytes, "test.pkl");
  const PickleValue& root = pickle.root();
  ASSERT_EQ(root.kind, Kind::dict);
  ASSERT_EQ(root.entries.size(), 2u);
  EXPECT_EQ(root.entries[0].first->text, "a");
  const PickleValue& list = *root.entries[0].second;
  ASSERT_EQ(list.kind, Kind::list);
  ASSERT_EQ(list.items.size(), 8u);
  EXPECT_EQ(list.items[0]->integer, 1);
  EXPECT_EQ(list.items[1]->integer, -2);
  EXPECT_EQ(list.items[2]->integer, 300);
  EXPECT_EQ(list.items[3]->integer, 70000);
  EXPECT_EQ(list.items[4]->integer, int64_t{1} << 40);
  EXPECT_DOUBLE_EQ(list.items[5]->real, 1.5);
  EXPECT_TRUE(list.items[6]->boolean);
  EXPECT_EQ(list.items[7]->kind, Kind::none);
  const PickleValue& tuple = *root.entries[1].second;
  ASSERT_EQ(tuple.kind, Kind::tuple);
  EXPECT_EQ(tuple.items[0]->text, "x");
  EXPECT_EQ(tuple.items[1]->kind, Kind::bytes);
  EXPECT_EQ(tuple.items[1]->text, "y");
}

TEST(Pickle, NegativeLongsAreSignExtended) {
  const Pickle pickle = unpickle(py(R"(\x80\x02\x8a\x02\x00\xff.)"), "test.pkl");  // -256
  EXPECT_EQ(pickle.root().integer, -256);
}

TEST(Pickle, MemoSharesValues) {
  // x = [7]; [x, x]
  const Pickle pickle = unpickle(py(R"(\x80\x02](](K\x07eq\x01h\x01e.)"), "test.pkl");
  ASSERT_EQ(pickle.root().items.size(), 2u);
  EXPECT_EQ(pickle.root().items[0], pickle.root().items[1]);
}

TEST(Pickle, RefusesGlobalsThatStateDictsDoNotUse) {
  // pickle.dumps of a __reduce__ to os.system, protocol 0 and 2
  const std::string text = refusal(py(R"(cposix\nsystem\n(S'echo no'\ntR.)"));
  EXPECT_NE(text.find("'posix.system'"), std::string::npos) << text;
  EXPECT_NE(text.find("test.pkl"), std::string::npos) << text;
  EXPECT_NE(refusal(py(R"(\x80\x02\x63builtins\neval\nq\x00X\x01\x00\x00\x001\x85R.)")).find("builtins.eval"),
            std::string::npos);
  // STACK_GLOBAL (protocol 4) is checked the same way
  EXPECT_NE(refusal(py(R"(\x80\x04\x8c\x02os\x8c\x06system\x93.)")).find("'os.system'"), std::string::npos);
}

TEST(Pickle, RefusesCallingAllowedNamesThatAreNotCallable) {
  EXPECT_NE(refusal(py(R"(\x80\x02\x63torch\nFloatStorage\n)R.)")).find("cannot be called"),
            std::string::npos);
  EXPECT_NE(refusal(py(R"(\x80\x02\x63collections\nOrderedDict\nK\x01\x85R.)")).find("arguments"),
            std::string::npos);
}

TEST(Pickle, RefusesUnknownOpcodesTruncationAndBadStacks) {
  EXPECT_NE(refusal(py(R"(\x80\x02I1\n.)")).find("opcode 0x49"), std::string::npos);  // protocol 0 INT
  EXPECT_NE(refusal(py(R"(\x80\x02}q\x00(X\x05\x00\x00\x00ab)")).find("truncated"), std::string::npos);
  EXPECT_NE(refusal(py(R"(\x80\x02s.)")).find("empty stack"), std::string::npos);
  EXPECT_NE(refusal(py(R"(\x80\x02K\x01K\x02.)")).find("unbalanced"), std::string::npos);
  EXPECT_NE(refusal(py(R"(\x80\x02h\x05.)")).find("memo entry 5"), std::string::npos);
  EXPECT_NE(refusal(py(R"(\x80\x02t.)")).find("mark"), std::string::npos);
  EXPECT_NE(refusal(py(R"(\x80\x02}(]K\x01u.)")).find("a list as a dict key"), std::string::npos);
  EXPECT_NE(refusal(py(R"(\x80\x02K\x01K\x02a.)")).find("expects a list"), std::string::npos);
  EXPECT_NE(refusal(py(R"()")).find("truncated"), std::string::npos);
}

TEST(Pickle, PersistentIdsNeedALoaderAndTheStorageShape) {
  const std::string id_zip =
      py(R"(\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ.)");
  EXPECT_NE(refusal(id_zip).find("outside"), std::string::npos);
  const Pickle pickle = unpickle(id_zip, "test.pkl", zip_persistent_load);
  ASSERT_EQ(pickle.root().kind, Kind::storage);
  EXPECT_EQ(pickle.root().storage.key, "0");
  EXPECT_EQ(pickle.root().storage.numel, 4);
  EXPECT_EQ(pickle.root().storage.dtype, model_file::DType::f32);
  // the legacy loader wants six fields
  EXPECT_NE(refusal(id_zip, legacy_persistent_load).find("6-field"), std::string::npos);
  const std::string module = py(R"(\x80\x02(X\x06\x00\x00\x00moduleK\x01tQ.)");
  EXPECT_NE(refusal(module, zip_persistent_load).find("state_dict()"), std::string::npos);
}

TEST(Pickle, CyclesAreValuesNotLoops) {
  // l = []; l.append(l): the value exists; walking it is the flattener's problem (bounded there)
  const Pickle pickle = unpickle(py(R"(\x80\x02]q\x00h\x00a.)"), "test.pkl");
  ASSERT_EQ(pickle.root().items.size(), 1u);
  EXPECT_EQ(pickle.root().items[0], &pickle.root());
}

TEST(Pickle, ReportsTheBytesItConsumed) {
  size_t used = 0;
  unpickle(py(R"(\x80\x02K\x05.trailing)"), "test.pkl", nullptr, &used);
  EXPECT_EQ(used, 5u);
}

}  // namespace
}  // namespace restora::pth
