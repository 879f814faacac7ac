// Bad inputs, atomic writes and folder listing of src/image/image_io.
#include <gtest/gtest.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>

#include "fileio/file_io.h"
#include "image/decode.h"
#include "image/image_test_support.h"
#include "image/png_writer.h"
#include "restora/image_io.h"

namespace restora {
namespace {

using testing::Bytes;
using testing::contains;
using testing::error_message;
using testing::TemporaryFolder;

Bytes encoded(const char* extension) {
  cv::Mat image(24, 40, CV_8UC3);
  cv::randu(image, 0, 256);
  Bytes bytes;
  cv::imencode(extension, image, bytes);
  return bytes;
}

Image small_image() {
  Image image;
  image.pixels = cv::Mat(4, 6, CV_32FC3, cv::Scalar(0.2, 0.4, 0.6));
  return image;
}

bool running_as_root() { return ::geteuid() == 0; }

TEST(ImageReadErrors, MissingFileAndDirectoryAreFileErrors) {
  TemporaryFolder folder;
  const std::string missing = error_message<FileError>([&] { read_image(folder / "absent.png"); });
  EXPECT_TRUE(contains(missing, "absent.png")) << missing;
  EXPECT_TRUE(contains(missing, "no such file")) << missing;
  const std::string directory = error_message<FileError>([&] { read_image(folder.path()); });
  EXPECT_TRUE(contains(directory, "is a folder")) << directory;
}

TEST(ImageReadErrors, PermissionDeniedIsFileError) {
  if (running_as_root()) GTEST_SKIP() << "root reads files regardless of permissions";
  TemporaryFolder folder;
  testing::write_bytes(folder / "locked.png", encoded(".png"));
  std::filesystem::permissions(folder / "locked.png", std::filesystem::perms::none);
  const std::string message = error_message<FileError>([&] { read_image(folder / "locked.png"); });
  EXPECT_TRUE(contains(message, "permission denied")) << message;
}

TEST(ImageReadErrors, EmptyAndUnknownFilesAreFormatErrors) {
  TemporaryFolder folder;
  testing::write_bytes(folder / "empty.png", {});
  const std::string empty = error_message<FormatError>([&] { read_image(folder / "empty.png"); });
  EXPECT_EQ(empty,
            "cannot read image '" + (folder / "empty.png").string() + "': file is empty (0 bytes)");

  testing::write_bytes(folder / "garbage.jpg",
                       {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
  const std::string garbage =
      error_message<FormatError>([&] { read_image(folder / "garbage.jpg"); });
  EXPECT_TRUE(contains(garbage, "garbage.jpg")) << garbage;
  EXPECT_TRUE(contains(garbage, "unknown image format")) << garbage;
}

TEST(ImageReadErrors, TruncatedFilesAreFormatErrors) {
  TemporaryFolder folder;
  for (const char* extension : {".jpg", ".png", ".webp", ".bmp", ".tif"}) {
    const Bytes whole = encoded(extension);
    for (const std::size_t kept : {whole.size() - 1, whole.size() - 2, whole.size() - 20,
                                   whole.size() / 2, std::size_t(40)}) {
      SCOPED_TRACE(::testing::Message()
                   << extension << " cut to " << kept << " of " << whole.size());
      const auto path = folder / (std::string("cut") + extension);
      testing::write_bytes(path, Bytes(whole.begin(), whole.begin() + kept));
      const std::string message = error_message<FormatError>([&] { read_image(path); });
      EXPECT_TRUE(contains(message, path.string())) << message;
    }
  }
}

TEST(ImageReadErrors, TooManyPixelsAreRefusedFromTheHeaderBeforeDecoding) {
  // Every format's header gives 40×24 = 960 pixels: refused under a limit of 959, read at 960.
  for (const char* extension : {".png", ".jpg", ".bmp", ".tif", ".webp"}) {
    SCOPED_TRACE(extension);
    const Bytes bytes = encoded(extension);
    ReadOptions limited;
    limited.max_pixels = 959;
    const auto message = error_message<FormatError>([&] { decode_image(bytes, "big.img", limited); });
    EXPECT_TRUE(contains(message, "'big.img'")) << message;
    EXPECT_TRUE(contains(message, "40x24 is 960 pixels, more than the limit of 959")) << message;
    limited.max_pixels = 960;
    EXPECT_EQ(decode_image(bytes, "big.img", limited).pixels.size(), cv::Size(40, 24));
  }
  // A PNG whose header claims 20000×20000 is refused without allocating its 1.2 GB.
  Bytes bomb = encoded(".png");
  const unsigned char side[4] = {0x00, 0x00, 0x4E, 0x20};  // 20000, big-endian
  std::copy(side, side + 4, bomb.begin() + 16);
  std::copy(side, side + 4, bomb.begin() + 20);
  ReadOptions limited;
  limited.max_pixels = 100'000'000;
  EXPECT_TRUE(contains(error_message<FormatError>([&] { decode_image(bomb, "bomb.png", limited); }),
                       "20000x20000 is 400000000 pixels"));
}

TEST(ImageReadErrors, JpegWithoutEndMarkerIsRejected) {
  // libjpeg would decode this with a warning and grey rows.
  TemporaryFolder folder;
  const Bytes whole = encoded(".jpg");
  ASSERT_EQ(whole[whole.size() - 2], 0xFF);
  ASSERT_EQ(whole[whole.size() - 1], 0xD9);
  testing::write_bytes(folder / "no_eoi.jpg", Bytes(whole.begin(), whole.end() - 2));
  const std::string message =
      error_message<FormatError>([&] { read_image(folder / "no_eoi.jpg"); });
  EXPECT_TRUE(contains(message, "end-of-image")) << message;

  // Bytes after EOI are harmless.
  Bytes trailing = whole;
  trailing.insert(trailing.end(), {0, 0, 'x'});
  testing::write_bytes(folder / "trailing.jpg", trailing);
  EXPECT_EQ(read_image(folder / "trailing.jpg").pixels.size(), cv::Size(40, 24));
}

TEST(ImageReadErrors, CorruptPngDataIsFormatError) {
  TemporaryFolder folder;
  Bytes bytes = encoded(".png");
  for (std::size_t index = 60; index < 90; ++index) bytes[index] ^= 0x5A;  // inside IDAT
  testing::write_bytes(folder / "corrupt.png", bytes);
  const std::string message =
      error_message<FormatError>([&] { read_image(folder / "corrupt.png"); });
  EXPECT_TRUE(contains(message, "corrupt.png")) << message;
}

TEST(ImageWriteErrors, MissingOrInvalidFolderLeavesNothing) {
  TemporaryFolder folder;
  const std::string missing =
      error_message<FileError>([&] { write_image(small_image(), folder / "absent" / "out.png"); });
  EXPECT_TRUE(contains(missing, "out.png")) << missing;
  EXPECT_TRUE(contains(missing, "does not exist")) << missing;

  testing::write_bytes(folder / "file", {1});
  error_message<FileError>([&] { write_image(small_image(), folder / "file" / "out.png"); });
  EXPECT_EQ(folder.entries(), std::vector<std::string>{"file"});
}

TEST(ImageWriteErrors, UnwritableFolderLeavesNothing) {
  if (running_as_root()) GTEST_SKIP() << "root writes regardless of permissions";
  TemporaryFolder folder;
  std::filesystem::create_directory(folder / "locked");
  std::filesystem::permissions(
      folder / "locked", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  const std::string message =
      error_message<FileError>([&] { write_image(small_image(), folder / "locked" / "out.png"); });
  EXPECT_TRUE(contains(message, "permission denied")) << message;
  EXPECT_TRUE(std::filesystem::is_empty(folder / "locked"));
}

TEST(ImageWriteErrors, FailedRenameRemovesTheTemporaryFile) {
  TemporaryFolder folder;
  // A non-empty directory where the file should go: rename fails.
  std::filesystem::create_directories(folder / "out.png" / "inside");
  error_message<FileError>([&] { write_image(small_image(), folder / "out.png"); });
  EXPECT_EQ(folder.entries(), std::vector<std::string>{"out.png"});
}

TEST(ImageWriteErrors, UnknownExtensionAndBadImagesAreInvalidArguments) {
  TemporaryFolder folder;
  const std::string unknown =
      error_message<InvalidArgument>([&] { write_image(small_image(), folder / "out.gif"); });
  EXPECT_TRUE(contains(unknown, "'.gif'")) << unknown;
  error_message<InvalidArgument>([&] { write_image(small_image(), folder / "noextension"); });
  error_message<InvalidArgument>([&] { write_image(Image{}, folder / "empty.png"); });
  Image doubles;
  doubles.pixels = cv::Mat(2, 2, CV_64FC3);
  error_message<InvalidArgument>([&] { write_image(doubles, folder / "f64.png"); });
  Image two_channels;
  two_channels.pixels = cv::Mat(2, 2, CV_8UC2);
  error_message<InvalidArgument>([&] { write_image(two_channels, folder / "two.png"); });
  Image wrong_alpha = small_image();
  wrong_alpha.alpha = cv::Mat(1, 1, CV_32F);
  error_message<InvalidArgument>([&] { write_image(wrong_alpha, folder / "alpha.png"); });
  EXPECT_TRUE(folder.entries().empty());
}

// A stream that fails halfway (disk full): the exception comes out of libpng's C frames intact,
// the temporary file goes, the old file stays.
TEST(ImageWriteErrors, StreamFailingHalfwayLeavesTheOldFile) {
  Image image;
  image.pixels = cv::Mat(64, 64, CV_8UC3);
  cv::randu(image.pixels, 0, 256);
  std::size_t passed = 0;
  const fileio::ByteSink failing_sink = [&](const uint8_t*, std::size_t size) {
    passed += size;
    if (passed > 1000) throw FileError("disk full");
  };
  EXPECT_EQ(error_message<FileError>([&] { png::write(image, 8, failing_sink); }), "disk full");

  TemporaryFolder folder;
  testing::write_bytes(folder / "out.png", {'o', 'l', 'd'});
  error_message<FileError>([&] {
    fileio::write_file_atomically(folder / "out.png", [&](const fileio::ByteSink& sink) {
      png::write(image, 8, sink);
      throw FileError("disk full");
    });
  });
  EXPECT_EQ(testing::read_bytes(folder / "out.png"), (Bytes{'o', 'l', 'd'}));
  EXPECT_EQ(folder.entries(), std::vector<std::string>{"out.png"});
}

TEST(ImageWrite, ReplacesAnExistingFile) {
  TemporaryFolder folder;
  testing::write_bytes(folder / "out.png", {'o', 'l', 'd'});
  write_image(small_image(), folder / "out.png");
  EXPECT_EQ(read_image(folder / "out.png").pixels.size(), cv::Size(6, 4));
  EXPECT_EQ(folder.entries(), std::vector<std::string>{"out.png"});
}

TEST(ImageList, RecursiveSortedSkipsHiddenAndOtherFiles) {
  TemporaryFolder folder;
  std::filesystem::create_directories(folder / "sub" / "deeper");
  std::filesystem::create_directories(folder / ".hidden_folder");
  for (const char* name :
       {"b.png", "A.JPG", "notes.txt", ".hidden.png", ".b.png.tmp-12-0", "sub/c.tiff",
        "sub/deeper/d.WebP", ".hidden_folder/e.png", "sub/f.jpeg", "sub/g.bmp"}) {
    testing::write_bytes(folder / name, {1});
  }
  const std::vector<std::filesystem::path> expected = {
      folder / "A.JPG",      folder / "b.png",
      folder / "sub/c.tiff", folder / "sub/deeper/d.WebP",
      folder / "sub/f.jpeg", folder / "sub/g.bmp"};
  EXPECT_EQ(list_images(folder.path()), expected);
}

TEST(ImageList, MissingFolderOrFileIsFileError) {
  TemporaryFolder folder;
  const std::string missing = error_message<FileError>([&] { list_images(folder / "absent"); });
  EXPECT_TRUE(contains(missing, "absent")) << missing;
  testing::write_bytes(folder / "a.png", {1});
  error_message<FileError>([&] { list_images(folder / "a.png"); });
}

TEST(ImageList, IsImagePathByExtension) {
  for (const char* name :
       {"a.png", "a.PNG", "dir/a.jpg", "a.JpEg", "a.bmp", "a.tif", "a.TIFF", "a.webp"}) {
    EXPECT_TRUE(is_image_path(name)) << name;
  }
  for (const char* name : {"a.gif", "a", "png", "a.png.txt", "a.jp", ".png"})
    EXPECT_FALSE(is_image_path(name)) << name;
}

}  // namespace
}  // namespace restora
