// The report page's files (relay/report/ and the vendored charting library), embedded in the
// relay binary at build time by relay/report/report.cmake, so the page needs no file on disk and
// no CDN. The data lives for the whole program.
#pragma once
#include <cstddef>
#include <string_view>

namespace lantern::relay {

struct ReportAsset {
  const char* name;          // "index.html", "report.js", "vendor/chart.umd.min.js"
  const char* content_type;  // "text/html; charset=utf-8"
  const unsigned char* data;
  std::size_t size;
};

// nullptr for a name that is not embedded (no path is ever looked up on disk).
const ReportAsset* find_report_asset(std::string_view name);

}  // namespace lantern::relay
