#include "video/video_io.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::video {
namespace fs = std::filesystem;

namespace {

std::string av_message(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return text;
}

// Owners of libav's objects.
struct FormatInput {
  AVFormatContext* context = nullptr;
  ~FormatInput() { avformat_close_input(&context); }
};
struct CodecContext {
  AVCodecContext* context = nullptr;
  ~CodecContext() { avcodec_free_context(&context); }
};
struct Packet {
  AVPacket* packet = av_packet_alloc();
  ~Packet() { av_packet_free(&packet); }
};
struct AvFrame {
  AVFrame* frame = av_frame_alloc();
  ~AvFrame() { av_frame_free(&frame); }
};
struct Scaler {
  SwsContext* context = nullptr;
  ~Scaler() { sws_freeContext(context); }
};

// The BT.601 or BT.709 matrix a stream names (601 when it names none), as swscale numbers it.
int sws_matrix(AVColorSpace space) {
  return space == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601;
}

// libav's own messages (x264's statistics, decoder warnings) stay quiet: errors reach the user
// as exceptions naming the file.
void quiet_libav() {
  static const bool once = [] {
    av_log_set_level(AV_LOG_QUIET);
    return true;
  }();
  (void)once;
}

void open_input(FormatInput& input, const fs::path& path) {
  quiet_libav();
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    throw FileError(fmt::format("cannot read '{}': {}", path.string(),
                                fs::exists(path, error) ? "not a regular file" : "no such file"));
  int code = avformat_open_input(&input.context, path.c_str(), nullptr, nullptr);
  if (code == AVERROR_EOF)
    throw FormatError(fmt::format("'{}' has no video frames: the file ends before any", path.string()));
  if (code < 0)
    throw FormatError(fmt::format("'{}' is not a readable video: {}", path.string(), av_message(code)));
  // Probing may fail on a file without packets; what the headers say is then all there is, and
  // the reading finds out (no frames, no frame size).
  avformat_find_stream_info(input.context, nullptr);
}

class FileReader : public FrameReader {
 public:
  explicit FileReader(const fs::path& path) : path_(path) {
    open_input(input_, path);
    stream_ = av_find_best_stream(input_.context, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (stream_ < 0) throw FormatError(fmt::format("'{}' has no video stream", path.string()));
    const AVStream* stream = input_.context->streams[stream_];
    const AVCodec* codec = avcodec_find_decoder(stream->codecpar->codec_id);
    if (!codec)
      throw FormatError(fmt::format("'{}': no decoder for its video codec '{}'", path.string(),
                                    avcodec_get_name(stream->codecpar->codec_id)));
    decoder_.context = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(decoder_.context, stream->codecpar);
    decoder_.context->thread_count = 1;
    const int code = avcodec_open2(decoder_.context, codec, nullptr);
    if (code < 0)
      throw FormatError(fmt::format("'{}': cannot open its video decoder: {}", path.string(), av_message(code)));
    info_.size = cv::Size(stream->codecpar->width, stream->codecpar->height);
    if (info_.size.area() <= 0) throw FormatError(fmt::format("'{}': its video stream has no frame size", path.string()));
    AVRational rate = stream->avg_frame_rate.num > 0 ? stream->avg_frame_rate : stream->r_frame_rate;
    if (rate.num <= 0 || rate.den <= 0) rate = {25, 1};
    info_.frame_rate = {rate.num, rate.den};
    info_.time_base = {stream->time_base.num, stream->time_base.den};
    info_.frames = std::max<int64_t>(stream->nb_frames, 0);
    info_.codec = avcodec_get_name(stream->codecpar->codec_id);
    for (unsigned i = 0; i < input_.context->nb_streams; ++i)
      info_.audio_streams += input_.context->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
  }

  const StreamInfo& info() const override { return info_; }

  bool read(Frame& frame) override {
    while (true) {
      const int received = avcodec_receive_frame(decoder_.context, decoded_.frame);
      if (received == 0) {
        convert(frame);
        return true;
      }
      if (received == AVERROR_EOF) {
        if (decoded_count_ == 0) throw FormatError(fmt::format("'{}' has no video frames", path_.string()));
        if (info_.frames > 0 && decoded_count_ < info_.frames)
          throw FormatError(fmt::format("'{}' is truncated: {} of its {} frames could be decoded",
                                        path_.string(), decoded_count_, info_.frames));
        return false;
      }
      if (received != AVERROR(EAGAIN)) damaged(received);
      if (flushing_) {
        // The decoder said EAGAIN after a flush: nothing more will come.
        return false;
      }
      const int code = av_read_frame(input_.context, packet_.packet);
      if (code == AVERROR_EOF) {
        flushing_ = true;
        avcodec_send_packet(decoder_.context, nullptr);
        continue;
      }
      if (code < 0) damaged(code);
      if (packet_.packet->stream_index == stream_) {
        if (packet_.packet->flags & AV_PKT_FLAG_CORRUPT) damaged(AVERROR_INVALIDDATA);
        const int sent = avcodec_send_packet(decoder_.context, packet_.packet);
        if (sent < 0 && sent != AVERROR(EAGAIN)) damaged(sent);
      }
      av_packet_unref(packet_.packet);
    }
  }

 private:
  [[noreturn]] void damaged(int code) const {
    throw FormatError(fmt::format("'{}' is damaged or truncated at frame {}: {}", path_.string(),
                                  decoded_count_ + 1, av_message(code)));
  }

  void convert(Frame& frame) {
    AVFrame* source = decoded_.frame;
    if (source->width != info_.size.width || source->height != info_.size.height)
      throw FormatError(fmt::format("'{}': frame {} is {}x{}, the first frames are {}x{}", path_.string(),
                                    decoded_count_ + 1, source->width, source->height, info_.size.width,
                                    info_.size.height));
    scaler_.context = sws_getCachedContext(scaler_.context, source->width, source->height,
                                           static_cast<AVPixelFormat>(source->format), source->width,
                                           source->height, AV_PIX_FMT_RGB24, SWS_BICUBIC | SWS_ACCURATE_RND,
                                           nullptr, nullptr, nullptr);
    if (!scaler_.context)
      throw FormatError(fmt::format("'{}': cannot convert its pixel format {}", path_.string(),
                                    av_get_pix_fmt_name(static_cast<AVPixelFormat>(source->format))));
    const int* matrix = sws_getCoefficients(sws_matrix(source->colorspace));
    sws_setColorspaceDetails(scaler_.context, matrix, source->color_range == AVCOL_RANGE_JPEG, matrix, 1,
                             0, 1 << 16, 1 << 16);
    frame.rgb.create(info_.size, CV_8UC3);
    uint8_t* planes[1] = {frame.rgb.data};
    const int strides[1] = {static_cast<int>(frame.rgb.step[0])};
    sws_scale(scaler_.context, source->data, source->linesize, 0, source->height, planes, strides);
    frame.pts = source->best_effort_timestamp != AV_NOPTS_VALUE ? source->best_effort_timestamp : next_pts_;
    frame.index = decoded_count_++;
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 30, 100)
    const int64_t duration = source->duration;
#else
    const int64_t duration = source->pkt_duration;
#endif
    next_pts_ = frame.pts + std::max<int64_t>(duration, 1);
    av_frame_unref(source);
  }

