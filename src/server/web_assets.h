// The web page's files (web/), built into the binary: nothing is fetched at run time.
#pragma once

#include <cstddef>
#include <string>

namespace restora::server {

struct WebAsset {
  const char* path;          // "/", "/app.js", ...
  const char* content_type;  // "text/html; charset=utf-8", ...
  const unsigned char* data;
  std::size_t size;
};

// The asset served at `path`, or nullptr.
const WebAsset* find_web_asset(const std::string& path);

}  // namespace restora::server
