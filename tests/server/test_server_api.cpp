// The web UI's HTTP API without a browser: every endpoint on a server in this process, jobs on
// tiny models compared with the command line they report, progress events, cancel, and each
// limit refused with a 4xx and one line of JSON while the server keeps serving.
#include "server/server_fixture.h"
#include "support/tiny_model.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;

using ServerApi = ServerTest;

TEST_F(ServerApi, AnswersHealthCatalogueAndThePage) {
  start();
  const auto health = get("/health");
  EXPECT_EQ(health["status"], "ok");
  EXPECT_TRUE(health.contains("version"));
  EXPECT_EQ(health["jobs_running"], 0);
  const auto operations = get("/api/operations");
  ASSERT_TRUE(operations.is_array());
  std::vector<std::string> commands;
  for (const auto& operation : operations) commands.push_back(operation["command"]);
  for (const char* expected : {"denoise", "upscale", "dejpeg", "restore", "deblur", "inpaint", "repair"})
    EXPECT_NE(std::find(commands.begin(), commands.end(), expected), commands.end()) << expected;
  const auto& denoise = operations[0];
  EXPECT_EQ(denoise["command"], "denoise");
  EXPECT_EQ(denoise["default_model"], "denoise-color");
  bool listed = false;
  for (const auto& model : denoise["models"]) listed |= model["name"] == "denoise-color";
  EXPECT_TRUE(listed) << denoise.dump();
  EXPECT_EQ(denoise["options"][0]["name"], "sigma");

  const auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("/app.js"), std::string::npos);
  const auto script = client_->Get("/app.js");
  ASSERT_TRUE(script);
  EXPECT_NE(script->get_header_value("Content-Type").find("javascript"), std::string::npos);
  EXPECT_NE(script->body.find("/api/jobs"), std::string::npos);
  EXPECT_EQ(get("/api/limits")["root"], false);
}

