#include <doctest/doctest.h>

#include <filesystem>
#include <unistd.h>

#include "lantern/seams.h"

using namespace lantern;

namespace {
void exercise(Storage& s) {
  CHECK_FALSE(s.get("a")->has_value());
  REQUIRE(s.put("outbox/1", "one").ok());
  REQUIRE(s.put("outbox/2", "two").ok());
  REQUIRE(s.put("draft/x", "draft").ok());
  CHECK(**s.get("outbox/1") == "one");
  REQUIRE(s.put("outbox/1", "uno").ok());  // replace
  CHECK(**s.get("outbox/1") == "uno");
  CHECK(*s.keys("outbox/") == std::vector<std::string>{"outbox/1", "outbox/2"});
  REQUIRE(s.remove("outbox/1").ok());
  REQUIRE(s.remove("outbox/1").ok());  // missing is fine
  CHECK(*s.keys("outbox/") == std::vector<std::string>{"outbox/2"});
  std::string binary("\0\xff\n", 3);
  REQUIRE(s.put("bin", binary).ok());
  CHECK(**s.get("bin") == binary);
}
}  // namespace

TEST_CASE("storage: the memory fake behaves as a durable map") {
  auto s = make_memory_storage();
  exercise(*s);
}

TEST_CASE("storage: files survive reopening and keys cannot escape the folder") {
  auto dir = std::filesystem::temp_directory_path() / ("lantern-storage-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto s = make_file_storage(dir.string());
    REQUIRE(s.ok());
    exercise(**s);
    REQUIRE((*s)->put("../../etc/evil", "x").ok());
  }
  auto again = make_file_storage(dir.string());
  REQUIRE(again.ok());
  CHECK(**(*again)->get("outbox/2") == "two");
  CHECK(**(*again)->get("../../etc/evil") == "x");
  // Every key became one file inside the folder.
  for (const auto& e : std::filesystem::directory_iterator(dir)) CHECK(e.path().parent_path() == dir);
  CHECK_FALSE(std::filesystem::exists(dir.parent_path().parent_path() / "etc/evil"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("storage: a folder that cannot be created is an error naming it") {
  auto s = make_file_storage("/proc/lantern-cannot-exist/x");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("/proc/lantern-cannot-exist/x") != std::string::npos);
}