  fs::path path_;
  FormatInput input_;
  CodecContext decoder_;
  Packet packet_;
  AvFrame decoded_;
  Scaler scaler_;
  StreamInfo info_;
  int stream_ = -1;
  bool flushing_ = false;
  int64_t decoded_count_ = 0;
  int64_t next_pts_ = 0;
};

class FolderReader : public FrameReader {
 public:
  FolderReader(const fs::path& folder, double fps) : folder_(folder), files_(list_images(folder)) {
    if (files_.empty()) throw FormatError(fmt::format("'{}' holds no frames (images)", folder.string()));
    if (!(fps > 0 && fps <= 1000)) throw InvalidArgument(fmt::format("frame rate {} is not in (0, 1000]", fps));
    const int den = 1000;
    info_.frame_rate = {static_cast<int>(std::lround(fps * den)), den};
    info_.time_base = {info_.frame_rate.den, info_.frame_rate.num};
    info_.frames = static_cast<int64_t>(files_.size());
    info_.codec = "frames";
    info_.size = load(0).size();
  }
  const StreamInfo& info() const override { return info_; }
  bool read(Frame& frame) override {
    if (next_ >= files_.size()) return false;
    frame.rgb = load(next_);
    if (frame.rgb.size() != info_.size)
      throw FormatError(fmt::format("'{}' is {}x{}, the folder's first frame is {}x{}",
                                    files_[next_].string(), frame.rgb.cols, frame.rgb.rows,
                                    info_.size.width, info_.size.height));
    frame.index = frame.pts = static_cast<int64_t>(next_++);
    return true;
  }

