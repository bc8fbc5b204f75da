// Uploaded images on disk: each re-encoded image is one file in data/attachments named by its
// SHA-256, and one row in the store. The file is complete before its row exists, and a failed
// upload leaves neither a partial file nor a row, so a full disk costs the upload that did not
// fit and nothing accepted before it.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "lantern/relay/store.h"
#include "lantern/result.h"

namespace lantern::relay {

// The system calls that write a file; unit tests swap in ones that fail with ENOSPC or EDQUOT,
// as a full disk or an exhausted quota would, without filling a real disk.
struct FileCalls {
  ssize_t (*write)(int fd, const void* buf, std::size_t n) = nullptr;  // nullptr: ::write
  int (*fsync)(int fd) = nullptr;                                      // nullptr: ::fsync
};

class AttachmentFiles {
 public:
  // dir: created 0700 if missing. Temp files older than 10 minutes in it (left by a crash
  // mid-write) are removed.
  AttachmentFiles(std::string dir, Store& store, FileCalls calls = {});

  // Stores `bytes` (whose SHA-256 is sha256_hex, media type `type`) and records them: written to
  // a temp file in dir, fsync'd, renamed to <sha256>.webp|png|jpg, the folder fsync'd, then the
  // row. The same image again (or at once from several threads) gives the same record and one
  // file. Errors are io_error; a full disk or quota (ENOSPC, EDQUOT, the store's SQLITE_FULL)
  // says "disk is full", so is_disk_full() (http.h) recognises it.
  // *wrote_file is set when a new file was written (the disk had room for it).
  Result<AttachmentRecord> put(std::string_view bytes, const std::string& sha256_hex, const std::string& type,
                               std::int64_t now_ms, bool* wrote_file = nullptr);

  const std::string& dir() const { return dir_; }
  std::string path_for(const std::string& sha256_hex, const std::string& type) const;

 private:
  Status write_file(const std::string& path, std::string_view bytes);

  std::string dir_;
  Store& store_;
  FileCalls calls_;
  // One upload of a given image at a time (striped by hash): two requests with the same bytes
  // would otherwise race on the file, and a failed one could remove the file the other recorded.
  std::mutex stripes_[16];
};

}  // namespace lantern::relay
