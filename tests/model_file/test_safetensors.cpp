// Tests of src/model_file/safetensors: byte compatibility with independently
// built files, round trips, and one test per way a hostile file can be wrong.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "model_file/safetensors.h"
#include "restora/errors.h"

namespace restora::model_file {
namespace {

namespace fs = std::filesystem;

// From tests/model_file/reference/make_safetensors_reference.py (bytes built
// by hand with struct/json/numpy following the spec and the reference writer).
constexpr uint64_t canonical_header_length = 496;
const std::string canonical_header =
    R"json({"__metadata__":{"format":"restora-model","note":"café crème"},"step":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"body.0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]},"empty":{"dtype":"F32","shape":[0,4],"data_offsets":[32,32]},"tail.bf16":{"dtype":"BF16","shape":[2],"data_offsets":[32,36]},"body.0.bias":{"dtype":"F16","shape":[2],"data_offsets":[36,40]},"codes":{"dtype":"U8","shape":[2],"data_offsets":[40,42]},"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[42,45]}})json" +
    std::string(1, ' ');
const std::vector<uint8_t> canonical_data = {
    0x14, 0x1a, 0x99, 0xbe, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0xa0,
    0xbf, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x60, 0x40, 0x6f, 0x12, 0x83, 0x3a, 0x00, 0xe0,
    0x7f, 0x47, 0x80, 0x3f, 0x00, 0xc0, 0x00, 0x3e, 0x00, 0xb4, 0x07, 0xff, 0x01, 0x00, 0x01,
};
constexpr uint64_t foreign_header_length = 557;
const std::string foreign_header =
    R"json({"body.0.bias": {"shape": [2], "data_offsets": [41, 45], "dtype": "F16"}, "body.0.weight": {"shape": [2, 3], "data_offsets": [17, 41], "dtype": "F32"}, "codes": {"shape": [2], "data_offsets": [15, 17], "dtype": "U8"}, "empty": {"shape": [0, 4], "data_offsets": [15, 15], "dtype": "F32"}, "mask": {"shape": [3], "data_offsets": [12, 15], "dtype": "BOOL"}, "step": {"shape": [], "data_offsets": [4, 12], "dtype": "I64"}, "tail.bf16": {"shape": [2], "data_offsets": [0, 4], "dtype": "BF16"}, "__metadata__": {"format": "restora-model", "note": "café crème"}})json";
const std::vector<uint8_t> foreign_data = {
    0x80, 0x3f, 0x00, 0xc0, 0x14, 0x1a, 0x99, 0xbe, 0x1c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
    0x07, 0xff, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0xa0, 0xbf, 0x00, 0x00, 0x00, 0x40, 0x00,
    0x00, 0x60, 0x40, 0x6f, 0x12, 0x83, 0x3a, 0x00, 0xe0, 0x7f, 0x47, 0x00, 0x3e, 0x00, 0xb4,
};

const std::string source = "test.safetensors";

// A file: 8-byte little-endian header length, header, data.
std::vector<uint8_t> assemble(const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> file;
  for (int i = 0; i < 8; ++i) file.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  file.insert(file.end(), header.begin(), header.end());
  file.insert(file.end(), data.begin(), data.end());
  return file;
}

std::vector<uint8_t> little_endian(const void* values, size_t count, size_t size) {
  std::vector<uint8_t> bytes(count * size);
  const auto* raw = static_cast<const uint8_t*>(values);
  for (size_t i = 0; i < count; ++i) {
    uint64_t value = 0;
    std::memcpy(&value, raw + i * size, size);  // host order: every CI host is little-endian
    for (size_t b = 0; b < size; ++b) bytes[i * size + b] = static_cast<uint8_t>(value >> (8 * b));
  }
  return bytes;
}

