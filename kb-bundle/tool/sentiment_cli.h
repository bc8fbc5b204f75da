// lantern-kb sentiment / sentiment-eval, and the SENT section for `lantern-kb build --sentiment DIR`.
#pragma once
#include <string>
#include <vector>

#include "builder.h"
#include "lantern/result.h"

namespace lantern::kbtool {

// DIR/en.txt, DIR/zh.txt, DIR/common.txt (any may be missing: the built-in one stays), checked by
// the sdk's own parser, stored as the bundle's SENT section.
Status add_sentiment_dir(BundleBuilder& b, const std::string& dir);

struct SentimentArgs {
  std::string bundle_bytes;  // empty: the lexicons compiled into the sdk
  std::string bundle_name;
  std::string lang, set;
  bool json = false;
  std::vector<std::string> rest;  // the text to score
};

// Exit code; messages on stdout/stderr.
int sentiment_command(const SentimentArgs& a, bool eval);

}  // namespace lantern::kbtool