 private:
  cv::Mat load(size_t index) const {
    cv::Mat u8 = quantize_u8(read_image(files_[index]).pixels);
    if (u8.channels() == 1) cv::cvtColor(u8, u8, cv::COLOR_GRAY2RGB);
    if (u8.channels() == 4) cv::cvtColor(u8, u8, cv::COLOR_RGBA2RGB);
    return u8;
  }
  fs::path folder_;
  std::vector<fs::path> files_;
  StreamInfo info_;
  size_t next_ = 0;
};

class FileWriter : public FrameWriter {
 public:
  FileWriter(const fs::path& path, cv::Size size, Rational time_base, const WriterOptions& options)
      : path_(path), size_(size) {
    quiet_libav();
    const auto folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    temporary_ = folder / fmt::format(".{}.{}.partial{}", path.filename().string(), getpid(),
                                      path.extension().string());
    const AVOutputFormat* format = av_guess_format(nullptr, path.c_str(), nullptr);
    if (!format)
      throw InvalidArgument(fmt::format("output '{}': unknown video container '{}' (use .mp4, .mkv, .mov, .webm)",
                                        path.string(), path.extension().string()));
    std::string codec_name = options.codec;
    if (codec_name.empty()) codec_name = std::string(format->name).find("webm") != std::string::npos ? "libvpx-vp9" : "libx264";
    const AVCodec* codec = avcodec_find_encoder_by_name(codec_name.c_str());
    if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
      throw InvalidArgument(fmt::format("output '{}': no video encoder '{}'", path.string(), codec_name));
    if (avformat_query_codec(format, codec->id, FF_COMPLIANCE_NORMAL) != 1)
      throw InvalidArgument(fmt::format("output '{}': the {} container cannot hold {} video",
                                        path.string(), format->name, codec_name));
    int code = avformat_alloc_output_context2(&output_, format, nullptr, temporary_.c_str());
    if (code < 0) throw InvalidArgument(fmt::format("output '{}': {}", path.string(), av_message(code)));

    encoder_.context = avcodec_alloc_context3(codec);
    auto* encoder = encoder_.context;
    encoder->width = size.width;
    encoder->height = size.height;
    encoder->time_base = {time_base.num, time_base.den};
    encoder->framerate = {options.frame_rate.num, options.frame_rate.den};
    encoder->pix_fmt = choose_pixel_format(codec, options.pixel_format, size);
    encoder->colorspace = size.height >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
    encoder->color_range = AVCOL_RANGE_MPEG;
    encoder->thread_count = 1;
    if (output_->oformat->flags & AVFMT_GLOBALHEADER) encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* settings = nullptr;
    if (codec->priv_class) {
      const void* probe = &codec->priv_class;
      if (av_opt_find(const_cast<void*>(probe), "crf", nullptr, 0, AV_OPT_SEARCH_FAKE_OBJ))
        av_dict_set(&settings, "crf", std::to_string(options.crf).c_str(), 0);
      if (av_opt_find(const_cast<void*>(probe), "preset", nullptr, 0, AV_OPT_SEARCH_FAKE_OBJ))
        av_dict_set(&settings, "preset", options.preset.c_str(), 0);
    }
    if (codec_name == "libvpx-vp9") av_dict_set(&settings, "b", "0", 0);  // constant quality
    code = avcodec_open2(encoder, codec, &settings);
    av_dict_free(&settings);
    if (code < 0)
      throw InvalidArgument(fmt::format("output '{}': cannot open encoder {}: {}", path.string(), codec_name,
                                        av_message(code)));
    AVStream* stream = avformat_new_stream(output_, nullptr);
    avcodec_parameters_from_context(stream->codecpar, encoder);
    stream->time_base = encoder->time_base;
    stream->avg_frame_rate = encoder->framerate;
    video_stream_ = stream->index;

    if (!options.audio_from.empty()) add_audio(options.audio_from);

    if (!(format->flags & AVFMT_NOFILE)) {
      code = avio_open(&output_->pb, temporary_.c_str(), AVIO_FLAG_WRITE);
      if (code < 0)
        throw FileError(fmt::format("cannot write '{}': {}", path.string(), av_message(code)));
    }
    code = avformat_write_header(output_, nullptr);
    if (code < 0) {
      cleanup();
      throw InvalidArgument(fmt::format("output '{}': cannot start the {} file: {}", path.string(),
                                        format->name, av_message(code)));
    }
    for (auto& audio : audio_) audio.out_time_base = output_->streams[audio.out]->time_base;
    scaler_.context = sws_getContext(size.width, size.height, AV_PIX_FMT_RGB24, size.width, size.height,
                                     encoder->pix_fmt, SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr);
    const int* matrix = sws_getCoefficients(sws_matrix(encoder->colorspace));
    sws_setColorspaceDetails(scaler_.context, matrix, 1, matrix, 0, 0, 1 << 16, 1 << 16);
    yuv_.frame->format = encoder->pix_fmt;
    yuv_.frame->width = size.width;
    yuv_.frame->height = size.height;
    if (av_frame_get_buffer(yuv_.frame, 0) < 0) throw Error("out of memory for a video frame");
  }

