#include "restore/model_cache.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <system_error>
#include <tuple>

namespace restora {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::uintmax_t size = 0;
  fs::file_time_type modified;
  std::shared_ptr<const LoadedModel> model;
};

std::mutex guard;
std::map<std::tuple<std::string, double, std::string, std::string>, Entry> cache;

}  // namespace

std::shared_ptr<const LoadedModel> shared_model(
    const ModelKey& key, const std::function<void(LoadedModel&)>& prepare) {
  std::error_code error;
  const auto size = fs::file_size(key.path, error);
  const auto modified = fs::last_write_time(key.path, error);
  const auto id = std::make_tuple(key.path.string(), key.strength, key.device, key.variant);
  std::lock_guard<std::mutex> lock(guard);  // loading holds it: a model is read once
  auto found = cache.find(id);
  if (found != cache.end() && !error && found->second.size == size &&
      found->second.modified == modified)
    return found->second.model;
  auto loaded = std::make_shared<LoadedModel>(load_model(key.path, key.strength));
  prepare(*loaded);
  cache[id] = {size, modified, loaded};
  return loaded;
}

std::size_t shared_model_count() {
  std::lock_guard<std::mutex> lock(guard);
  return cache.size();
}

}  // namespace restora
