// Timing of the web UI in headless Chromium (the browser test's DevTools pipe driver): the first
// contentful paint of the page, and the time from choosing a 1-megapixel noisy photo to its
// denoised result shown (upload, queue, restore with the shipped model, PNG, download, decode).
//
//   build/bench/page_timing [--side 1024] [--threads 2] [--runs 3]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <thread>
#include <unistd.h>

#include "server/devtools.h"
#include "server/http_server.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  CLI::App app{"Timing of the web UI in headless Chromium"};
  int side = 1024, threads = 2, runs = 3;
  app.add_option("--side", side, "Side of the square test photo");
  app.add_option("--threads", threads, "Compute threads of the job");
  app.add_option("--runs", runs);
  CLI11_PARSE(app, argc, argv);
  if (restora::testing::Chromium::executable().empty()) {
    fmt::print(stderr, "page_timing: chromium is not installed\n");
    return 1;
  }
  const auto folder = fs::temp_directory_path() / fmt::format("restora-page-{}", ::getpid());
  fs::create_directories(folder / "downloads");
  cv::Mat photo(side, side, CV_8UC3);
  cv::RNG rng(1);
  rng.fill(photo, cv::RNG::NORMAL, 128, 30);  // noisy gray field with σ 30 noise
  const auto path = folder / "photo.png";
  cv::imwrite(path.string(), photo);

  restora::server::ServerOptions options;
  options.port = 0;
  options.jobs.threads_per_job = threads;
  restora::server::Server server(options);
  const int port = server.bind();
  std::thread listener([&] { server.listen(); });

  std::vector<double> paints, results;
  for (int run = 0; run < runs; ++run) {
    restora::testing::Chromium browser(folder / fmt::format("profile{}", run), folder / "downloads");
    browser.call("Page.navigate", {{"url", fmt::format("http://127.0.0.1:{}/", port)}});
    browser.wait_event("Page.loadEventFired");
    browser.wait_for("document.querySelector('#operation').options.length > 0");
    paints.push_back(browser.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0].startTime").get<double>());
    browser.evaluate("window.started = performance.now()");
    const auto document = browser.call("DOM.getDocument");
    const auto chooser = browser.call("DOM.querySelector", {{"nodeId", document["root"]["nodeId"]},
                                                            {"selector", "#files"}})["nodeId"];
    browser.call("DOM.setFileInputFiles",
                 {{"nodeId", chooser}, {"files", nlohmann::json::array({path.string()})}});
    browser.wait_for("state.selected && state.selected.before && state.selected.before.complete");
    browser.evaluate("document.querySelector('#run').click()");
    browser.wait_for("state.selected.after && state.selected.after.complete", 120);
    results.push_back(browser.evaluate("performance.now() - window.started").get<double>());
  }
  server.stop();
  listener.join();
  fs::remove_all(folder);
  const auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  fmt::print("first contentful paint: median {:.0f} ms of {} runs (max {:.0f})\n", median(paints),
             runs, *std::max_element(paints.begin(), paints.end()));
  fmt::print("{}x{} denoise, file chosen -> result shown: median {:.2f} s (max {:.2f}), {} threads\n",
             side, side, median(results) / 1000, *std::max_element(results.begin(), results.end()) / 1000,
             threads);
  return 0;
}
