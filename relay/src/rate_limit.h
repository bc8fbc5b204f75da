// Token buckets per client key (IP or user). Memory is bounded: the table is swept of full
// buckets when it grows, so a flood of distinct IPs cannot exhaust memory.
#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace lantern::relay {

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}
  // Takes one token; on refusal, *retry_after_s says when one will be there.
  bool allow(const std::string& key, std::int64_t now_ms, int* retry_after_s);
  // Returns a token taken by allow() for a request that turned out to cost nothing (a retried
  // ticket answered from the store), never above the burst.
  void give_back(const std::string& key);

 private:
  struct Bucket {
    double tokens;
    std::int64_t at_ms;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  double rate_, burst_;
};

}  // namespace lantern::relay
