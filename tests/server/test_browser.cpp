// The web page in a real browser (Debian's headless Chromium over the DevTools pipe): upload an
// image, denoise it, drag the slider, download the result and compare it with the command
// line's file; paint, resize, erase and undo a mask and inpaint with it. A screenshot is kept as
// web-ui.png in the test's working folder. Skipped with a message where Chromium is missing.
#include <fmt/format.h>

#include <fstream>

#include "server/devtools.h"
#include "server/server_fixture.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;

using BrowserTest = ServerTest;

std::string base64_decode(const std::string& text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  unsigned value = 0;
  int bits = 0;
  for (char c : text) {
    const auto index = alphabet.find(c);
    if (index == std::string::npos) continue;  // '=' and line breaks
    value = value << 6 | static_cast<unsigned>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>(value >> bits & 0xFF));
    }
  }
  return bytes;
}

// The centre of an element, in CSS pixels.
std::pair<double, double> centre(Chromium& browser, const std::string& selector) {
  const auto box = browser.evaluate(fmt::format(
      "(() => {{ const r = document.querySelector('{}').getBoundingClientRect(); "
      "return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
      selector));
  return {box[0].get<double>(), box[1].get<double>()};
}

// Pixels of the selected item's mask painted (alpha above half).
const char* const painted_pixels =
    "(() => { const m = state.selected.mask; if (!m) return 0; "
    "const d = m.getContext('2d').getImageData(0, 0, m.width, m.height).data; let n = 0; "
    "for (let i = 3; i < d.length; i += 4) n += d[i] > 127; return n; })()";

