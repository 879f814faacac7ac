// The fixture of the server tests: a server in the test process over the CLI tests' tiny models
// (RESTORA_MODELS), an HTTP client, and helpers for jobs and refusals.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <thread>

#include "cli/cli_test_support.h"
#include "server/http_server.h"

namespace restora::testing {

using nlohmann::json;

inline std::string png_bytes(const cv::Mat& rgb) {
  cv::Mat bgr;  // a new buffer: converting into a header of `rgb` would swap the caller's
  if (rgb.channels() == 3)
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  else
    bgr = rgb;
  std::vector<unsigned char> bytes;
  cv::imencode(".png", bgr, bytes);
  return {bytes.begin(), bytes.end()};
}

inline cv::Mat decode_rgb(const std::string& bytes) {
  const cv::Mat data(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  cv::Mat image = cv::imdecode(data, cv::IMREAD_UNCHANGED);
  if (image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  return image;
}

inline httplib::MultipartFormData field(const std::string& name, const std::string& value) {
  return {name, value, "", ""};
}

inline httplib::MultipartFormData file(const std::string& name, const std::string& bytes,
                                const std::string& filename) {
  return {name, bytes, filename, "image/png"};
}

class ServerTest : public CliTest {
 protected:
  void start(server::ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.jobs.threads_per_job == 0) options.jobs.threads_per_job = 1;
    server_ = std::make_unique<server::Server>(options);
    port_ = server_->bind();
    listener_ = std::thread([this] { server_->listen(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(30, 0);
    for (int attempt = 0; attempt < 200; ++attempt) {
      if (auto reply = client_->Get("/health"); reply && reply->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "the server did not answer /health";
  }

  void TearDown() override {
    if (!server_) return;
    server_->stop();
    listener_.join();
    server_.reset();
  }

  // A reply's JSON body, checking its status.
  json body(const httplib::Result& reply, int status) {
    EXPECT_TRUE(reply) << "no reply";
    if (!reply) return json();
    EXPECT_EQ(reply->status, status) << reply->body;
    auto parsed = json::parse(reply->body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << reply->body;
    return parsed;
  }

  json get(const std::string& path, int status = 200) { return body(client_->Get(path.c_str()), status); }

  httplib::Result post(const httplib::MultipartFormDataItems& items) {
    return client_->Post("/api/jobs", items);
  }

  // A refusal: the status, one line naming `expected`, and a server that still answers.
  void expect_refused(const httplib::Result& reply, int status, const std::string& expected) {
    const auto error = body(reply, status);
    const auto message = error.value("error", std::string());
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(get("/health")["status"], "ok");
  }

  json wait_finished(const std::string& id) {
    for (int attempt = 0; attempt < 3000; ++attempt) {
      auto status = get("/api/jobs/" + id);
      const auto state = status.value("state", std::string());
      if (state != "queued" && state != "running") return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "job " << id << " did not finish";
    return json();
  }

  json wait_running(const std::string& id) {
    for (int attempt = 0; attempt < 3000; ++attempt) {
      auto status = get("/api/jobs/" + id);
      if (status.value("state", std::string()) != "queued" && status.value("progress", 0.0) > 0)
        return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "job " << id << " did not start";
    return json();
  }

  // A job slow enough to be caught running: a large image in many small tiles.
  std::string submit_slow() {
    const auto reply = post({field("operation", "denoise"),
                             file("image", png_bytes(random_image(1600, 1600, 3, 9)), "big.png")});
    return body(reply, 202).value("id", std::string());
  }

  std::unique_ptr<server::Server> server_;
  std::thread listener_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
};

}  // namespace restora::testing
