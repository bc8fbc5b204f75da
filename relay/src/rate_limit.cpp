#include "rate_limit.h"

#include <algorithm>
#include <cmath>

namespace lantern::relay {

bool RateLimiter::allow(const std::string& key, std::int64_t now_ms, int* retry_after_s) {
  if (rate_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  if (buckets_.size() > 100'000) {
    // Sweep buckets that have refilled completely: they hold no state worth keeping.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      double t = std::min(burst_, it->second.tokens + (now_ms - it->second.at_ms) / 1000.0 * rate_);
      it = t >= burst_ ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now_ms});
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + std::max<std::int64_t>(0, now_ms - b.at_ms) / 1000.0 * rate_);
  b.at_ms = now_ms;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  *retry_after_s = std::max(1, int(std::ceil((1.0 - b.tokens) / rate_)));
  return false;
}

void RateLimiter::give_back(const std::string& key) {
  if (rate_ <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(key);
  if (it != buckets_.end()) it->second.tokens = std::min(burst_, it->second.tokens + 1.0);
}

}  // namespace lantern::relay
