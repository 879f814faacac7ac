#include "server/http_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <random>
#include <system_error>

#include "fileio/file_io.h"
#include "image/decode.h"
#include "image/png_writer.h"
#include "restora/image_io.h"
#include "restora/repairer.h"
#include "restore/model_cache.h"
#include "server/web_assets.h"

namespace restora::server {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path inside_root(const fs::path& root, const std::string& path) {
  const fs::path relative(path);
  if (relative.is_absolute() || path.find('\0') != std::string::npos) return {};
  std::error_code error;
  const auto base = fs::canonical(root, error);
  if (error) return {};
  const auto resolved = fs::weakly_canonical(base / relative, error);
  if (error) return {};
  // Component by component: "/data/root2" is not inside "/data/root".
  auto inner = resolved.begin();
  for (auto outer = base.begin(); outer != base.end(); ++outer, ++inner)
    if (inner == resolved.end() || *inner != *outer) return {};
  return resolved;
}

namespace {

const char* const version = "0.1.0";

// A request the API refuses: its status and one line.
struct Refusal {
  int status;
  std::string message;
};

void send_json(httplib::Response& response, const json& body, int status = 200) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& response, int status, const std::string& message) {
  // One line: the first of the message.
  send_json(response, {{"error", message.substr(0, message.find('\n'))}}, status);
}

json status_json(const JobStatus& status) {
  json body = {{"id", status.id},
               {"state", state_name(status.state)},
               {"progress", status.progress},
               {"command", status.command},
               {"input", {{"width", status.width}, {"height", status.height}}},
               {"seconds", status.seconds}};
  if (!status.error.empty()) body["error"] = status.error;
  if (!status.model.empty()) body["model"] = status.model;
  if (status.state == JobState::done) {
    body["output"] = {{"width", status.out_width}, {"height", status.out_height}};
    body["result"] = fmt::format("/api/jobs/{}/result", status.id);
    body["result_name"] = fs::path(status.output_name).filename().string();
    if (status.has_mask) body["mask"] = fmt::format("/api/jobs/{}/mask", status.id);
  }
  return body;
}

bool is_image_name(const fs::path& path) {
  auto extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
    if (extension == known) return true;
  return false;
}

fs::path temporary_results() {
  std::random_device random;
  return fs::temp_directory_path() / fmt::format("restora-serve-{:08x}", random());
}

}  // namespace

struct Server::State {
  ServerOptions options;
  json catalogue;
  std::unique_ptr<JobQueue> jobs;
  httplib::Server http;

  // The image of a part, or a file under the root: decoded with the pixel limit.
  Image decode(const std::vector<unsigned char>& bytes, const std::string& name) const {
    ReadOptions read;  // as the command line reads: the same input gives the same output
    read.integer_samples = true;
    read.max_pixels = options.max_pixels;
    return decode_image(bytes, name, read);
  }

  fs::path under_root(const std::string& path) const {
    if (options.root.empty())
      throw Refusal{403, "this server has no --root: upload the image instead"};
    const auto resolved = inside_root(options.root, path);
    if (resolved.empty()) throw Refusal{403, fmt::format("'{}' is outside the root folder", path)};
    if (!fs::exists(resolved)) throw Refusal{404, fmt::format("'{}' does not exist", path)};
    return resolved;
  }

  std::string part(const httplib::Request& request, const char* name) const {
    return request.has_file(name) ? request.get_file_value(name).content : std::string();
  }

  JobInput job_input(const httplib::Request& request) const {
    if (!request.is_multipart_form_data())
      throw Refusal{400, "send the job as multipart/form-data (fields: operation, options, image or path, mask)"};
    JobInput input;
    input.operation = &find_operation(part(request, "operation"));
    json parameters = json::object();
    if (const auto text = part(request, "options"); !text.empty()) {
      parameters = json::parse(text, nullptr, false);
      if (parameters.is_discarded()) throw Refusal{400, "the options are not valid JSON"};
    }
    input.parameters = parse_parameters(*input.operation, parameters);
    const auto load = [&](const char* file_field, const char* path_field, std::string& name) {
      if (request.has_file(file_field)) {
        const auto& file = request.get_file_value(file_field);
        name = file.filename.empty() ? std::string(file_field) + ".png" : file.filename;
        const std::vector<unsigned char> bytes(file.content.begin(), file.content.end());
        return decode(bytes, fs::path(name).filename().string());
      }
      if (const auto path = part(request, path_field); !path.empty()) {
        const auto resolved = under_root(path);
        if (!fs::is_regular_file(resolved)) throw Refusal{400, fmt::format("'{}' is not a file", path)};
        name = path;
        return decode(fileio::read_file_bytes(resolved), path);
      }
      return Image();
    };
    input.image = load("image", "path", input.input_name);
    if (input.image.pixels.empty()) throw Refusal{400, "no image: send an 'image' file or a 'path' under the root"};
    if (input.operation->needs_mask) {
      const auto mask = load("mask", "mask_path", input.mask_name);
      if (mask.pixels.empty()) throw Refusal{400, "operation 'inpaint' needs a 'mask' (white = missing)"};
      cv::Mat gray = mask.pixels;
      if (gray.channels() == 3) cv::cvtColor(mask.pixels, gray, cv::COLOR_RGB2GRAY);
      if (gray.size() != input.image.pixels.size())
        throw Refusal{400, fmt::format("the {}x{} mask does not match the {}x{} image", gray.cols,
                                       gray.rows, input.image.width(), input.image.height())};
      input.mask = gray;
    }
    check_models(input);
    return input;
  }

