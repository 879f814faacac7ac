// Load test of `restora serve` (src/server): CLIENTS concurrent clients on the loopback, each
// submitting JOBS small denoise jobs and following them to the end; every result is compared
// with what the `restora` binary writes for the same input, and the latency of each job (submit
// to result fetched) is reported with the peak memory of the process.
//
//   build/bench/load_server --restora build/tools/restora/restora [--clients 16] [--jobs 10]
//       [--workers 2] [--threads 1] [--size 256] [--max-memory 512M]
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <httplib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "restore/tensor_memory.h"
#include "server/http_server.h"

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Load test of restora serve"};
  std::string restora, max_memory = "512M";
  int clients = 16, jobs = 10, workers = 2, threads = 1, size = 256, inputs = 4;
  app.add_option("--restora", restora, "The restora binary (for the command-line results)")->required();
  app.add_option("--clients", clients);
  app.add_option("--jobs", jobs, "Jobs per client");
  app.add_option("--workers", workers);
  app.add_option("--threads", threads, "Compute threads per job");
  app.add_option("--size", size, "Side of the square test images");
  app.add_option("--max-memory", max_memory, "Tensor memory per job");
  CLI11_PARSE(app, argc, argv);

  const auto folder = fs::temp_directory_path() / fmt::format("restora-load-{}", ::getpid());
  fs::create_directories(folder);
  // A few distinct noisy inputs and the CLI's result for each.
  std::vector<std::string> images, expected;
  for (int index = 0; index < inputs; ++index) {
    cv::Mat image(size, size, CV_8UC3);
    cv::RNG rng(index + 1);
    rng.fill(image, cv::RNG::NORMAL, 128, 40);
    const auto in = folder / fmt::format("in{}.png", index), out = folder / fmt::format("out{}.png", index);
    cv::imwrite(in.string(), image);
    const auto line = fmt::format("'{}' denoise -i '{}' -o '{}' --threads {} -q", restora, in.string(),
                                  out.string(), threads);
    if (std::system(line.c_str()) != 0) {
      fmt::print(stderr, "load_server: the command line failed: {}\n", line);
      return 1;
    }
    images.push_back(read_bytes(in));
    expected.push_back(read_bytes(out));
  }

  restora::server::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.jobs.workers = workers;
  options.jobs.threads_per_job = threads;
  options.jobs.max_queued = clients * jobs;
  options.jobs.memory_per_job = restora::tensor_memory::parse_bytes(max_memory);
  restora::server::Server server(options);
  const int port = server.bind();
  std::thread listener([&] { server.listen(); });

  std::atomic<int> errors{0}, mismatches{0};
  std::vector<std::vector<double>> latencies(clients);
  const auto started = Clock::now();
  std::vector<std::thread> threads_of_clients;
  for (int client = 0; client < clients; ++client) {
    threads_of_clients.emplace_back([&, client] {
      httplib::Client http("127.0.0.1", port);
      http.set_read_timeout(600, 0);
      for (int job = 0; job < jobs; ++job) {
        const int input = (client + job) % inputs;
        const auto begin = Clock::now();
        const httplib::MultipartFormDataItems form = {
            {"operation", "denoise", "", ""}, {"image", images[input], "in.png", "image/png"}};
        const auto submitted = http.Post("/api/jobs", form);
        if (!submitted || submitted->status != 202) {
          ++errors;
          continue;
        }
        const std::string id = json::parse(submitted->body)["id"];
        // Follows the job's events to its end, as the page does.
        const auto events = http.Get(("/api/jobs/" + id + "/events").c_str());
        const auto result = http.Get(("/api/jobs/" + id + "/result").c_str());
        if (!events || !result || result->status != 200) {
          ++errors;
          continue;
        }
        latencies[client].push_back(std::chrono::duration<double>(Clock::now() - begin).count());
        if (result->body != expected[input]) ++mismatches;
      }
    });
  }
  for (auto& thread : threads_of_clients) thread.join();
  const double wall = std::chrono::duration<double>(Clock::now() - started).count();
  server.stop();
  listener.join();
  fs::remove_all(folder);

  std::vector<double> all;
  for (const auto& list : latencies) all.insert(all.end(), list.begin(), list.end());
  std::sort(all.begin(), all.end());
  const auto quantile = [&](double q) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(q * all.size()))];
  };
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  fmt::print("clients {} x jobs {} ({}x{} denoise), workers {}, threads/job {}, memory/job {}\n",
             clients, jobs, size, size, workers, threads, max_memory);
  fmt::print("done {} of {}, errors {}, results different from the CLI's {}\n", all.size(),
             clients * jobs, errors.load(), mismatches.load());
  fmt::print("latency p50 {:.3f} s, p95 {:.3f} s, max {:.3f} s; {:.2f} jobs/s over {:.1f} s\n",
             quantile(0.5), quantile(0.95), all.empty() ? 0.0 : all.back(), all.size() / wall, wall);
  fmt::print("peak resident memory {:.0f} MiB, peak tensor memory {:.0f} MiB\n",
             usage.ru_maxrss / 1024.0, restora::tensor_memory::peak_bytes() / 1048576.0);
  return errors == 0 && mismatches == 0 ? 0 : 1;
}