// The same content as make_safetensors_reference.py, in a shuffled order.
Safetensors reference_input() {
  const float weight[] = {0.5f, -1.25f, 2.0f, 3.5f, 1e-3f, 65504.0f};
  const int64_t step = 123456789012;
  Safetensors file;
  file.metadata = {{"format", "restora-model"}, {"note", "caf\xc3\xa9 cr\xc3\xa8me"}};
  file.tensors = {
      {"mask", DType::boolean, {3}, {1, 0, 1}},
      {"body.0.weight", DType::f32, {2, 3}, little_endian(weight, 6, 4)},
      {"codes", DType::u8, {2}, {7, 255}},
      {"step", DType::i64, {}, little_endian(&step, 1, 8)},
      {"tail.bf16", DType::bf16, {2}, {0x80, 0x3f, 0x00, 0xc0}},   // 1.0, -2.0
      {"body.0.bias", DType::f16, {2}, {0x00, 0x3e, 0x00, 0xb4}},  // 1.5, -0.25
      {"empty", DType::f32, {0, 4}, {}},
  };
  return file;
}

void expect_same_content(const Safetensors& expected, const Safetensors& actual) {
  EXPECT_EQ(expected.metadata, actual.metadata);
  ASSERT_EQ(expected.tensors.size(), actual.tensors.size());
  for (const Tensor& tensor : expected.tensors) {
    const Tensor* found = actual.find(tensor.name);
    ASSERT_NE(found, nullptr) << tensor.name;
    EXPECT_EQ(found->dtype, tensor.dtype) << tensor.name;
    EXPECT_EQ(found->shape, tensor.shape) << tensor.name;
    EXPECT_EQ(found->bytes, tensor.bytes) << tensor.name;
  }
}

// The FormatError message of parsing `bytes`, or a note saying what happened instead.
std::string parse_failure(const std::vector<uint8_t>& bytes) {
  try {
    parse_safetensors(bytes.data(), bytes.size(), source);
  } catch (const FormatError& error) {
    return error.what();
  } catch (const std::exception& error) {
    return std::string("<not a FormatError> ") + error.what();
  }
  return "<parsed without error>";
}

::testing::AssertionResult fails_with(const std::vector<uint8_t>& bytes,
                                      const std::string& fragment) {
  const std::string message = parse_failure(bytes);
  const std::string prefix = "cannot read '" + source + "': ";
  if (message.rfind(prefix, 0) == 0 && message.find(fragment) != std::string::npos &&
      message.find('\n') == std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "message \"" << message << "\" lacks \"" << fragment << "\"";
}

// A folder of its own under the system temporary folder, removed at the end.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            (std::string("restora_") + test->test_suite_name() + "_" + test->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TemporaryFolder() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) {
      names.push_back(entry.path().filename());
    }
    return names;
  }

 private:
  fs::path path_;
};

TEST(DType, NamesSizesAndParsingAgree) {
  const DType all[] = {DType::f64, DType::f32, DType::f16, DType::bf16, DType::i64,
                       DType::i32, DType::i16, DType::i8,  DType::u8,   DType::boolean};
  const char* names[] = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"};
  const size_t sizes[] = {8, 4, 2, 2, 8, 4, 2, 1, 1, 1};
  for (size_t i = 0; i < std::size(all); ++i) {
    EXPECT_STREQ(dtype_name(all[i]), names[i]);
    EXPECT_EQ(dtype_size(all[i]), sizes[i]);
    EXPECT_EQ(dtype_from_name(names[i]), all[i]);
  }
  EXPECT_EQ(dtype_from_name("f32"), std::nullopt);
  EXPECT_EQ(dtype_from_name("U16"), std::nullopt);
}

TEST(Tensor, NumelIsTheProductOfTheShape) {
  EXPECT_EQ((Tensor{"scalar", DType::f32, {}, {}}).numel(), 1);
  EXPECT_EQ((Tensor{"empty", DType::f32, {0, 4}, {}}).numel(), 0);
  EXPECT_EQ((Tensor{"conv", DType::f32, {64, 3, 3, 3}, {}}).numel(), 1728);
}

TEST(Serialize, MatchesIndependentlyBuiltReferenceBytes) {
  ASSERT_EQ(canonical_header.size(), canonical_header_length);
  EXPECT_EQ(serialize_safetensors(reference_input()), assemble(canonical_header, canonical_data));
}