  // The models the job will run exist and serve its task: refused now rather than failed later.
  static void check_models(const JobInput& input) {
    const auto& operation = *input.operation;
    const int channels = input.image.channels() == 1 ? 1 : 3;
    try {
      if (operation.finds_damage) {
        Repairer repairer(repair_options(operation, input.parameters));
        repairer.detector_for(channels);
        repairer.inpainter_for(channels);
      } else {
        Restorer(operation.task, restore_options(operation, input.parameters)).model_for(channels);
      }
    } catch (const FileError& missing) {
      throw Refusal{400, missing.what()};
    }
  }

  void routes() {
    http.Get("/health", [this](const httplib::Request&, httplib::Response& response) {
      send_json(response, {{"status", "ok"},
                           {"version", version},
                           {"models_loaded", shared_model_count()},
                           {"jobs_running", jobs->running()},
                           {"jobs_queued", jobs->queued()}});
    });
    http.Get("/api/operations", [this](const httplib::Request&, httplib::Response& response) {
      send_json(response, catalogue);
    });
    http.Get("/api/limits", [this](const httplib::Request&, httplib::Response& response) {
      const auto& limits = jobs->limits();
      send_json(response, {{"max_upload_bytes", options.max_upload_bytes},
                           {"max_pixels", options.max_pixels},
                           {"workers", limits.workers},
                           {"max_queued", limits.max_queued},
                           {"time_limit_s", limits.time_limit_s},
                           {"threads_per_job", limits.threads_per_job},
                           {"memory_per_job", limits.memory_per_job},
                           {"keep_s", limits.keep_s},
                           {"root", !options.root.empty()}});
    });
    http.Post("/api/jobs", [this](const httplib::Request& request, httplib::Response& response) {
      auto input = job_input(request);
      const auto id = jobs->submit(std::move(input));
      auto status = jobs->status(id);
      response.set_header("Location", "/api/jobs/" + id);
      send_json(response, status_json(*status), 202);
    });
    http.Get(R"(/api/jobs/([0-9a-f]+))", [this](const httplib::Request& request, httplib::Response& response) {
      const auto status = jobs->status(request.matches[1]);
      if (!status) throw Refusal{404, "no such job (finished jobs are kept for a limited time)"};
      send_json(response, status_json(*status));
    });
    http.Delete(R"(/api/jobs/([0-9a-f]+))", [this](const httplib::Request& request, httplib::Response& response) {
      if (!jobs->cancel(request.matches[1])) throw Refusal{404, "no such job"};
      send_json(response, status_json(*jobs->status(request.matches[1])));
    });
    http.Get(R"(/api/jobs/([0-9a-f]+)/events)", [this](const httplib::Request& request, httplib::Response& response) {
      const std::string id = request.matches[1];
      if (!jobs->status(id)) throw Refusal{404, "no such job"};
      response.set_header("Cache-Control", "no-cache");
      auto seen = std::make_shared<std::uint64_t>(~std::uint64_t{0});
      response.set_chunked_content_provider(
          "text/event-stream", [this, id, seen](std::size_t, httplib::DataSink& sink) {
            if (!sink.is_writable()) return false;
            const auto status = jobs->wait_for_change(id, *seen, std::chrono::seconds(15));
            if (!status || jobs->closing()) {  // forgotten, or the server is stopping
              sink.done();
              return true;
            }
            if (status->version == *seen) {  // nothing new: a comment keeps the line open
              sink.os << ": waiting\n\n";
              return true;
            }
            *seen = status->version;
            sink.os << "event: status\ndata: " << status_json(*status).dump() << "\n\n";
            const auto state = status->state;
            if (state == JobState::done || state == JobState::failed || state == JobState::cancelled)
              sink.done();
            return true;
          });
    });
    const auto file_route = [this](bool mask) {
      return [this, mask](const httplib::Request& request, httplib::Response& response) {
        const std::string id = request.matches[1];
        const auto path = mask ? jobs->mask_file(id) : jobs->result_file(id);
        if (path.empty()) {
          const auto status = jobs->status(id);
          if (!status) throw Refusal{404, "no such job"};
          throw Refusal{409, fmt::format("job {} is {}: it has no {}", id, state_name(status->state),
                                         mask ? "mask" : "result")};
        }
        const auto bytes = fileio::read_file_bytes(path);
        response.set_content(reinterpret_cast<const char*>(bytes.data()), bytes.size(), "image/png");
      };
    };
    http.Get(R"(/api/jobs/([0-9a-f]+)/result)", file_route(false));
    http.Get(R"(/api/jobs/([0-9a-f]+)/mask)", file_route(true));
    http.Get("/api/files", [this](const httplib::Request& request, httplib::Response& response) {
      const auto folder = under_root(request.get_param_value("dir"));
      if (!fs::is_directory(folder)) throw Refusal{400, "not a folder"};
      const auto& base = options.root;
      json folders = json::array(), images = json::array();
      std::vector<fs::directory_entry> entries(fs::directory_iterator(folder), {});
      std::sort(entries.begin(), entries.end());
      for (const auto& entry : entries) {
        const auto name = entry.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        // Lexically: a link to elsewhere is listed by its own name (and refused when opened).
        const auto relative = entry.path().lexically_relative(base).generic_string();
        if (entry.is_directory())
          folders.push_back(relative);
        else if (entry.is_regular_file() && is_image_name(entry.path()))
          images.push_back({{"path", relative}, {"bytes", entry.file_size()}});
      }
      send_json(response, {{"dir", folder.lexically_relative(base).generic_string()},
                           {"folders", folders},
                           {"images", images}});
    });
    http.Get("/api/file", [this](const httplib::Request& request, httplib::Response& response) {
      const auto path = under_root(request.get_param_value("path"));
      if (!fs::is_regular_file(path) || !is_image_name(path)) throw Refusal{400, "not an image file"};
      const auto image = decode(fileio::read_file_bytes(path), request.get_param_value("path"));
      // Browsers do not all show TIFF or 16-bit files: the page gets an 8-bit PNG.
      std::string bytes;
      png::write(image, 8, [&](const std::uint8_t* data, std::size_t size) {
        bytes.append(reinterpret_cast<const char*>(data), size);
      });
      response.set_content(std::move(bytes), "image/png");
    });
    http.Get(R"(/[a-z_]*(\.[a-z]+)?)", [](const httplib::Request& request, httplib::Response& response) {
      const auto* asset = find_web_asset(request.path);
      if (!asset) throw Refusal{404, "not found"};
      response.set_content(reinterpret_cast<const char*>(asset->data), asset->size, asset->content_type);
    });

    http.set_exception_handler([](const httplib::Request&, httplib::Response& response,
                                  std::exception_ptr failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const Refusal& refusal) {
        send_error(response, refusal.status, refusal.message);
      } catch (const QueueFull& full) {
        send_error(response, 429, full.what());
      } catch (const InvalidArgument& error) {
        send_error(response, 400, error.what());
      } catch (const FormatError& error) {
        send_error(response, 400, error.what());
      } catch (const ModelMismatch& error) {
        send_error(response, 400, error.what());
      } catch (const FileError& error) {
        send_error(response, 404, error.what());
      } catch (const std::exception& error) {
        send_error(response, 500, error.what());
      } catch (...) {
        send_error(response, 500, "internal error");
      }
    });
    // httplib's own refusals (413 for a body over the limit, 404 for no route, 400 for a
    // malformed request) get a JSON line too.
    http.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
      if (!response.body.empty()) return;
      std::string message = fmt::format("HTTP {}", response.status);
      if (response.status == 413) message = "the request is larger than the upload limit";
      if (response.status == 404) message = fmt::format("no such resource: {}", request.path);
      send_error(response, response.status, message);
    });
  }
};

