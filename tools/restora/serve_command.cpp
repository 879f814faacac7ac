// restora serve: the local web UI and its HTTP API (src/server, docs/HTTP_API.md).
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "common.h"
#include "restore/tensor_memory.h"
#include "server/http_server.h"

namespace restora::cli {
namespace {

volatile std::sig_atomic_t stop_requested = 0;
void request_stop(int) { stop_requested = 1; }

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1";
}

struct ServeArgs {
  server::ServerOptions server;
  std::string max_memory, max_upload = "64M";
};

}  // namespace

Run add_serve_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<ServeArgs>();
  auto* command = app.add_subcommand(
      "serve", "Serve the web UI and its HTTP API (docs/HTTP_API.md) on the loopback address");
  auto& options = args->server;
  command->add_option("--host", options.host, "Address to listen on (others than the loopback "
                                              "expose the server to the network)")
      ->capture_default_str();
  command->add_option("--port", options.port, "Port (0 = any free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command->add_option("--root", options.root,
                      "Folder whose images the page may open by path and list (batch view)")
      ->check(CLI::ExistingDirectory);
  command->add_option("--workers", options.jobs.workers, "Jobs running at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command->add_option("--queue", options.jobs.max_queued, "Jobs waiting at most (then 429)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  command->add_option("--threads", options.jobs.threads_per_job,
                      "Compute threads per job (0 = the cores / workers)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  command->add_option("--max-memory", args->max_memory,
                      "Tensor memory per job, e.g. 2G (default: a quarter of RAM / workers)");
  command->add_option("--time-limit", options.jobs.time_limit_s, "Seconds a job may run")
      ->check(CLI::Range(1.0, 1e7))
      ->capture_default_str();
  command->add_option("--keep", options.jobs.keep_s,
                      "Seconds finished jobs and their results are kept")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
  command->add_option("--max-upload", args->max_upload, "Largest request body, e.g. 64M")
      ->capture_default_str();
  command->add_option("--max-pixels", options.max_pixels,
                      "Largest image in pixels (read from its header, before decoding)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40))
      ->capture_default_str();
  add_output_flags(*command, global);
  return [command, args, &global]() -> int {
    if (!command->parsed()) return -1;
    auto options = args->server;
    options.max_upload_bytes = tensor_memory::parse_bytes(args->max_upload);
    if (!args->max_memory.empty())
      options.jobs.memory_per_job = tensor_memory::parse_bytes(args->max_memory);
    server::Server server(options);
    const int port = server.bind();
    if (!is_loopback(options.host))
      fmt::print(stderr, "restora: warning: listening on {}, not the loopback address: anyone "
                         "who can reach this machine can use the server\n",
                 options.host);
    const auto host = options.host.find(':') != std::string::npos ? "[" + options.host + "]"
                                                                   : options.host;
    fmt::print("restora serving on http://{}:{}/ (Ctrl+C stops)\n", host, port);
    std::fflush(stdout);
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    std::atomic<bool> done{false};
    std::thread watcher([&] {
      while (!done && !stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      server.stop();
    });
    server.listen();
    done = true;
    watcher.join();
    info(global, "restora: stopped");
    return 0;
  };
}

}  // namespace restora::cli
