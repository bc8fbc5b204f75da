#include <algorithm>
#include <cstring>

#include "bytes.h"
#include "lantern/bundle.h"

namespace lantern::kb {

namespace {

Error bad(std::string what) { return make_error(ErrorCode::bad_format, "bundle is malformed: " + what); }

// First index in a sorted table of n strings whose string is not below key.
template <class Get>
std::uint32_t lower_bound_in(std::uint32_t n, std::string_view key, Get get) {
  std::uint32_t lo = 0, hi = n;
  while (lo < hi) {
    std::uint32_t mid = lo + (hi - lo) / 2;
    if (get(mid) < key) lo = mid + 1; else hi = mid;
  }
  return lo;
}

struct Section {
  const std::uint8_t* p = nullptr;
  std::uint32_t size = 0;
  bool present = false;
};

}  // namespace

std::string_view Bundle::str(std::uint32_t off, std::uint32_t len) const {
  return std::string_view(reinterpret_cast<const char*>(strs_) + off, len);
}

Result<Bundle> Bundle::open(const std::uint8_t* data, std::size_t size) {
  if (data == nullptr || size < kHeaderSize) {
    return make_error(ErrorCode::truncated, "bundle is truncated: " + std::to_string(size) +
                                                " bytes is less than the " +
                                                std::to_string(kHeaderSize) + "-byte header");
  }
  if (std::memcmp(data, kMagic, 8) != 0) {
    return make_error(ErrorCode::bad_format, "not a Lantern bundle (the file does not start with the bundle magic)");
  }
  std::uint16_t major = rd16(data + 8), minor = rd16(data + 10);
  if (major != kFormatMajor) {
    return make_error(ErrorCode::bad_format,
                      "bundle format " + std::to_string(major) + "." + std::to_string(minor) +
                          " cannot be read by this version (reads " + std::to_string(kFormatMajor) + ".x); rebuild the bundle with a matching lantern-kb");
  }
  std::uint64_t content = rd64(data + 16);
  // Compared without adding to content: a hostile header can make content + trailer wrap.
  if (size < kHeaderSize + kTrailerSize || content > size - kTrailerSize) {
    return make_error(ErrorCode::truncated, "bundle is truncated: the header says " + std::to_string(content) +
                                                " bytes of content plus a " + std::to_string(kTrailerSize) +
                                                "-byte trailer, the file has " + std::to_string(size));
  }
  if (content < size - kTrailerSize) {
    return make_error(ErrorCode::bad_format, "bundle has " + std::to_string(size - kTrailerSize - content) +
                                                 " unexpected bytes after its end");
  }
  if (std::memcmp(data + content, kTrailerMagic, 8) != 0) return bad("signature trailer missing");

  Bundle b;
  b.data_ = data;
  b.size_ = size;
  b.section_count_ = rd32(data + 24);
  if (b.section_count_ > 64 || kHeaderSize + b.section_count_ * 16ull > content) return bad("section table out of range");
  b.sections_ = data + kHeaderSize;

  auto find = [&](std::uint32_t t) {
    Section s;
    for (std::uint32_t i = 0; i < b.section_count_; ++i) {
      const std::uint8_t* e = b.sections_ + i * 16;
      if (rd32(e) == t) {
        s.p = data + rd32(e + 8);
        s.size = rd32(e + 12);
        s.present = true;
      }
    }
    return s;
  };
  for (std::uint32_t i = 0; i < b.section_count_; ++i) {
    const std::uint8_t* e = b.sections_ + i * 16;
    std::uint64_t off = rd32(e + 8), len = rd32(e + 12);
    if (off < kHeaderSize + b.section_count_ * 16ull || off + len > content) {
      return bad("section " + std::to_string(i) + " lies outside the content");
    }
  }

  Section strs = find(tag("STRS")), arts = find(tag("ARTS")), terms = find(tag("TERM")),
          posts = find(tag("POST")), words = find(tag("WORD")), syns = find(tag("SYNS")),
          blks = find(tag("BLKS")), lang = find(tag("LANG")), stat = find(tag("STAT")),
          meta = find(tag("META"));
  for (auto* s : {&strs, &arts, &terms, &posts, &words, &syns, &blks, &lang, &stat}) {
    if (!s->present) return bad("a required section is missing");
  }
  b.strs_ = strs.p;
  b.strs_size_ = strs.size;
  auto str_ok = [&](const std::uint8_t* rec) {
    std::uint64_t off = rd32(rec), len = rd32(rec + 4);
    return off + len <= b.strs_size_;
  };

  // Languages.
  if (lang.size < 4) return bad("language table too short");
  std::uint32_t nlang = rd32(lang.p);
  if (nlang > 255 || 4ull + nlang * 8 > lang.size) return bad("language table out of range");
  for (std::uint32_t i = 0; i < nlang; ++i) {
    const std::uint8_t* r = lang.p + 4 + i * 8;
    if (!str_ok(r)) return bad("language name out of range");
    b.languages_.push_back(b.str(rd32(r), rd32(r + 4)));
  }

  // Articles.
  if (arts.size % kArticleRecord) return bad("article table has a partial record");
  b.arts_ = arts.p;
  b.article_count_ = arts.size / kArticleRecord;
  b.blks_ = blks.p;
  b.blks_size_ = blks.size;
  for (std::uint32_t i = 0; i < b.article_count_; ++i) {
    const std::uint8_t* r = b.arts_ + i * kArticleRecord;
    for (int f = 0; f < 6; ++f) {
      if (!str_ok(r + f * 8)) return bad("article " + std::to_string(i) + " has a string out of range");
    }
    if (std::uint64_t(rd32(r + 48)) + rd32(r + 52) > b.blks_size_) return bad("article " + std::to_string(i) + " blocks out of range");
    if (r[56] >= nlang) return bad("article " + std::to_string(i) + " has an unknown language index");
  }

  // Terms and postings.
  if (terms.size % kTermRecord) return bad("term table has a partial record");
  b.terms_ = terms.p;
  b.term_count_ = terms.size / kTermRecord;
  b.posts_ = posts.p;
  b.posts_size_ = posts.size;
  std::string_view prev;
  std::uint32_t prev_post = 0;
  for (std::uint32_t i = 0; i < b.term_count_; ++i) {
    const std::uint8_t* r = b.terms_ + i * kTermRecord;
    std::uint64_t off = rd32(r), len = rd16(r + 4);
    if (off + len > b.strs_size_) return bad("term " + std::to_string(i) + " out of range");
    std::uint32_t p0 = rd32(r + 8), df = rd32(r + 12);
    if (df == 0 || p0 < prev_post || p0 > b.posts_size_) return bad("postings of term " + std::to_string(i) + " out of range");
    prev_post = p0;
    std::string_view t = b.str(std::uint32_t(off), std::uint32_t(len));
    if (i > 0 && !(prev < t)) return bad("term dictionary is not sorted");
    prev = t;
  }

  // Words.
  if (words.size % kWordRecord) return bad("word table has a partial record");
  b.words_ = words.p;
  b.word_count_ = words.size / kWordRecord;
  prev = {};
  for (std::uint32_t i = 0; i < b.word_count_; ++i) {
    const std::uint8_t* r = b.words_ + i * kWordRecord;
    if (std::uint64_t(rd32(r)) + rd16(r + 4) > b.strs_size_) return bad("word out of range");
    if (rd32(r + 8) >= b.term_count_) return bad("word refers to a missing term");
    std::string_view w = b.str(rd32(r), rd16(r + 4));
    if (i > 0 && !(prev < w)) return bad("word list is not sorted");
    prev = w;
  }

  // Synonyms.
  if (syns.size % kSynonymRecord) return bad("synonym table has a partial record");
  b.syns_ = syns.p;
  b.synonym_count_ = syns.size / kSynonymRecord;
  for (std::uint32_t i = 0; i < b.synonym_count_; ++i) {
    if (!str_ok(b.syns_ + i * kSynonymRecord)) return bad("synonym out of range");
  }

  if (stat.size < 12) return bad("statistics section too short");
  for (int i = 0; i < 3; ++i) {
    float v = rdf32(stat.p + 4 * i);
    b.avg_[i] = (v > 0.01f && v < 1e9f) ? v : 1.0f;
  }
  if (meta.present) b.meta_ = std::string_view(reinterpret_cast<const char*>(meta.p), meta.size);
  return b;
}

std::string_view Bundle::section_json(std::uint32_t t) const {
  for (std::uint32_t i = 0; i < section_count_; ++i) {
    const std::uint8_t* e = sections_ + i * 16;
    if (rd32(e) == t) return std::string_view(reinterpret_cast<const char*>(data_) + rd32(e + 8), rd32(e + 12));
  }
  return {};
}

Article Bundle::article(std::uint32_t i) const {
  const std::uint8_t* r = arts_ + std::size_t(i) * kArticleRecord;
  Article a;
  a.id = str(rd32(r), rd32(r + 4));
  a.title = str(rd32(r + 8), rd32(r + 12));
  a.category = str(rd32(r + 16), rd32(r + 20));
  a.tags = str(rd32(r + 24), rd32(r + 28));
  a.translation_of = str(rd32(r + 40), rd32(r + 44));
  a.lang = languages_[r[56]];
  a.len_title = rd16(r + 58);
  a.len_tags = rd16(r + 60);
  a.len_body = rd32(r + 64);
  return a;
}

std::int64_t Bundle::find_article(std::string_view id) const {
  // Few thousand articles at most; a linear scan keeps the format free of another index.
  for (std::uint32_t i = 0; i < article_count_; ++i) {
    const std::uint8_t* r = arts_ + std::size_t(i) * kArticleRecord;
    if (str(rd32(r), rd32(r + 4)) == id) return i;
  }
  return -1;
}

Result<std::vector<Block>> Bundle::blocks(std::uint32_t index) const {
  if (index >= article_count_) return make_error(ErrorCode::invalid_argument, "no article at index " + std::to_string(index));
  const std::uint8_t* r = arts_ + std::size_t(index) * kArticleRecord;
  const std::uint8_t* p = blks_ + rd32(r + 48);
  const std::uint8_t* end = p + rd32(r + 52);
  auto fail = [] { return make_error(ErrorCode::bad_format, "bundle is malformed: article blocks are corrupt"); };
  auto take = [&](std::string_view& out) {
    std::uint32_t len;
    if (!get_varint(p, end, len) || len > std::uint64_t(end - p)) return false;
    out = std::string_view(reinterpret_cast<const char*>(p), len);
    p += len;
    return true;
  };
  std::vector<Block> out;
  while (p < end) {
    if (end - p < 3) return fail();
    Block blk;
    std::uint8_t type = *p++;
    if (type < 1 || type > 6) return fail();
    blk.type = BlockType(type);
    blk.level = *p++;
    blk.ordered = (*p++ & 1) != 0;
    std::uint32_t nspans;
    if (!get_varint(p, end, blk.number) || !get_varint(p, end, nspans)) return fail();
    if (nspans > std::uint64_t(end - p)) return fail();
    for (std::uint32_t s = 0; s < nspans; ++s) {
      if (p >= end) return fail();
      Span span;
      std::uint8_t st = *p++;
      if (st < 1 || st > 5) return fail();
      span.type = SpanType(st);
      if (!take(span.text)) return fail();
      if (span.type == SpanType::link && !take(span.href)) return fail();
      blk.spans.push_back(span);
    }
    out.push_back(std::move(blk));
  }
  return out;
}

std::string Bundle::plain_text(std::uint32_t index) const {
  std::string out;
  auto blocks = this->blocks(index);
  if (!blocks) return out;
  for (const auto& b : *blocks) {
    std::size_t before = out.size();
    if (!out.empty()) out.push_back('\n');
    for (const auto& s : b.spans) out += s.text;
    if (out.size() == before + 1) out.resize(before);  // empty block (a rule): no line
  }
  return out;
}

std::string_view Bundle::term(std::uint32_t i) const {
  const std::uint8_t* r = terms_ + std::size_t(i) * kTermRecord;
  return str(rd32(r), rd16(r + 4));
}
std::uint32_t Bundle::term_df(std::uint32_t i) const { return rd32(terms_ + std::size_t(i) * kTermRecord + 12); }
PostingCursor Bundle::postings(std::uint32_t i) const {
  const std::uint8_t* r = terms_ + std::size_t(i) * kTermRecord;
  std::uint32_t begin = rd32(r + 8);
  std::uint32_t end = i + 1 < term_count_ ? rd32(r + kTermRecord + 8) : posts_size_;
  return PostingCursor(posts_ + begin, posts_ + end, rd32(r + 12), article_count_);
}

bool PostingCursor::next(Posting& out) {
  if (left_ == 0) return false;
  std::uint32_t delta, packed;
  if (!get_varint(p_, end_, delta) || !get_varint(p_, end_, packed)) return left_ = 0, false;
  out.tf_title = out.tf_tags = 0;
  if ((packed & 2) && !get_varint(p_, end_, out.tf_title)) return left_ = 0, false;
  if ((packed & 1) && !get_varint(p_, end_, out.tf_tags)) return left_ = 0, false;
  out.tf_body = packed >> 2;
  std::uint64_t doc = first_ ? std::uint64_t(delta) : std::uint64_t(doc_) + delta + 1;
  if (doc >= docs_) return left_ = 0, false;
  first_ = false;
  doc_ = std::uint32_t(doc);
  out.doc = doc_;
  --left_;
  return true;
}

std::uint32_t Bundle::lower_bound_term(std::string_view prefix) const {
  return lower_bound_in(term_count_, prefix, [this](std::uint32_t i) { return term(i); });
}
std::int64_t Bundle::find_term(std::string_view t) const {
  std::uint32_t i = lower_bound_term(t);
  return (i < term_count_ && term(i) == t) ? std::int64_t(i) : -1;
}

std::string_view Bundle::word(std::uint32_t i) const {
  const std::uint8_t* r = words_ + std::size_t(i) * kWordRecord;
  return str(rd32(r), rd16(r + 4));
}
std::uint32_t Bundle::word_term(std::uint32_t i) const { return rd32(words_ + std::size_t(i) * kWordRecord + 8); }
std::uint32_t Bundle::lower_bound_word(std::string_view prefix) const {
  return lower_bound_in(word_count_, prefix, [this](std::uint32_t i) { return word(i); });
}

std::string_view Bundle::synonym_phrase(std::uint32_t i) const {
  const std::uint8_t* r = syns_ + std::size_t(i) * kSynonymRecord;
  return str(rd32(r), rd32(r + 4));
}
std::uint32_t Bundle::synonym_group(std::uint32_t i) const { return rd32(syns_ + std::size_t(i) * kSynonymRecord + 8); }

}  // namespace lantern::kb