Server::Server(ServerOptions options) : state_(std::make_unique<State>()) {
  if (!options.root.empty() && !fs::is_directory(options.root))
    throw InvalidArgument(fmt::format("root '{}' is not a folder", options.root.string()));
  if (!options.root.empty()) options.root = fs::canonical(options.root);  // once, for every request
  if (options.results.empty()) options.results = temporary_results();
  state_->options = options;
  state_->catalogue = catalogue();
  state_->jobs = std::make_unique<JobQueue>(options.jobs, options.results);
  state_->http.set_payload_max_length(options.max_upload_bytes);
  // Event streams hold a thread each while they follow a job: more than the default pool.
  state_->http.new_task_queue = [] { return new httplib::ThreadPool(64); };
  state_->routes();
}

Server::~Server() {
  stop();
}

int Server::bind() {
  auto& options = state_->options;
  if (options.port == 0) {
    options.port = state_->http.bind_to_any_port(options.host);
    if (options.port < 0) options.port = 0;
  } else if (!state_->http.bind_to_port(options.host, options.port)) {
    options.port = 0;
  }
  if (options.port == 0)
    throw FileError(fmt::format("cannot listen on {}: the address is not available or in use",
                                options.host));
  return options.port;
}

void Server::listen() { state_->http.listen_after_bind(); }

void Server::stop() {
  state_->jobs->close();  // event streams end, so that the HTTP threads can be joined
  if (state_->http.is_running()) state_->http.stop();
}

}  // namespace restora::server