  ~FileWriter() override { cleanup(); }

  void write(const cv::Mat& rgb, int64_t pts) override {
    if (rgb.size() != size_ || rgb.type() != CV_8UC3)
      throw InvalidArgument(fmt::format("output '{}': a {}x{} frame for a {}x{} video", path_.string(), rgb.cols,
                                        rgb.rows, size_.width, size_.height));
    av_frame_make_writable(yuv_.frame);
    const uint8_t* planes[1] = {rgb.data};
    const int strides[1] = {static_cast<int>(rgb.step[0])};
    sws_scale(scaler_.context, planes, strides, 0, size_.height, yuv_.frame->data, yuv_.frame->linesize);
    yuv_.frame->pts = pts;
    encode(yuv_.frame);
    // Audio up to this frame's time, so the file interleaves as it grows.
    copy_audio(av_rescale_q(pts, encoder_.context->time_base, AVRational{1, AV_TIME_BASE}));
  }

  void finish() override {
    encode(nullptr);
    copy_audio(INT64_MAX);
    int code = av_write_trailer(output_);
    if (code < 0) throw FileError(fmt::format("cannot write '{}': {}", path_.string(), av_message(code)));
    if (output_->pb) avio_closep(&output_->pb);
    std::error_code error;
    fs::rename(temporary_, path_, error);
    if (error) throw FileError(fmt::format("cannot write '{}': {}", path_.string(), error.message()));
    finished_ = true;
    cleanup();
  }

 private:
  struct Audio {
    int in = 0, out = 0;
    AVRational in_time_base{}, out_time_base{};
  };

  static AVPixelFormat choose_pixel_format(const AVCodec* codec, const std::string& requested, cv::Size size) {
    auto supported = [&](AVPixelFormat format) {
      if (!codec->pix_fmts) return true;
      for (const AVPixelFormat* f = codec->pix_fmts; *f != AV_PIX_FMT_NONE; ++f)
        if (*f == format) return true;
      return false;
    };
    if (!requested.empty()) {
      const AVPixelFormat format = av_get_pix_fmt(requested.c_str());
      if (format == AV_PIX_FMT_NONE || !supported(format)) {
        std::string known;
        for (const AVPixelFormat* f = codec->pix_fmts; f && *f != AV_PIX_FMT_NONE; ++f)
          known += std::string(known.empty() ? "" : ", ") + av_get_pix_fmt_name(*f);
        throw InvalidArgument(fmt::format("encoder {} does not take pixel format '{}'; it takes: {}", codec->name,
                                          requested, known));
      }
      return format;
    }
    const bool even = size.width % 2 == 0 && size.height % 2 == 0;
    for (AVPixelFormat format : {even ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUV444P,
                                 AV_PIX_FMT_RGB24, AV_PIX_FMT_BGR0})
      if (supported(format)) return format;
    return codec->pix_fmts[0];
  }

