#include "server/devtools.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <vector>

namespace restora::testing {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string Chromium::executable() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (::access(candidate, X_OK) == 0) return candidate;
  return "";
}

Chromium::Chromium(const fs::path& profile, const fs::path& downloads, int width, int height) {
  int to[2], from[2];
  if (::pipe(to) != 0 || ::pipe(from) != 0) throw std::runtime_error("pipe failed");
  const std::string binary = executable();
  std::vector<std::string> arguments = {binary,
                                        "--headless=new",
                                        "--no-sandbox",  // tests may run as root
                                        "--disable-gpu",
                                        "--no-first-run",
                                        "--remote-debugging-pipe",
                                        "--user-data-dir=" + profile.string(),
                                        "--window-size=" + std::to_string(width) + "," +
                                            std::to_string(height),
                                        "about:blank"};
  pid_ = ::fork();
  if (pid_ == 0) {
    // The browser reads commands on fd 3 and writes answers on fd 4.
    ::dup2(to[0], 3);
    ::dup2(from[1], 4);
    for (int fd : {to[0], to[1], from[0], from[1]})
      if (fd > 4) ::close(fd);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(to[0]);
  ::close(from[1]);
  to_browser_ = to[1];
  from_browser_ = from[0];
  const auto target = call("Target.createTarget", {{"url", "about:blank"}}, false);
  session_ = call("Target.attachToTarget", {{"targetId", target["targetId"]}, {"flatten", true}},
                  false)["sessionId"];
  call("Page.enable");
  call("Runtime.enable");
  call("Emulation.setDeviceMetricsOverride",
       {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}});
  call("Browser.setDownloadBehavior",
       {{"behavior", "allow"}, {"downloadPath", downloads.string()}, {"eventsEnabled", true}},
       false);
}

Chromium::~Chromium() {
  if (pid_ > 0) {
    try {
      call("Browser.close", json::object(), false);
    } catch (...) {
    }
    for (int attempt = 0; attempt < 50 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++attempt)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
}

json Chromium::receive(double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (const auto end = buffer_.find('\0'); end != std::string::npos) {
      auto message = json::parse(buffer_.substr(0, end));
      buffer_.erase(0, end + 1);
      return message;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) throw std::runtime_error("the browser did not answer in time");
    pollfd ready{from_browser_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[65536];
    const auto got = ::read(from_browser_, chunk, sizeof chunk);
    if (got <= 0) throw std::runtime_error("the browser closed its pipe");
    buffer_.append(chunk, static_cast<size_t>(got));
  }
}

json Chromium::call(const std::string& method, const json& params, bool page) {
  const int id = next_id_++;
  json message = {{"id", id}, {"method", method}, {"params", params}};
  if (page) message["sessionId"] = session_;
  const std::string text = message.dump() + '\0';
  for (size_t sent = 0; sent < text.size();) {
    const auto wrote = ::write(to_browser_, text.data() + sent, text.size() - sent);
    if (wrote <= 0) throw std::runtime_error("cannot write to the browser");
    sent += static_cast<size_t>(wrote);
  }
  for (;;) {
    auto answer = receive(60);
    if (answer.value("id", -1) != id) {
      if (answer.contains("method")) events_.push_back(std::move(answer));
      continue;
    }
    if (answer.contains("error"))
      throw std::runtime_error(method + ": " + answer["error"].dump());
    return answer["result"];
  }
}

json Chromium::evaluate(const std::string& expression) {
  const auto result = call("Runtime.evaluate", {{"expression", expression},
                                                {"awaitPromise", true},
                                                {"returnByValue", true}});
  if (result.contains("exceptionDetails"))
    throw std::runtime_error("page error in `" + expression + "`: " +
                             result["exceptionDetails"].dump());
  return result["result"].value("value", json());
}

bool Chromium::wait_for(const std::string& expression, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    if (evaluate("Boolean(" + expression + ")") == true) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

json Chromium::wait_event(const std::string& method, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    for (auto event = events_.begin(); event != events_.end(); ++event)
      if ((*event)["method"] == method) {
        auto params = (*event)["params"];
        events_.erase(event);
        return params;
      }
    const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (left <= 0) throw std::runtime_error("no " + method + " event");
    auto message = receive(left);
    if (message.contains("method")) events_.push_back(std::move(message));
  }
}

void Chromium::mouse(const std::string& type, double x, double y, int buttons) {
  json params = {{"type", type}, {"x", x}, {"y", y}, {"buttons", buttons}};
  if (type != "mouseMoved") {
    params["button"] = "left";
    params["clickCount"] = 1;
  }
  call("Input.dispatchMouseEvent", params);
}

void Chromium::drag(double x0, double y0, double x1, double y1, int steps) {
  mouse("mouseMoved", x0, y0, 0);
  mouse("mousePressed", x0, y0);
  for (int step = 1; step <= steps; ++step)
    mouse("mouseMoved", x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps);
  mouse("mouseReleased", x1, y1, 0);
}

void Chromium::click(double x, double y) {
  mouse("mouseMoved", x, y, 0);
  mouse("mousePressed", x, y);
  mouse("mouseReleased", x, y, 0);
}

void Chromium::key(const std::string& key) {
  call("Input.dispatchKeyEvent", {{"type", "keyDown"}, {"key", key}, {"text", key}});
  call("Input.dispatchKeyEvent", {{"type", "keyUp"}, {"key", key}});
}

}  // namespace restora::testing