TEST_F(ServerApi, ADenoiseJobGivesWhatItsCommandLineGives) {
  start();
  const cv::Mat image = random_image(40, 48, 3, 1);
  const auto submitted = body(post({field("operation", "denoise"), field("options", R"({"sigma": 25})"),
                                    file("image", png_bytes(image), "in.png")}),
                              202);
  const std::string id = submitted["id"];
  EXPECT_EQ(submitted["command"], "restora denoise -i in.png -o in-denoise.png --sigma 25");
  const auto status = wait_finished(id);
  ASSERT_EQ(status["state"], "done") << status.dump();
  EXPECT_EQ(status["progress"], 1.0);
  EXPECT_EQ(status["output"]["width"], 48);
  EXPECT_EQ(status["result_name"], "in-denoise.png");
  EXPECT_NE(status.value("model", std::string()).find("denoise-color"), std::string::npos);
  const auto result = client_->Get(status["result"].get<std::string>().c_str());
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "image/png");

  write_image_file(work_ / "in.png", image);
  const auto cli = run({"denoise", "-i", (work_ / "in.png").string(), "-o",
                        (work_ / "in-denoise.png").string(), "--sigma", "25", "--threads", "1"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_TRUE(result->body == read_text(work_ / "in-denoise.png"));  // the same file, byte for byte
  expect_refused(client_->Get(("/api/jobs/" + id + "/mask").c_str()), 409, "no mask");
}

TEST_F(ServerApi, EventsFollowAJobToItsEnd) {
  start();
  const auto submitted = body(post({field("operation", "upscale"), field("options", R"({"scale": 2})"),
                                    file("image", png_bytes(random_image(30, 20, 3, 2)), "small.png")}),
                              202);
  const std::string id = submitted["id"];
  const auto events = client_->Get(("/api/jobs/" + id + "/events").c_str());
  ASSERT_TRUE(events);
  EXPECT_EQ(events->status, 200);
  EXPECT_NE(events->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  // The stream ends with the job: its last event says done, with the upscaled size.
  const auto last = events->body.rfind("data: ");
  ASSERT_NE(last, std::string::npos) << events->body;
  const auto status = json::parse(events->body.substr(last + 6));
  EXPECT_EQ(status["state"], "done");
  EXPECT_EQ(status["output"]["width"], 40);
  EXPECT_NE(events->body.find("event: status"), std::string::npos);
}

TEST_F(ServerApi, InpaintingKeepsEveryPixelOutsideTheMask) {
  start();
  const cv::Mat image = random_image(32, 40, 3, 3);
  cv::Mat mask = cv::Mat::zeros(32, 40, CV_8UC1);
  cv::circle(mask, {20, 16}, 6, cv::Scalar(255), cv::FILLED);
  const auto submitted = body(post({field("operation", "inpaint"), file("image", png_bytes(image), "photo.png"),
                                    file("mask", png_bytes(mask), "photo-mask.png")}),
                              202);
  EXPECT_EQ(submitted["command"],
            "restora inpaint -i photo.png -o photo-inpaint.png --mask photo-mask.png");
  const auto status = wait_finished(submitted["id"]);
  ASSERT_EQ(status["state"], "done") << status.dump();
  const auto result = decode_rgb(client_->Get(status["result"].get<std::string>().c_str())->body);
  cv::Mat difference;
  cv::absdiff(result, image, difference);
  difference.setTo(cv::Scalar::all(0), mask);
  EXPECT_EQ(cv::norm(difference, cv::NORM_INF), 0.0);

  expect_refused(post({field("operation", "inpaint"), file("image", png_bytes(image), "photo.png"),
                       file("mask", png_bytes(cv::Mat::zeros(10, 10, CV_8UC1)), "m.png")}),
                 400, "does not match");
  expect_refused(post({field("operation", "inpaint"), file("image", png_bytes(image), "photo.png")}),
                 400, "needs a 'mask'");
}

TEST_F(ServerApi, ARepairJobServesTheMaskOfWhatItFilled) {
  start();
  const cv::Mat image = random_image(36, 44, 3, 12);
  // The untrained detector marks about a fifth of the image at this threshold.
  const double threshold = partial_threshold(model("repair"), image);
  const auto submitted = body(post({field("operation", "repair"),
                                    field("options", json{{"threshold", threshold}, {"grow", 0}}.dump()),
                                    file("image", png_bytes(image), "old.png")}),
                              202);
  EXPECT_EQ(submitted["command"].get<std::string>().rfind("restora repair -i old.png -o old-repair.png --threshold ", 0), 0u)
      << submitted["command"];
  const auto status = wait_finished(submitted["id"]);
  ASSERT_EQ(status["state"], "done") << status.dump();
  ASSERT_TRUE(status.contains("mask"));
  const auto mask = decode_rgb(client_->Get(status["mask"].get<std::string>().c_str())->body);
  ASSERT_EQ(mask.size(), image.size());
  ASSERT_EQ(mask.channels(), 1);
  const cv::Mat result = decode_rgb(client_->Get(status["result"].get<std::string>().c_str())->body);
  const double marked = cv::countNonZero(mask) / static_cast<double>(mask.total());
  EXPECT_GT(marked, 0.05);
  EXPECT_LT(marked, 0.6);
  cv::Mat difference;  // filled where marked, untouched elsewhere
  cv::absdiff(result, image, difference);
  difference.setTo(cv::Scalar::all(0), mask);
  EXPECT_EQ(cv::norm(difference, cv::NORM_INF), 0.0);
}

TEST_F(ServerApi, CancelStopsQueuedAndRunningJobs) {
  server::ServerOptions options;
  options.jobs.workers = 1;
  options.jobs.max_queued = 1;
  options.jobs.memory_per_job = 4 << 20;  // many small tiles: a job runs for a while
  start(options);
  const auto running = submit_slow();
  wait_running(running);
  const auto queued = body(post({field("operation", "denoise"),
                                 file("image", png_bytes(random_image(8, 8, 3, 4)), "a.png")}),
                           202)["id"].get<std::string>();
  expect_refused(post({field("operation", "denoise"),
                       file("image", png_bytes(random_image(8, 8, 3, 5)), "b.png")}),
                 429, "already waiting");
  EXPECT_EQ(get("/health")["jobs_queued"], 1);

  EXPECT_EQ(body(client_->Delete(("/api/jobs/" + queued).c_str()), 200)["state"], "cancelled");
  body(client_->Delete(("/api/jobs/" + running).c_str()), 200);
  const auto stopped = wait_finished(running);
  EXPECT_EQ(stopped["state"], "cancelled");
  EXPECT_LT(stopped["progress"].get<double>(), 1.0);
  expect_refused(client_->Get(("/api/jobs/" + running + "/result").c_str()), 409, "cancelled");
  expect_refused(client_->Delete("/api/jobs/0123456789abcdef"), 404, "no such job");
}

TEST_F(ServerApi, StoppingEndsEventStreamsAndRunningJobsPromptly) {
  server::ServerOptions options;
  options.jobs.memory_per_job = 4 << 20;
  start(options);
  const auto id = submit_slow();
  wait_running(id);
  std::thread follower([&] {
    httplib::Client events("127.0.0.1", port_);
    events.Get(("/api/jobs/" + id + "/events").c_str());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the stream is open
  const auto begin = std::chrono::steady_clock::now();
  server_->stop();
  listener_.join();
  follower.join();
  server_.reset();  // joins the workers
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count(), 5.0);
}

TEST_F(ServerApi, AJobPastItsTimeLimitIsStopped) {
  server::ServerOptions options;
  options.jobs.time_limit_s = 0.05;
  options.jobs.memory_per_job = 4 << 20;
  start(options);
  const auto status = wait_finished(submit_slow());
  EXPECT_EQ(status["state"], "cancelled");
  EXPECT_NE(status.value("error", std::string()).find("time limit"), std::string::npos) << status.dump();
}

TEST_F(ServerApi, RefusesBadRequestsWithOneLineAndKeepsServing) {
  server::ServerOptions options;
  options.max_upload_bytes = 16 << 10;
  options.max_pixels = 5000;
  start(options);
  const auto small = png_bytes(random_image(40, 48, 3, 6));  // 1920 pixels
  expect_refused(post({field("operation", "denoise"),
                       file("image", png_bytes(random_image(100, 100, 3, 7)), "big.png")}),
                 413, "upload limit");
  expect_refused(post({field("operation", "denoise"),
                       file("image", png_bytes(cv::Mat::zeros(100, 100, CV_8UC3)), "wide.png")}),
                 400, "more than the limit of 5000");
  expect_refused(post({field("operation", "sharpen"), file("image", small, "a.png")}), 400,
                 "unknown operation 'sharpen'");
  expect_refused(post({field("operation", "denoise"), field("options", R"({"model": "nope"})"),
                       file("image", small, "a.png")}),
                 400, "nope");
  expect_refused(post({field("operation", "denoise"), field("options", "{sigma"),
                       file("image", small, "a.png")}),
                 400, "not valid JSON");
  expect_refused(post({field("operation", "denoise"), field("options", R"({"sigma": 300})"),
                       file("image", small, "a.png")}),
                 400, "option 'sigma' must be in 0..255");
  expect_refused(post({field("operation", "upscale"), field("options", R"({"scale": 5})"),
                       file("image", small, "a.png")}),
                 400, "option 'scale' must be one of");
  expect_refused(post({field("operation", "denoise"), file("image", "just some text", "notes.png")}),
                 400, "unknown image format");
  expect_refused(post({field("operation", "denoise"), file("image", small.substr(0, small.size() / 2), "cut.png")}),
                 400, "truncated PNG");
  expect_refused(post({field("operation", "denoise")}), 400, "no image");
  expect_refused(post({field("operation", "denoise"), field("path", "a.png")}), 403, "no --root");
  expect_refused(client_->Post("/api/jobs", "{}", "application/json"), 400, "multipart/form-data");
  expect_refused(client_->Get("/api/jobs/0123456789abcdef"), 404, "no such job");
  expect_refused(client_->Get("/no/such/page"), 404, "/no/such/page");
}

TEST_F(ServerApi, PathJobsStayInsideTheRoot) {
  const auto root = work_ / "root";
  write_image_file(root / "sub" / "a.png", random_image(24, 20, 3, 8));
  write_image_file(work_ / "outside.png", random_image(24, 20, 3, 9));
  fs::create_directory_symlink(work_.path(), root / "escape");
  server::ServerOptions options;
  options.root = root;
  start(options);
  EXPECT_EQ(get("/api/limits")["root"], true);
  const auto top = get("/api/files?dir=.");
  EXPECT_EQ(top["folders"], json::array({"escape", "sub"}));
  const auto listing = get("/api/files?dir=sub");
  ASSERT_EQ(listing["images"].size(), 1u);
  EXPECT_EQ(listing["images"][0]["path"], "sub/a.png");
  const auto preview = client_->Get("/api/file?path=sub/a.png");
  ASSERT_TRUE(preview);
  EXPECT_EQ(preview->status, 200);
  EXPECT_EQ(decode_rgb(preview->body).size(), cv::Size(20, 24));

  const auto submitted = body(post({field("operation", "denoise"), field("path", "sub/a.png")}), 202);
  EXPECT_EQ(submitted["command"], "restora denoise -i sub/a.png -o sub/a-denoise.png");
  EXPECT_EQ(wait_finished(submitted["id"])["state"], "done");

  for (const char* outside : {"../outside.png", "/etc/passwd", "escape/outside.png", "sub/../../outside.png"}) {
    SCOPED_TRACE(outside);
    expect_refused(post({field("operation", "denoise"), field("path", outside)}), 403, "outside the root");
  }
  expect_refused(post({field("operation", "denoise"), field("path", "sub/missing.png")}), 404, "does not exist");
  expect_refused(client_->Get("/api/files?dir=.."), 403, "outside the root");
}

}  // namespace
}  // namespace restora::testing
