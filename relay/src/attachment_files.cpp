#include "attachment_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "http.h"

namespace lantern::relay {

namespace {

constexpr std::time_t kStaleTempSeconds = 600;

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// errno of a failed step as an Error; a full disk or quota is named so that is_disk_full() sees it.
Error file_error(int err, const std::string& dir, const char* step) {
  std::string detail = std::string(step) + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) {
    return make_error(ErrorCode::io_error, "the attachments' disk is full (" + dir + "); free space, then retry [" + detail + "]");
  }
  return make_error(ErrorCode::io_error, "cannot write the attachment in " + dir + " [" + detail + "]");
}

int sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace

AttachmentFiles::AttachmentFiles(std::string dir, Store& store, FileCalls calls)
    : dir_(std::move(dir)), store_(store), calls_(calls) {
  if (!calls_.write) calls_.write = ::write;
  if (!calls_.fsync) calls_.fsync = ::fsync;
  ::mkdir(dir_.c_str(), 0700);
  // A crash between creating a temp file and renaming it leaves the temp file: remove old ones.
  // Only old ones: with PostgreSQL, relays may share this folder and be writing right now.
  if (DIR* d = ::opendir(dir_.c_str())) {
    std::time_t now = std::time(nullptr);
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (!ends_with(name, ".tmp")) continue;
      std::string p = dir_ + "/" + name;
      struct stat st;
      if (::lstat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > kStaleTempSeconds) ::unlink(p.c_str());
    }
    ::closedir(d);
  }
}

std::string AttachmentFiles::path_for(const std::string& sha256_hex, const std::string& type) const {
  const char* ext = type == "image/png" ? ".png" : type == "image/jpeg" ? ".jpg" : ".webp";
  return dir_ + "/" + sha256_hex + ext;
}

Status AttachmentFiles::write_file(const std::string& path, std::string_view bytes) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) return file_error(errno, dir_, "mkdir");
  // A unique temp name: a fixed one would be shared by concurrent writers (other relays on the
  // same folder), each truncating the other's bytes.
  std::string tmp = path + ".XXXXXX.tmp";
  int fd = ::mkostemps(tmp.data(), 4, O_CLOEXEC);
  if (fd < 0) return file_error(errno, dir_, "create");
  auto fail = [&](int err, const char* step) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());  // never a partial file left behind
    return file_error(err, dir_, step);
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = calls_.write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno, "write");
    if (n == 0) return fail(ENOSPC, "write");  // a regular file writes nothing only when it has no room
    done += std::size_t(n);
  }
  if (calls_.fsync(fd) != 0) return fail(errno, "fsync");
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return fail(errno, "close");  // NFS reports a full disk as late as here
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(errno, "rename");
  // The rename is durable only once the folder is: otherwise a power cut could lose a file whose
  // row committed.
  if (int err = sync_dir(dir_)) return file_error(err, dir_, "fsync of the folder");
  return ok_status();
}

Result<AttachmentRecord> AttachmentFiles::put(std::string_view bytes, const std::string& sha256_hex, const std::string& type,
                                              std::int64_t now_ms, bool* wrote_file) {
  if (wrote_file) *wrote_file = false;
  if (!is_sha256_hex(sha256_hex)) return make_error(ErrorCode::invalid_argument, "sha256: 64 lower-case hex digits expected");
  std::lock_guard<std::mutex> lock(stripes_[std::strtoul(sha256_hex.substr(0, 1).c_str(), nullptr, 16)]);
  std::string path = path_for(sha256_hex, type);
  // Content-addressed: a file of the right size under this name is this image, complete (files
  // get their name only after fsync). Then nothing is written, which also lets an image already
  // uploaded be answered while the disk is full.
  struct stat st;
  bool have = ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && std::uint64_t(st.st_size) == bytes.size();
  if (!have) {
    if (Status w = write_file(path, bytes); !w) return w.error();
    if (wrote_file) *wrote_file = true;
  }
  AttachmentRecord rec;
  rec.sha256 = sha256_hex;
  rec.type = type;
  rec.size = bytes.size();
  rec.created_ms = now_ms;
  rec.path_or_blob_key = path;
  auto stored = store_.put_attachment(rec);
  if (!stored) {
    // A full disk means the row did not commit (SQLite rolled the write back; PostgreSQL refused
    // it), so no row names the file just written: give its space back. Other errors (a lost
    // connection to PostgreSQL) leave it in doubt, and the file stays; a retry reuses it.
    if (!have && is_disk_full(stored.error())) {
      ::unlink(path.c_str());
      (void)sync_dir(dir_);
      if (wrote_file) *wrote_file = false;
    }
    return stored.error();
  }
  return stored;
}

}  // namespace lantern::relay
