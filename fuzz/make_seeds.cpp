// Writes the fuzz target's seed corpus: valid .rci files for the synthetic codec (several sizes,
// levels, colour formats, escapes, plain and checkerboard layouts), each checked to decode back
// to what was coded.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "synthetic_codec.h"

int main(int argc, char** argv) {
  using namespace restora;
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds FOLDER\n");
    return 2;
  }
  const std::filesystem::path folder = argv[1];
  std::filesystem::create_directories(folder);
  const auto tables = fuzz::synthetic_tables();
  std::mt19937 random(1);
  const int sizes[][2] = {{1, 1}, {64, 64}, {100, 70}, {130, 200}, {257, 65}};
  // Channel slices of a checkerboard file (0: a plain file of two sections); 4 is the shipped
  // codec's nine-section layout.
  const int layouts[] = {0, 4, 1};
  int count = 0;
  for (const auto& size : sizes)
    for (int spread : {0, 2, 40}) {  // 40: many values beyond the tables, coded by escapes
      codec::Container file;
      file.model = "synthetic";
      file.fingerprint = fuzz::fingerprint;
      file.level = 1 + count % 8;
      file.width = size[0];
      file.height = size[1];
      file.color = count % 2 ? codec::ColorFormat::gray8 : codec::ColorFormat::rgb8;
      file.pad_right = (fuzz::multiple - size[0] % fuzz::multiple) % fuzz::multiple;
      file.pad_bottom = (fuzz::multiple - size[1] % fuzz::multiple) % fuzz::multiple;
      const int zh = (size[1] + file.pad_bottom) / fuzz::multiple, zw = (size[0] + file.pad_right) / fuzz::multiple;
      std::normal_distribution<double> normal(0.0, spread + 0.5);
      std::vector<int32_t> z(size_t(fuzz::z_channels) * zh * zw), y;
      for (auto& v : z) v = static_cast<int32_t>(std::lround(normal(random) / 4));
      const auto y_tables = fuzz::y_table_of(z, zh, zw);
      for (size_t i = 0; i < y_tables.size(); ++i) y.push_back(static_cast<int32_t>(std::lround(normal(random))));
      file.sections = {codec::encode_values(z, fuzz::z_table_of(zh, zw), tables.z_tables)};
      const int slices = layouts[count % 3];
      if (slices == 0) file.sections.push_back(codec::encode_values(y, y_tables, tables.y_tables));
      for (int section = 0; section < 2 * slices; ++section) {
        const auto positions = fuzz::section_positions(slices, section, zh * 4, zw * 4);
        std::vector<int32_t> values;
        for (size_t p : positions) values.push_back(y[p]);
        file.sections.push_back(codec::encode_values(
            values, fuzz::section_tables(y_tables, y, positions, slices, zh * 4, zw * 4), tables.y_tables));
      }
      const auto bytes = codec::write_container(file);
      if (fuzz::decode(bytes.data(), bytes.size(), tables) != y) {
        std::fprintf(stderr, "make_seeds: seed %d does not round-trip\n", count);
        return 1;
      }
      std::ofstream(folder / ("seed" + std::to_string(count++) + ".rci"), std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
  std::printf("%d seeds in %s\n", count, folder.c_str());
  return 0;
}