  void add_audio(const fs::path& source) {
    open_input(audio_input_, source);
    for (unsigned i = 0; i < audio_input_.context->nb_streams; ++i) {
      AVStream* in = audio_input_.context->streams[i];
      if (in->codecpar->codec_type != AVMEDIA_TYPE_AUDIO) {
        in->discard = AVDISCARD_ALL;
        continue;
      }
      if (avformat_query_codec(output_->oformat, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1)
        throw InvalidArgument(fmt::format("output '{}': the {} container cannot hold the input's {} audio (use .mkv)",
                                          path_.string(), output_->oformat->name,
                                          avcodec_get_name(in->codecpar->codec_id)));
      AVStream* out = avformat_new_stream(output_, nullptr);
      avcodec_parameters_copy(out->codecpar, in->codecpar);
      out->codecpar->codec_tag = 0;
      out->time_base = in->time_base;
      audio_.push_back({static_cast<int>(i), out->index, in->time_base, {}});
    }
  }

  // Copies audio packets whose time is before `until` (AV_TIME_BASE units).
  void copy_audio(int64_t until) {
    if (audio_.empty() || audio_done_) return;
    while (true) {
      if (!pending_) {
        const int code = av_read_frame(audio_input_.context, audio_packet_.packet);
        if (code < 0) {
          audio_done_ = true;
          return;
        }
        const auto found = std::find_if(audio_.begin(), audio_.end(),
                                        [&](const Audio& a) { return a.in == audio_packet_.packet->stream_index; });
        if (found == audio_.end()) {
          av_packet_unref(audio_packet_.packet);
          continue;
        }
        pending_ = &*found;
      }
      AVPacket* packet = audio_packet_.packet;
      const int64_t time = packet->dts != AV_NOPTS_VALUE ? packet->dts : packet->pts;
      if (time != AV_NOPTS_VALUE && until != INT64_MAX &&
          av_rescale_q(time, pending_->in_time_base, AVRational{1, AV_TIME_BASE}) > until)
        return;
      av_packet_rescale_ts(packet, pending_->in_time_base, pending_->out_time_base);
      packet->stream_index = pending_->out;
      packet->pos = -1;
      const int code = av_interleaved_write_frame(output_, packet);
      pending_ = nullptr;
      if (code < 0) throw FileError(fmt::format("cannot write '{}': {}", path_.string(), av_message(code)));
    }
  }

  void encode(AVFrame* frame) {
    int code = avcodec_send_frame(encoder_.context, frame);
    if (code < 0) throw Error(fmt::format("output '{}': the encoder refused a frame: {}", path_.string(), av_message(code)));
    while (true) {
      code = avcodec_receive_packet(encoder_.context, packet_.packet);
      if (code == AVERROR(EAGAIN) || code == AVERROR_EOF) return;
      if (code < 0) throw Error(fmt::format("output '{}': encoding failed: {}", path_.string(), av_message(code)));
      av_packet_rescale_ts(packet_.packet, encoder_.context->time_base, output_->streams[video_stream_]->time_base);
      packet_.packet->stream_index = video_stream_;
      code = av_interleaved_write_frame(output_, packet_.packet);
      if (code < 0) throw FileError(fmt::format("cannot write '{}': {}", path_.string(), av_message(code)));
    }
  }

  void cleanup() {
    if (output_) {
      if (output_->pb) avio_closep(&output_->pb);
      avformat_free_context(output_);
      output_ = nullptr;
    }
    if (!finished_) {
      std::error_code error;
      fs::remove(temporary_, error);
    }
  }

  fs::path path_, temporary_;
  cv::Size size_;
  AVFormatContext* output_ = nullptr;
  CodecContext encoder_;
  Packet packet_, audio_packet_;
  AvFrame yuv_;
  Scaler scaler_;
  int video_stream_ = 0;
  FormatInput audio_input_;
  std::vector<Audio> audio_;
  Audio* pending_ = nullptr;
  bool audio_done_ = false;
  bool finished_ = false;
};

}  // namespace

bool is_frame_folder(const fs::path& path) {
  std::error_code error;
  if (fs::is_directory(path, error)) return true;
  return !fs::exists(path, error) && path.extension().empty();
}

std::unique_ptr<FrameReader> open_reader(const fs::path& path, double folder_fps) {
  std::error_code error;
  if (fs::is_directory(path, error)) return std::make_unique<FolderReader>(path, folder_fps);
  return std::make_unique<FileReader>(path);
}

std::unique_ptr<FrameWriter> open_writer(const fs::path& path, cv::Size size, Rational time_base,
                                         const WriterOptions& options) {
  return std::make_unique<FileWriter>(path, size, time_base, options);
}

std::string frame_name(int64_t index) { return fmt::format("{:08d}.png", index); }

}  // namespace restora::video
