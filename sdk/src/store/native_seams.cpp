// Native seams: files, the system clock and mbedTLS's DRBG. Not compiled for WebAssembly.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "lantern/seams.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"

namespace lantern {

namespace {

// Keys become file names: letters, digits, '-', '_' and '.' stay, anything else is %XX-escaped,
// so no key can climb out of the folder.
std::string encode_key(std::string_view key) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                 (c == '.' && !out.empty());
    if (plain) {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string decode_key(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '%' && i + 2 < name.size() && hex_value(name[i + 1]) >= 0 && hex_value(name[i + 2]) >= 0) {
      out.push_back(char(hex_value(name[i + 1]) * 16 + hex_value(name[i + 2])));
      i += 2;
    } else {
      out.push_back(name[i]);
    }
  }
  return out;
}

Error io(const std::string& what) { return make_error(ErrorCode::io_error, what + ": " + std::strerror(errno)); }

class FileStorage final : public Storage {
 public:
  explicit FileStorage(std::string dir) : dir_(std::move(dir)) {}

  Result<std::optional<std::string>> get(std::string_view key) override {
    std::string path = dir_ + "/" + encode_key(key);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return std::optional<std::string>();
      return io("cannot read " + path);
    }
    std::string data;
    char buf[65536];
    while (true) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Error e = io("cannot read " + path);
        ::close(fd);
        return e;
      }
      if (n == 0) break;
      data.append(buf, std::size_t(n));
    }
    ::close(fd);
    return std::optional<std::string>(std::move(data));
  }

  Status put(std::string_view key, std::string_view value) override {
    std::string path = dir_ + "/" + encode_key(key);
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return io("cannot write " + tmp);
    std::size_t done = 0;
    while (done < value.size()) {
      ssize_t n = ::write(fd, value.data() + done, value.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Error e = io("cannot write " + tmp);  // ENOSPC lands here: the old value stays intact
        ::close(fd);
        ::unlink(tmp.c_str());
        return e;
      }
      done += std::size_t(n);
    }
    if (::fsync(fd) != 0) {
      Error e = io("cannot flush " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      Error e = io("cannot replace " + path);
      ::unlink(tmp.c_str());
      return e;
    }
    // The rename itself is durable only once the folder is synced.
    int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    return ok_status();
  }

  Status remove(std::string_view key) override {
    std::string path = dir_ + "/" + encode_key(key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io("cannot remove " + path);
    return ok_status();
  }

  Result<std::vector<std::string>> keys(std::string_view prefix) override {
    DIR* d = ::opendir(dir_.c_str());
    if (!d) return io("cannot list " + dir_);
    std::vector<std::string> out;
    while (dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name == "." || name == ".." || (name.size() > 4 && name.substr(name.size() - 4) == ".tmp")) continue;
      std::string key = decode_key(name);
      if (key.compare(0, prefix.size(), prefix) == 0) out.push_back(std::move(key));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::string dir_;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
};

class DrbgRandom final : public Random {
 public:
  DrbgRandom() {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    const unsigned char pers[] = "lantern-random";
    ok_ = mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, pers, sizeof pers - 1) == 0;
  }
  ~DrbgRandom() override {
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }
  Status fill(std::uint8_t* out, std::size_t n) override {
    if (!ok_) return make_error(ErrorCode::crypto_error, "no entropy source");
    while (n > 0) {
      std::size_t chunk = std::min<std::size_t>(n, MBEDTLS_CTR_DRBG_MAX_REQUEST);
      if (mbedtls_ctr_drbg_random(&drbg_, out, chunk) != 0) return make_error(ErrorCode::crypto_error, "random generator failed");
      out += chunk;
      n -= chunk;
    }
    return ok_status();
  }

 private:
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  bool ok_ = false;
};

}  // namespace

Result<std::unique_ptr<Storage>> make_file_storage(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io("cannot create " + dir);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return make_error(ErrorCode::io_error, dir + " is not a folder");
  return std::unique_ptr<Storage>(std::make_unique<FileStorage>(dir));
}

std::unique_ptr<Clock> make_system_clock() { return std::make_unique<SystemClock>(); }
std::unique_ptr<Random> make_system_random() { return std::make_unique<DrbgRandom>(); }

}  // namespace lantern
