// Triage and deflection: from the user's own words, offline, the likely form categories and the
// articles that may already answer the question.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "lantern/forms.h"
#include "lantern/search.h"

namespace lantern::forms {

struct CategoryGuess {
  const Form* form;
  float score;  // comparable within one call only
};

struct Triage {
  std::vector<CategoryGuess> categories;  // best first; every form, "other" last unless it won
  std::vector<search::Hit> articles;      // "these articles may solve it"
};

class Triager {
 public:
  // Both must outlive the Triager. Form texts (titles, triage phrases) are analysed once here.
  Triager(const search::Searcher& searcher, const FormSet& forms);
  Result<Triage> triage(std::string_view description, std::string_view lang, std::size_t articles = 3) const;

 private:
  const search::Searcher& searcher_;
  const FormSet& forms_;
  std::vector<std::vector<std::uint32_t>> form_terms_;  // per form, sorted dictionary terms
};

}  // namespace lantern::forms
