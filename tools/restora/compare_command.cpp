// restora compare: one picture through several methods, side by side with enlarged crops.
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "common.h"
#include "image/comparison_sheet.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::cli {
namespace {

struct CompareArgs {
  std::vector<std::string> inputs, labels;
  std::string output;
  std::vector<int> crop;
  SheetOptions sheet;
};

}  // namespace

Run add_compare_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<CompareArgs>();
  auto* command = app.add_subcommand(
      "compare", "Put the same picture through several outputs side by side, with enlarged crops");
  command->add_option("inputs", args->inputs,
                      "Images of one picture (a smaller input is enlarged by nearest neighbour)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("-o,--output", args->output, "The sheet (PNG, JPEG…)")->required();
  command->add_option("--labels", args->labels, "One label per image")
      ->delimiter(',')
      ->default_str("the file names");
  command->add_option("--crop", args->crop, "X,Y,W,H in the largest image's pixels")
      ->delimiter(',')
      ->expected(4)
      ->default_str("a centred square, a quarter of the shorter side");
  command->add_option("--zoom", args->sheet.crop_zoom, "Crop enlargement")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  command->add_flag("--overwrite", "Replace an existing sheet");
  add_output_flags(*command, global);
  return [command, args, &global]() -> int {
    if (!command->parsed()) return -1;
    if (std::filesystem::exists(args->output) && !command->count("--overwrite"))
      throw InvalidArgument(fmt::format("'{}' exists; pass --overwrite to replace it", args->output));
    std::vector<cv::Mat> images;
    std::vector<std::string> labels = args->labels;
    for (const auto& input : args->inputs) {
      const auto image = read_image(input);
      images.push_back(quantize_u8(image.pixels));
      if (args->labels.empty()) labels.push_back(std::filesystem::path(input).stem().string());
    }
    if (!args->crop.empty())
      args->sheet.crop = cv::Rect(args->crop[0], args->crop[1], args->crop[2], args->crop[3]);
    write_image(image_from_u8(comparison_sheet(images, labels, args->sheet)), args->output);
    info(global, fmt::format("{}: {} images compared", args->output, images.size()));
    return 0;
  };
}

}  // namespace restora::cli
