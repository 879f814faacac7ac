#include "support/video_clip.h"

extern "C" {
#include <libavformat/avformat.h>
}

#include <cmath>
#include <fstream>
#include <stdexcept>

namespace restora::testing {

std::filesystem::path write_tone_wav(const std::filesystem::path& path, double seconds) {
  const uint32_t rate = 8000, samples = static_cast<uint32_t>(seconds * rate), bytes = samples * 2;
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  out.write("RIFF", 4);
  u32(36 + bytes);
  out.write("WAVEfmt ", 8);
  u32(16);
  u16(1);         // PCM
  u16(1);         // mono
  u32(rate);
  u32(rate * 2);  // bytes per second
  u16(2);         // block align
  u16(16);        // bits
  out.write("data", 4);
  u32(bytes);
  for (uint32_t i = 0; i < samples; ++i)
    u16(static_cast<uint16_t>(static_cast<int16_t>(8000 * std::sin(2 * M_PI * 440 * i / rate))));
  return path;
}

cv::Vec3b test_clip_pixel(int t, int x, int y) {
  return cv::Vec3b(static_cast<uint8_t>((x + t) * 7 % 256), static_cast<uint8_t>(y * 9 % 256),
                   static_cast<uint8_t>((x + y + 3 * t) % 256));
}

std::filesystem::path write_test_clip(const std::filesystem::path& path, int frames, cv::Size size,
                                      video::Rational rate, const std::filesystem::path& audio) {
  video::WriterOptions options;
  if (path.extension() == ".mkv") {
    options.codec = "ffv1";
    options.pixel_format = "bgr0";
  }
  options.frame_rate = rate;
  options.audio_from = audio;
  auto writer = video::open_writer(path, size, {rate.den, rate.num}, options);
  for (int t = 0; t < frames; ++t) {
    cv::Mat frame(size, CV_8UC3);
    for (int y = 0; y < size.height; ++y)
      for (int x = 0; x < size.width; ++x) frame.at<cv::Vec3b>(y, x) = test_clip_pixel(t, x, y);
    writer->write(frame, t);
  }
  writer->finish();
  return path;
}

std::vector<std::vector<uint8_t>> audio_packets(const std::filesystem::path& path) {
  AVFormatContext* context = nullptr;
  if (avformat_open_input(&context, path.c_str(), nullptr, nullptr) < 0)
    throw std::runtime_error("cannot open " + path.string());
  avformat_find_stream_info(context, nullptr);
  std::vector<std::vector<uint8_t>> packets;
  AVPacket* packet = av_packet_alloc();
  while (av_read_frame(context, packet) >= 0) {
    if (context->streams[packet->stream_index]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
      packets.emplace_back(packet->data, packet->data + packet->size);
    av_packet_unref(packet);
  }
  av_packet_free(&packet);
  avformat_close_input(&context);
  return packets;
}

}  // namespace restora::testing
