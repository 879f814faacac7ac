// A headless Chromium driven through the DevTools protocol over --remote-debugging-pipe (file
// descriptors 3 and 4, messages ended by NUL): no WebSocket, no npm, only Debian's `chromium`.
#pragma once

#include <deque>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace restora::testing {

class Chromium {
 public:
  // The browser, or "" when it is not installed (the test then skips).
  static std::string executable();

  // Starts a headless browser with a fresh profile, downloads going to `downloads`, and one page
  // of width×height CSS pixels attached as the session every page command goes to.
  Chromium(const std::filesystem::path& profile, const std::filesystem::path& downloads,
           int width = 1200, int height = 800);
  ~Chromium();
  Chromium(const Chromium&) = delete;
  Chromium& operator=(const Chromium&) = delete;

  // A command to the browser (session = false) or to the page; -> its result. Throws
  // std::runtime_error with the protocol's error.
  nlohmann::json call(const std::string& method, const nlohmann::json& params = nlohmann::json::object(),
                      bool page = true);

  // Evaluates a JavaScript expression in the page (promises awaited) -> its value.
  nlohmann::json evaluate(const std::string& expression);
  // Polls `expression` until it is true; false after `seconds`.
  bool wait_for(const std::string& expression, double seconds = 20);
  // Waits for an event of that name (already received or coming) -> its params.
  nlohmann::json wait_event(const std::string& method, double seconds = 20);

  // Real input events at CSS pixel coordinates of the page.
  void mouse(const std::string& type, double x, double y, int buttons = 1);
  void drag(double x0, double y0, double x1, double y1, int steps = 8);
  void click(double x, double y);
  void key(const std::string& key);

 private:
  nlohmann::json receive(double seconds);

  int pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  int next_id_ = 1;
  std::string session_, buffer_;
  std::deque<nlohmann::json> events_;
};

}  // namespace restora::testing
