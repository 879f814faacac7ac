// `restora serve`: the web UI's HTTP server (cpp-httplib) and its JSON API (docs/HTTP_API.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "server/job_queue.h"

namespace restora::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                         // 0 = any free port (tests)
  std::filesystem::path root;              // path jobs and the batch view; "" = uploads only
  std::uint64_t max_upload_bytes = 64ull << 20;   // a request's body (413 above)
  std::uint64_t max_pixels = 100'000'000;         // an image's pixels, read from its header
  JobLimits jobs;
  std::filesystem::path results;           // "" = a new folder in the system's temporary one
};

class Server {
 public:
  // Checks the options (root must be a folder) and starts the job workers.
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the address -> the port (the free one found for port 0). FileError when it cannot.
  int bind();
  // Serves until stop() (from another thread or a signal handler's thread).
  void listen();
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Whether `path` (relative, under `root`) names something inside `root` once links and ".."
// are resolved; -> the resolved path, or empty when it escapes or is absolute.
std::filesystem::path inside_root(const std::filesystem::path& root, const std::string& path);

}  // namespace restora::server