TEST_F(BrowserTest, RestoresComparesMasksAndDownloadsWhatTheCommandLineWrites) {
  if (Chromium::executable().empty())
    GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it): browser test skipped";
  start();
  const auto downloads = work_ / "downloads";
  fs::create_directories(downloads);
  Chromium browser(work_ / "profile", downloads);
  browser.call("Page.navigate", {{"url", fmt::format("http://127.0.0.1:{}/", port_)}});
  browser.wait_event("Page.loadEventFired");
  ASSERT_TRUE(browser.wait_for("document.querySelector('#operation').options.length > 6"));

  // Upload through the file chooser.
  const cv::Mat image = random_image(60, 80, 3, 11);
  write_image_file(work_ / "photo.png", image);
  const auto document = browser.call("DOM.getDocument");
  const auto chooser = browser.call("DOM.querySelector", {{"nodeId", document["root"]["nodeId"]},
                                                          {"selector", "#files"}})["nodeId"];
  browser.call("DOM.setFileInputFiles",
               {{"nodeId", chooser}, {"files", {(work_ / "photo.png").string()}}});
  ASSERT_TRUE(browser.wait_for("state.selected && state.selected.before && state.selected.before.complete"));

  // Denoise with σ 25: type it, click Run, wait for the result to show.
  const auto sigma = centre(browser, "[data-option=sigma]");
  browser.click(sigma.first, sigma.second);
  browser.call("Input.insertText", {{"text", "25"}});
  const auto run_button = centre(browser, "#run");
  browser.click(run_button.first, run_button.second);
  ASSERT_TRUE(browser.wait_for("state.selected.after && state.selected.after.complete", 60));
  EXPECT_EQ(browser.evaluate("document.querySelector('#command').textContent"),
            "restora denoise -i photo.png -o photo-denoise.png --sigma 25");

  // The slider: drag the line from the middle to a quarter of the width.
  const auto box = browser.evaluate(
      "(() => { const r = document.querySelector('#viewer').getBoundingClientRect(); "
      "return [r.x, r.y, r.width, r.height]; })()");
  const double left = box[0], top = box[1], width = box[2], height = box[3];
  browser.drag(left + width * 0.5, top + height * 0.5, left + width * 0.25, top + height * 0.5);
  EXPECT_NEAR(browser.evaluate("state.split").get<double>(), 0.25, 0.01);

  // Download, and the same command line run here: the same file, byte for byte.
  const auto download = centre(browser, "#download");
  browser.click(download.first, download.second);
  for (;;) {
    const auto progress = browser.wait_event("Browser.downloadProgress", 30);
    if (progress["state"] == "completed") break;
    ASSERT_NE(progress["state"], "canceled");
  }
  const auto cli = run({"denoise", "-i", (work_ / "photo.png").string(), "-o",
                        (work_ / "cli.png").string(), "--sigma", "25", "--threads", "1"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_TRUE(read_text(downloads / "photo-denoise.png") == read_text(work_ / "cli.png"));

  // Inpainting: the wheel shrinks the brush, a stroke paints, the eraser removes part of it,
  // undo brings it back; Run fills it and keeps every other pixel.
  browser.evaluate("(() => { const s = document.querySelector('#operation'); s.value = 'inpaint'; "
                   "s.dispatchEvent(new Event('change')); })()");
  ASSERT_EQ(browser.evaluate("document.querySelector('#mask-tools').hidden"), false);
  const double x = left + width / 2, y = top + height / 2;
  browser.call("Input.dispatchMouseEvent",
               {{"type", "mouseWheel"}, {"x", x}, {"y", y}, {"deltaX", 0}, {"deltaY", 700}});
  EXPECT_EQ(browser.evaluate("state.brush"), 8);
  browser.drag(x - 25, y, x + 25, y);
  const int painted = browser.evaluate(painted_pixels);
  EXPECT_GT(painted, 300);
  browser.key("e");
  browser.drag(x - 25, y, x - 5, y);
  const int erased = browser.evaluate(painted_pixels);
  EXPECT_LT(erased, painted);
  EXPECT_GT(erased, 0);
  const auto undo = centre(browser, "#undo");
  browser.click(undo.first, undo.second);
  EXPECT_EQ(browser.evaluate(painted_pixels), painted);
  const auto run_inpaint = centre(browser, "#run");  // the toolbar changed with the operation
  browser.click(run_inpaint.first, run_inpaint.second);
  ASSERT_TRUE(browser.wait_for("(state.selected.status.command || '').includes('inpaint')", 10));
  ASSERT_TRUE(browser.wait_for("state.selected.status && state.selected.status.state === 'done' && "
                               "state.selected.after && state.selected.after.complete", 60));
  EXPECT_EQ(browser.evaluate("document.querySelector('#command').textContent"),
            "restora inpaint -i photo.png -o photo-inpaint.png --mask photo-mask.png");
  // In the page: the result against the input, outside and inside the painted mask.
  const auto changed = browser.evaluate(R"((() => {
      const item = state.selected, w = item.mask.width, h = item.mask.height;
      const read = (image) => { const c = document.createElement('canvas'); c.width = w; c.height = h;
        const x = c.getContext('2d'); x.drawImage(image, 0, 0); return x.getImageData(0, 0, w, h).data; };
      const before = read(item.before), after = read(item.after);
      const mask = item.mask.getContext('2d').getImageData(0, 0, w, h).data;
      let outside = 0, inside = 0;
      for (let i = 0; i < before.length; i += 4) {
        const differs = before[i] !== after[i] || before[i + 1] !== after[i + 1] || before[i + 2] !== after[i + 2];
        if (mask[i + 3] > 127) inside += differs; else outside += differs;
      }
      return [outside, inside]; })())");
  EXPECT_EQ(changed[0], 0);
  EXPECT_GT(changed[1], 0);
  EXPECT_EQ(browser.evaluate("masking()"), false);  // the result is compared now
  browser.key("b");
  EXPECT_EQ(browser.evaluate("Boolean(masking())"), true);  // and the brush paints again

  const auto screenshot = browser.call("Page.captureScreenshot", {{"format", "png"}});
  std::ofstream("web-ui.png", std::ios::binary) << base64_decode(screenshot["data"]);
  EXPECT_GT(fs::file_size("web-ui.png"), 1000u);
}

}  // namespace
}  // namespace restora::testing