// Expected bytes from the reference implementation's own tests (tensor.rs,
// test_empty): "{}" and a "framework" entry, padded with spaces.
TEST(Serialize, MatchesTheReferenceImplementationForEmptyFiles) {
  const std::vector<uint8_t> empty = {8,   0,   0,   0,   0,   0,   0,   0,
                                      '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
  EXPECT_EQ(serialize_safetensors({}), empty);
  const std::vector<uint8_t> framework = {
      40,  0,   0,   0,  0,  0,  0,   0,   123, 34,  95,  95,  109, 101, 116, 97,
      100, 97,  116, 97, 95, 95, 34,  58,  123, 34,  102, 114, 97,  109, 101, 119,
      111, 114, 107, 34, 58, 34, 112, 116, 34,  125, 125, 32,  32,  32,  32,  32};
  EXPECT_EQ(serialize_safetensors({{{"framework", "pt"}}, {}}), framework);
}

TEST(Parse, ReadsTheIndependentlyBuiltReferenceFile) {
  ASSERT_EQ(canonical_header.size(), canonical_header_length);
  const std::vector<uint8_t> bytes = assemble(canonical_header, canonical_data);
  const Safetensors file = parse_safetensors(bytes.data(), bytes.size(), source);
  expect_same_content(reference_input(), file);
  // Parsed tensors come in the order of their data.
  EXPECT_EQ(file.tensors.front().name, "step");
  EXPECT_EQ(file.tensors.back().name, "mask");
}

TEST(Parse, ReadsAFileLaidOutByAnotherWriter) {
  ASSERT_EQ(foreign_header.size(), foreign_header_length);
  const std::vector<uint8_t> bytes = assemble(foreign_header, foreign_data);
  const Safetensors file = parse_safetensors(bytes.data(), bytes.size(), source);
  expect_same_content(reference_input(), file);
  float last_weight = 0;
  std::memcpy(&last_weight, file.find("body.0.weight")->bytes.data() + 20, 4);
  EXPECT_EQ(last_weight, 65504.0f);
  EXPECT_EQ(file.find("absent"), nullptr);
}

TEST(Serialize, RoundTripsThroughParse) {
  const Safetensors original = reference_input();
  const std::vector<uint8_t> bytes = serialize_safetensors(original);
  expect_same_content(original, parse_safetensors(bytes.data(), bytes.size(), source));
  EXPECT_EQ(bytes.size() % 8, (8 + canonical_data.size()) % 8);  // header padded to 8
}

TEST(Serialize, RejectsContentNoReaderWouldAccept) {
  const auto rejects = [](Tensor tensor, const std::string& fragment) {
    Safetensors file;
    file.tensors.push_back(std::move(tensor));
    try {
      serialize_safetensors(file);
    } catch (const InvalidArgument& error) {
      return std::string(error.what()).find(fragment) != std::string::npos;
    }
    return false;
  };
  EXPECT_TRUE(rejects({"w", DType::f32, {3}, {0, 0, 0, 0}}, "holds 4 bytes"));
  EXPECT_TRUE(rejects({"w", DType::f32, {-1}, {}}, "negative dimension"));
  EXPECT_TRUE(rejects({"__metadata__", DType::u8, {1}, {0}}, "reserved"));
  EXPECT_TRUE(rejects({"bad\xff", DType::u8, {1}, {0}}, "UTF-8"));
  Safetensors twice;
  twice.tensors = {{"w", DType::u8, {1}, {0}}, {"w", DType::i8, {1}, {0}}};
  EXPECT_THROW(serialize_safetensors(twice), InvalidArgument);
}

// The writer counts the header's JSON values as the reader does: a file at
// the limit is written and read back, one value more is refused before
// anything is written. Values: the root, 70 per rank-64 tensor (object,
// dtype, shape, 64 dimensions, offsets and their 2 numbers), the metadata
// object and its strings: 1 + 14285 * 70 + 1 + 48 = 1,000,000.
TEST(Serialize, AcceptsExactlyWhatTheReaderAccepts) {
  Safetensors file;
  for (int i = 0; i < 14'285; ++i) {
    file.tensors.push_back({std::to_string(i), DType::u8, std::vector<int64_t>(64, 1), {7}});
  }
  for (int i = 0; i < 48; ++i) file.metadata[std::to_string(i)] = "x";
  const std::vector<uint8_t> bytes = serialize_safetensors(file);
  EXPECT_EQ(parse_safetensors(bytes.data(), bytes.size(), source).tensors.size(), 14'285u);
  // The reader refuses the same file with one more metadata string.
  const size_t header_size = bytes.size() - 14'285;
  std::string header(bytes.begin() + 8, bytes.begin() + header_size);
  const std::string opening = "{\"__metadata__\":{";
  ASSERT_EQ(header.rfind(opening, 0), 0u);
  header.insert(opening.size(), "\"one_more\":\"x\",");
  EXPECT_TRUE(fails_with(assemble(header, {bytes.begin() + header_size, bytes.end()}),
                         "header holds more than 1000000 JSON values"));
  file.metadata["one_more"] = "x";
  EXPECT_THROW(serialize_safetensors(file), InvalidArgument);
}

TEST(Files, WriteThenReadRoundTripsAndLeavesNoTemporaryFile) {
  const TemporaryFolder folder;
  const fs::path path = folder.path() / "model.safetensors";
  write_safetensors(path, reference_input());
  expect_same_content(reference_input(), read_safetensors(path));
  Safetensors smaller;
  smaller.tensors = {{"only", DType::u8, {1}, {42}}};
  write_safetensors(path, smaller);  // replaces the old file
  expect_same_content(smaller, read_safetensors(path));
  EXPECT_EQ(folder.entries(), std::vector<std::string>{"model.safetensors"});
}

TEST(Files, WriteIntoAMissingFolderIsAFileErrorNamingThePath) {
  const TemporaryFolder folder;
  const fs::path path = folder.path() / "missing" / "model.safetensors";
  try {
    write_safetensors(path, reference_input());
    FAIL() << "no FileError";
  } catch (const FileError& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
  }
  std::ofstream(folder.path() / "plain_file") << "x";
  EXPECT_THROW(write_safetensors(folder.path() / "plain_file" / "model.safetensors", {}),
               FileError);
}

TEST(Files, InvalidContentIsRejectedBeforeAnyFileIsCreated) {
  const TemporaryFolder folder;
  Safetensors invalid;
  invalid.tensors = {{"w", DType::f32, {2}, {1, 2, 3}}};
  EXPECT_THROW(write_safetensors(folder.path() / "model.safetensors", invalid), InvalidArgument);
  EXPECT_TRUE(folder.entries().empty());
}

TEST(Files, ReadErrorsSayWhatIsWrong) {
  const TemporaryFolder folder;
  EXPECT_THROW(read_safetensors(folder.path() / "absent.safetensors"), FileError);
  EXPECT_THROW(read_safetensors(folder.path()), FileError);
  const fs::path empty = folder.path() / "empty.safetensors";
  std::ofstream{empty};
  try {
    read_safetensors(empty);
    FAIL() << "no FormatError";
  } catch (const FormatError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot read '" + empty.string() + "': file is empty (0 bytes)");
  }
}

// Mutations of a valid file at the byte level.
TEST(Hostile, ShortFilesAndBadHeaderLengths) {
  const std::vector<uint8_t> valid = assemble(canonical_header, canonical_data);
  EXPECT_TRUE(fails_with({}, "file is empty (0 bytes)"));
  EXPECT_TRUE(fails_with({valid.begin(), valid.begin() + 5}, "shorter than the 8-byte"));

  const auto with_length = [&](uint64_t length) {
    std::vector<uint8_t> bytes = valid;
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(length >> (8 * i));
    return bytes;
  };
  EXPECT_TRUE(fails_with(with_length(0), "header length is 0"));
  EXPECT_TRUE(fails_with(with_length(100'000'001), "exceeds the 100000000-byte limit"));
  EXPECT_TRUE(fails_with(with_length(~uint64_t{0}), "exceeds"));
  EXPECT_TRUE(fails_with(with_length(valid.size() - 7), "runs past the end"));
  EXPECT_TRUE(fails_with({valid.begin(), valid.begin() + 100}, "runs past the end"));
  // Truncated data: the last tensor now ends beyond the buffer.
  EXPECT_TRUE(fails_with({valid.begin(), valid.end() - 1}, "beyond the 44-byte data buffer"));
  // One byte too many: the buffer is not fully covered.
  std::vector<uint8_t> longer = valid;
  longer.push_back(0);
  EXPECT_TRUE(fails_with(longer, "bytes 45..46 of the data buffer belong to no tensor"));
}

struct HostileHeader {
  const char* label;
  std::string header;
  size_t data_size;
  const char* fragment;
};

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string repeated(const std::string& text, int count) {
  std::string result;
  for (int i = 0; i < count; ++i) result += text;
  return result;
}

std::string shape_of_rank(int rank) {
  std::string shape = "[1";
  for (int i = 1; i < rank; ++i) shape += ",1";
  return shape + "]";
}

const HostileHeader hostile_headers[] = {
    {"GarbageJson", "{garbage}", 0, "header is not valid JSON"},
    {"UnterminatedJson", R"({"w":{"dtype":"F32")", 0, "header is not valid JSON"},
    {"TrailingGarbage", "{} x", 0, "header is not valid JSON"},
    {"NumberOverflow", R"({"__metadata__":{"a":1e999}})", 0, "header is not valid JSON"},
    {"InvalidUtf8", "{\"w\xff\":1}", 0, "header is not valid JSON"},
    {"ArrayHeader", "[1,2]   ", 0, "header is not a JSON object"},
    {"LeadingSpace", " {}", 0, "header is not a JSON object"},
    {"EntryNotObject", R"({"w":[0,8]})", 8, "tensor 'w' is not a JSON object"},
    {"LacksDtype", R"({"w":{"shape":[2],"data_offsets":[0,8]}})", 8, "lacks key 'dtype'"},
    {"LacksShape", R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", 8, "lacks key 'shape'"},
    {"LacksOffsets", R"({"w":{"dtype":"F32","shape":[2]}})", 8, "lacks key 'data_offsets'"},
    {"ExtraKey", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"offsets":[0,8]}})", 8,
     "tensor 'w' has unknown key 'offsets'"},
    {"UnknownDtype", R"({"w":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}})", 8,
     "unsupported dtype 'F31'"},
    {"DtypeNotString", R"({"w":{"dtype":4,"shape":[2],"data_offsets":[0,8]}})", 8,
     "dtype is not a string"},
    {"ShapeNotArray", R"({"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", 8,
     "shape is not an array"},
    {"NegativeDimension", R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8,
     "negative dimension -2"},
    {"FractionalDimension", R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8,
     "dimension that is not an integer"},
    {"DimensionBeyondInt64",
     R"({"w":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,8]}})", 8,
     "element count overflows"},
    {"ElementCountOverflow",
     R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8,
     "element count overflows"},
    {"ByteCountOverflow",
     R"({"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}})", 8,
     "element count overflows"},
    {"TooManyDimensions",
     R"({"w":{"dtype":"U8","shape":)" + shape_of_rank(65) + R"(,"data_offsets":[0,1]}})", 1,
     "65 dimensions, more than 64"},
    {"OneOffset", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8,
     "data_offsets is not two non-negative integers"},
    {"ThreeOffsets", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}})", 8,
     "data_offsets is not two non-negative integers"},
    {"StringOffset", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,"8"]}})", 8,
     "data_offsets is not two non-negative integers"},
    {"NegativeOffset", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}})", 8,
     "data_offsets is not two non-negative integers"},
    {"OffsetsNotArray", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":{"a":0}}})", 8,
     "data_offsets is not two non-negative integers"},
    {"BeginAfterEnd", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8,
     "data_offsets [8, 0] end before they begin"},
    {"EndBeyondBuffer", R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8,
     "end 16 is beyond the 8-byte data buffer"},
    {"HugeEnd", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}})", 8,
     "is beyond the 8-byte data buffer"},
    {"WrongShape", R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8,
     "holds 8 bytes but shape [3] of F32 needs 12"},
    {"WrongDtype", R"({"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", 8,
     "holds 8 bytes but shape [2] of F64 needs 16"},
    {"Overlap",
     R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
     R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
     12, "tensors 'a' and 'b' overlap"},
    {"SameRangeTwice",
     R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
     R"("b":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})",
     8, "overlap"},
    {"HoleBetween",
     R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
     R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
     12, "bytes 4..8 of the data buffer belong to no tensor"},
    {"HoleAtStart", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12,
     "bytes 0..4 of the data buffer belong to no tensor"},
    {"HoleAtEnd", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 12,
     "bytes 8..12 of the data buffer belong to no tensor"},
    {"DataWithoutTensors", "{}", 4, "bytes 0..4 of the data buffer belong to no tensor"},
    {"MetadataNotObject", R"({"__metadata__":"restora"})", 0, "__metadata__ is not a JSON object"},
    {"MetadataNumber", R"({"__metadata__":{"format":"restora-model","version":1}})", 0,
     "__metadata__ value of key 'version' is not a string"},
    {"MetadataNull", R"({"__metadata__":{"format":null}})", 0,
     "__metadata__ value of key 'format' is not a string"},
    {"DuplicateTensorName",
     R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
     R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
     8, "header has duplicate key 'w'"},
    {"DuplicateEntryKey", R"({"w":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}})",
     4, "header has duplicate key 'dtype'"},
    {"DuplicateMetadata", R"({"__metadata__":{},"__metadata__":{}})", 0,
     "header has duplicate key '__metadata__'"},
    {"DeepNesting", R"({"__metadata__":{"a":)" + nested_arrays(100000) + "}}", 0,
     "header nests deeper than 64 levels"},
    {"TooManyValues", R"({"__metadata__":{"a":[0)" + repeated(",0", 1'000'000) + "]}}", 0,
     "header holds more than 1000000 JSON values"},
    {"ControlCharacterInName", "{\"a\\nb\":1}", 0, "tensor 'a\\nb' is not a JSON object"},
};

