#include <map>

#include "lantern/seams.h"

namespace lantern {

namespace {
class MemoryStorage final : public Storage {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override {
    auto it = map_.find(std::string(key));
    if (it == map_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status put(std::string_view key, std::string_view value) override {
    map_[std::string(key)] = std::string(value);
    return ok_status();
  }
  Status remove(std::string_view key) override {
    map_.erase(std::string(key));
    return ok_status();
  }
  Result<std::vector<std::string>> keys(std::string_view prefix) override {
    std::vector<std::string> out;
    for (auto it = map_.lower_bound(std::string(prefix)); it != map_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      out.push_back(it->first);
    }
    return out;
  }

 private:
  std::map<std::string, std::string> map_;
};
}  // namespace

std::unique_ptr<Storage> make_memory_storage() { return std::make_unique<MemoryStorage>(); }

}  // namespace lantern
