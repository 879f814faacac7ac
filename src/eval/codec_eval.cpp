#include "eval/codec_eval.h"

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <unistd.h>
#include <limits>

#include "compression/image_codec.h"
#include "fileio/file_io.h"
#include "metrics/metrics.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restora/restorer.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"

namespace restora::eval {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

bool tool_available(const std::string& tool) {
  return std::system(("command -v " + tool + " > /dev/null 2>&1").c_str()) == 0;
}

void run_tool(const std::string& command) {
  if (std::system((command + " > /dev/null 2>&1").c_str()) != 0)
    throw Error(fmt::format("peer command failed: {}", command));
}

cv::Mat read_rgb_u8(const fs::path& path) {
  const auto image = read_image(path);
  cv::Mat rgb = quantize_u8(image.pixels);
  if (rgb.channels() == 1) cv::cvtColor(rgb, rgb, cv::COLOR_GRAY2RGB);
  return rgb;
}

// A test image, read once: its 8-bit RGB pixels, the same as a PNG in the work folder for the
// command-line peers, and as the metrics prepare it.
struct Original {
  cv::Mat rgb, prepared;
  fs::path png;
};

// One way of coding an image at one setting: -> the decoded image; `bytes` = the file size.
using Coder = std::function<cv::Mat(const Original& original, const fs::path& work, size_t& bytes,
                                    double& encode_seconds, double& decode_seconds)>;

struct Setting {
  std::string label;
  Coder coder;
};

// A peer run through its command-line encoder and decoder on PNG files in `work`.
Coder external(const std::string& extension, std::function<std::string(const fs::path&, const fs::path&)> encode,
               std::function<std::string(const fs::path&, const fs::path&)> decode) {
  return [=](const Original& original, const fs::path& work, size_t& bytes, double& encode_seconds,
             double& decode_seconds) {
    const auto coded = work / ("coded" + extension), decoded = work / "decoded.png";
    auto start = Clock::now();
    run_tool(encode(original.png, coded));
    encode_seconds = seconds_since(start);
    bytes = fs::file_size(coded);
    start = Clock::now();
    run_tool(decode(coded, decoded));
    decode_seconds = seconds_since(start);
    return read_rgb_u8(decoded);
  };
}

Coder jpeg(int quality) {
  return [quality](const Original& original, const fs::path&, size_t& bytes, double& encode_seconds,
                   double& decode_seconds) {
    cv::Mat bgr;
    cv::cvtColor(original.rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<uchar> file;
    auto start = Clock::now();
    cv::imencode(".jpg", bgr, file, {cv::IMWRITE_JPEG_QUALITY, quality});  // libjpeg: 4:2:0
    encode_seconds = seconds_since(start);
    bytes = file.size();
    start = Clock::now();
    cv::Mat decoded = cv::imdecode(file, cv::IMREAD_COLOR);
    decode_seconds = seconds_since(start);
    cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
    return decoded;
  };
}

const std::vector<int> jpeg_qualities{5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90};

struct Method {
  RateCurve curve;
  std::vector<Setting> settings;
};

std::vector<Method> make_methods(const CodecEvalOptions& options, int threads,
                                 std::vector<std::unique_ptr<compression::CodecModel>>& models,
                                 std::unique_ptr<Restorer>& dejpeg, std::vector<std::string>& notes) {
  std::vector<Method> methods;
  for (const auto& name : options.models) {
    models.push_back(std::make_unique<compression::CodecModel>(
        compression::load_codec_model(resolve_model(name))));
    auto* model = models.back().get();
    Method method;
    method.curve.method = fmt::format("{} (ours)", model->meta.name);
    method.curve.how = fmt::format("restora compress -q 1..{} -m {}, fp32, {} threads; files "
                                   "written, read back and decoded", model->levels(), name, threads);
    method.curve.ours = true;
    method.curve.model_file = model->path.string();
    for (int level = 1; level <= model->levels(); ++level)
      method.settings.push_back(
          {fmt::format("level {}", level),
           [model, level](const Original& original, const fs::path& work, size_t& bytes,
                          double& encode_seconds, double& decode_seconds) {
             auto start = Clock::now();
             const auto file = compression::compress(*model, original.rgb, level);
             encode_seconds = seconds_since(start);
             fileio::write_file_atomically(work / "image.rci", file);
             const auto stored = fileio::read_file_bytes(work / "image.rci");
             bytes = stored.size();
             start = Clock::now();
             auto decoded = compression::decompress(*model, stored);
             decode_seconds = seconds_since(start);
             return decoded;
           }});
    methods.push_back(std::move(method));
  }
  // A fine-tune keeps its parent's name: where two models share one, the labels name the files.
  for (size_t i = 0; i < models.size(); ++i) {
    const auto& name = models[i]->meta.name;
    const auto sharing = std::count_if(models.begin(), models.end(),
                                       [&](const auto& other) { return other->meta.name == name; });
    if (sharing > 1) methods[i].curve.method = fmt::format("{} (ours, {})", name, options.models[i]);
  }
  Method baseline;
  baseline.curve.method = "JPEG";
  baseline.curve.how = "libjpeg through OpenCV imencode, 4:2:0, quality 5..90";
  for (int q : jpeg_qualities) baseline.settings.push_back({fmt::format("q {}", q), jpeg(q)});
  methods.push_back(baseline);

  if (!options.dejpeg_model.empty()) {
    RestoreOptions restore;
    restore.model = options.dejpeg_model;
    restore.threads = threads;
    dejpeg = std::make_unique<Restorer>("dejpeg", restore);
    Method restored;
    restored.curve.method = fmt::format("JPEG + {} (ours)", options.dejpeg_model);
    restored.curve.how = fmt::format("the JPEG files above, decoded, then restored by restora dejpeg -m {}",
                                     options.dejpeg_model);
    restored.curve.ours = true;
    auto* network = dejpeg.get();
    for (int q : jpeg_qualities)
      restored.settings.push_back(
          {fmt::format("q {}", q), [q, network](const Original& original, const fs::path& work, size_t& bytes,
                                                double& encode_seconds, double& decode_seconds) {
             const auto decoded = jpeg(q)(original, work, bytes, encode_seconds, decode_seconds);
             const auto start = Clock::now();
             Image image;
             image.pixels = to_float01(decoded);
             const auto result = quantize_u8(network->restore(image).pixels);
             decode_seconds += seconds_since(start);
             return result;
           }});
    methods.push_back(std::move(restored));
  }
  if (!options.peers) return methods;

  const std::string t = std::to_string(threads);
  if (tool_available("cwebp") && tool_available("dwebp")) {
    Method webp;
    webp.curve.method = "WebP";
    webp.curve.how = "cwebp -q Q -m 6 (libwebp), dwebp";
    for (int q : {5, 10, 20, 30, 40, 50, 60, 70, 80, 90})
      webp.settings.push_back(
          {fmt::format("q {}", q),
           external(".webp",
                    [q](const fs::path& in, const fs::path& out) {
                      return fmt::format("cwebp -quiet -q {} -m 6 {} -o {}", q, quoted(in), quoted(out));
                    },
                    [](const fs::path& in, const fs::path& out) {
                      return fmt::format("dwebp -quiet {} -o {}", quoted(in), quoted(out));
                    })});
    methods.push_back(std::move(webp));
  } else {
    notes.push_back("WebP skipped: cwebp/dwebp not installed (scripts/setup.sh installs webp)");
  }
  if (tool_available("avifenc") && tool_available("avifdec")) {
    for (const char* format : {"420", "444"}) {
      Method avif;
      avif.curve.method = fmt::format("AVIF {}:{}:{}", format[0], format[1], format[2]);
      avif.curve.how = fmt::format("avifenc --min Q --max Q -s 6 -y {} (libavif/aom), avifdec", format);
      for (int q : {58, 52, 46, 40, 34, 28, 22, 16})
        avif.settings.push_back(
            {fmt::format("Q {}", q),
             external(".avif",
                      [q, format, t](const fs::path& in, const fs::path& out) {
                        return fmt::format("avifenc -j {} --min {} --max {} -s 6 -y {} {} {}", t, q, q,
                                           format, quoted(in), quoted(out));
                      },
                      [t](const fs::path& in, const fs::path& out) {
                        return fmt::format("avifdec -j {} {} {}", t, quoted(in), quoted(out));
                      })});
      methods.push_back(std::move(avif));
    }
  } else {
    notes.push_back("AVIF skipped: avifenc/avifdec not installed (libavif-bin)");
  }
  if (tool_available("cjxl") && tool_available("djxl")) {
    Method jxl;
    jxl.curve.method = "JPEG XL";
    jxl.curve.how = "cjxl -d D -e 7 (libjxl), djxl";
    for (double d : {12.0, 8.0, 6.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.6})
      jxl.settings.push_back(
          {fmt::format("d {}", d),
           external(".jxl",
                    [d, t](const fs::path& in, const fs::path& out) {
                      return fmt::format("cjxl --num_threads={} -d {} -e 7 {} {}", t, d, quoted(in), quoted(out));
                    },
                    [t](const fs::path& in, const fs::path& out) {
                      return fmt::format("djxl --num_threads={} {} {}", t, quoted(in), quoted(out));
                    })});
    methods.push_back(std::move(jxl));
  } else {
    notes.push_back("JPEG XL skipped: cjxl/djxl not installed (libjxl-tools)");
  }
  return methods;
}

// Least-squares cubic through (x, y): coefficients c0..c3 of c0 + c1 x + c2 x² + c3 x³.
std::array<double, 4> fit_cubic(const std::vector<double>& x, const std::vector<double>& y) {
  cv::Mat a(static_cast<int>(x.size()), 4, CV_64F), b(static_cast<int>(x.size()), 1, CV_64F), c;
  for (size_t i = 0; i < x.size(); ++i) {
    for (int k = 0; k < 4; ++k) a.at<double>(static_cast<int>(i), k) = std::pow(x[i], k);
    b.at<double>(static_cast<int>(i)) = y[i];
  }
  cv::solve(a, b, c, cv::DECOMP_SVD);
  return {c.at<double>(0), c.at<double>(1), c.at<double>(2), c.at<double>(3)};
}

double integrate_cubic(const std::array<double, 4>& c, double lo, double hi) {
  const auto primitive = [&](double x) {
    return c[0] * x + c[1] * x * x / 2 + c[2] * x * x * x / 3 + c[3] * x * x * x * x / 4;
  };
  return primitive(hi) - primitive(lo);
}

// A curve's cubic fit of log(bpp) against PSNR and the PSNR range its points cover.
struct RateFit {
  std::array<double, 4> log_rate;
  double lo = 1e300, hi = -1e300;
};

RateFit fit_rate(const RateCurve& curve) {
  RateFit fit;
  std::vector<double> psnr, log_rate;
  for (const auto& point : curve.points) {
    psnr.push_back(point.psnr);
    log_rate.push_back(std::log(point.bpp));
    fit.lo = std::min(fit.lo, point.psnr);
    fit.hi = std::max(fit.hi, point.psnr);
  }
  fit.log_rate = fit_cubic(psnr, log_rate);
  return fit;
}

double cubic_at(const std::array<double, 4>& c, double x) { return c[0] + x * (c[1] + x * (c[2] + x * c[3])); }

}  // namespace

const RateCurve* CodecEvaluation::curve(const std::string& method) const {
  for (const auto& candidate : curves)
    if (candidate.method == method) return &candidate;
  return nullptr;
}

double bd_rate(const RateCurve& anchor, const RateCurve& test) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (anchor.points.size() < 4 || test.points.size() < 4) return nan;
  const auto anchor_fit = fit_rate(anchor), test_fit = fit_rate(test);
  const double lo = std::max(anchor_fit.lo, test_fit.lo), hi = std::min(anchor_fit.hi, test_fit.hi);
  if (!(hi > lo)) return nan;
  const double difference =
      (integrate_cubic(test_fit.log_rate, lo, hi) - integrate_cubic(anchor_fit.log_rate, lo, hi)) / (hi - lo);
  return (std::exp(difference) - 1.0) * 100.0;
}