class HostileHeaders : public ::testing::TestWithParam<HostileHeader> {};

TEST_P(HostileHeaders, AreFormatErrorsThatNameTheProblem) {
  const HostileHeader& c = GetParam();
  EXPECT_TRUE(fails_with(assemble(c.header, std::vector<uint8_t>(c.data_size)), c.fragment));
}

INSTANTIATE_TEST_SUITE_P(Hostile, HostileHeaders, ::testing::ValuesIn(hostile_headers),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(Hostile, LongNamesAreCutInMessages) {
  const std::string name(5000, 'n');
  const std::string message = parse_failure(assemble("{\"" + name + "\":1}", {}));
  EXPECT_LT(message.size(), 200u) << message;
}

TEST(Hostile, ValidHeaderOddities) {
  // Allowed by the format: zero-size tensors, scalars, empty metadata, no tensors.
  EXPECT_EQ(parse_failure(assemble(R"({"__metadata__":{}})", {})), "<parsed without error>");
  EXPECT_EQ(parse_failure(assemble(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                                   R"("b":{"dtype":"F32","shape":[0,2],"data_offsets":[0,0]}})",
                                   {})),
            "<parsed without error>");
  EXPECT_EQ(
      parse_failure(assemble(R"({"s":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}   )", {9})),
      "<parsed without error>");
}

// Every prefix and thousands of seeded random corruptions of a valid file:
// each either parses to something that serializes and parses again, or is a
// FormatError. Nothing else (no other exception, no crash).
TEST(Hostile, TruncationsAndRandomCorruptionsNeverEscapeAsAnythingButFormatError) {
  const std::vector<uint8_t> valid = assemble(canonical_header, canonical_data);
  const auto check = [](const std::vector<uint8_t>& bytes) {
    try {
      const Safetensors file = parse_safetensors(bytes.data(), bytes.size(), source);
      const std::vector<uint8_t> again = serialize_safetensors(file);
      expect_same_content(file, parse_safetensors(again.data(), again.size(), source));
    } catch (const FormatError&) {
    }
  };
  for (size_t size = 0; size < valid.size(); ++size) check({valid.begin(), valid.begin() + size});
  std::mt19937 random(20240501);
  const std::string replacements = "{}[]\",:0123456789-.e \\\xff\x01";
  for (int trial = 0; trial < 5000; ++trial) {
    std::vector<uint8_t> bytes = valid;
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int edit = 0; edit < edits; ++edit) {
      const size_t at = random() % bytes.size();
      bytes[at] = trial % 2 ? static_cast<uint8_t>(random())
                            : static_cast<uint8_t>(replacements[random() % replacements.size()]);
    }
    check(bytes);
  }
}

}  // namespace
}  // namespace restora::model_file