double rate_difference_at(const RateCurve& anchor, const RateCurve& test, double psnr) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (anchor.points.size() < 4 || test.points.size() < 4) return nan;
  const auto anchor_fit = fit_rate(anchor), test_fit = fit_rate(test);
  if (psnr < std::max(anchor_fit.lo, test_fit.lo) || psnr > std::min(anchor_fit.hi, test_fit.hi)) return nan;
  return (std::exp(cubic_at(test_fit.log_rate, psnr) - cubic_at(anchor_fit.log_rate, psnr)) - 1.0) * 100.0;
}

CodecEvaluation run_codec_evaluation(const CodecEvalOptions& options) {
  const auto say = [&](const std::string& text) {
    if (options.progress) options.progress(text);
  };
  const fs::path folder = options.data_root / "test" / options.set;
  auto files = list_images(folder);
  if (files.empty()) throw FileError(fmt::format("no images in '{}'", folder.string()));
  if (options.limit > 0 && static_cast<int>(files.size()) > options.limit) files.resize(options.limit);
  set_compute_threads(options.threads);
  const int threads = options.threads > 0 ? options.threads : available_cores();

  CodecEvaluation evaluation;
  evaluation.set = options.set;
  evaluation.images = static_cast<int>(files.size());
  evaluation.threads = threads;
  evaluation.limit = options.limit;
  std::vector<std::unique_ptr<compression::CodecModel>> models;
  std::unique_ptr<Restorer> dejpeg;
  auto methods = make_methods(options, threads, models, dejpeg, evaluation.notes);

  const fs::path work = fs::temp_directory_path() / fmt::format("restora-codec-eval-{}", ::getpid());
  fs::create_directories(work);
  struct Cleanup {
    fs::path path;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{work};

  std::vector<Original> originals;
  for (const auto& file : files) {
    Original original;
    original.rgb = read_rgb_u8(file);
    original.prepared = metrics::prepare(original.rgb, metrics::Space::all_channels, 0);
    original.png = work / fmt::format("original{}.png", originals.size());
    cv::Mat bgr;
    cv::cvtColor(original.rgb, bgr, cv::COLOR_RGB2BGR);
    cv::imwrite(original.png.string(), bgr);
    originals.push_back(std::move(original));
  }

  for (auto& method : methods) {
    say(fmt::format("{}: {} settings x {} images", method.curve.method, method.settings.size(), files.size()));
    for (const auto& setting : method.settings) {
      RatePoint point;
      point.setting = setting.label;
      for (const auto& original : originals) {
        size_t bytes = 0;
        double encode_seconds = 0, decode_seconds = 0;
        const auto decoded = setting.coder(original, work, bytes, encode_seconds, decode_seconds);
        if (decoded.size() != original.rgb.size() || decoded.type() != original.rgb.type())
          throw Error(fmt::format("{} {}: decoded image of another size or type", method.curve.method,
                                  setting.label));
        const auto prepared = metrics::prepare(decoded, metrics::Space::all_channels, 0);
        point.bpp += bytes * 8.0 / (double(original.rgb.cols) * original.rgb.rows);
        point.psnr += metrics::psnr(prepared, original.prepared);
        point.ms_ssim += metrics::ms_ssim(prepared, original.prepared);
        point.encode_seconds += encode_seconds;
        point.decode_seconds += decode_seconds;
      }
      const double n = static_cast<double>(files.size());
      point.bpp /= n;
      point.psnr /= n;
      point.ms_ssim /= n;
      point.encode_seconds /= n;
      point.decode_seconds /= n;
      method.curve.points.push_back(point);
    }
    std::sort(method.curve.points.begin(), method.curve.points.end(),
              [](const RatePoint& a, const RatePoint& b) { return a.bpp < b.bpp; });
    evaluation.curves.push_back(std::move(method.curve));
  }
  return evaluation;
}

}  // namespace restora::eval
