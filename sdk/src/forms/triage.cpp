#include "lantern/triage.h"

#include <algorithm>

#include "lantern/text.h"

namespace lantern::forms {

Triager::Triager(const search::Searcher& searcher, const FormSet& forms) : searcher_(searcher), forms_(forms) {
  for (const auto& f : forms_.forms) {
    std::string text = f.title.en + "\n" + f.title.zh;
    for (const auto& p : f.triage_en) text += "\n" + p;
    for (const auto& p : f.triage_zh) text += "\n" + p;
    form_terms_.push_back(searcher_.document_terms(text));
  }
}

Result<Triage> Triager::triage(std::string_view description, std::string_view lang, std::size_t articles) const {
  Triage out;
  search::Options opt;
  opt.lang = std::string(lang);
  opt.top = std::max<std::size_t>(articles, 8);
  opt.snippets = true;
  auto hits = searcher_.search(description, opt);
  if (!hits) return hits.error();

  const std::size_t n = forms_.forms.size();
  std::vector<float> phrase(n, 0.f), votes(n, 0.f);

  // 1. The words of the description against each form's own vocabulary (title and the phrases
  //    users write about that problem), weighted by how rare each word is in the knowledge base.
  auto groups = searcher_.analyze(description, /*prefix_last=*/false);
  for (std::size_t f = 0; f < n; ++f) {
    const auto& terms = form_terms_[f];
    for (const auto& g : groups) {
      if (g.stop) continue;
      float best = 0.f;
      for (const auto& alt : g.alts) {
        if (std::binary_search(terms.begin(), terms.end(), alt.term)) best = std::max(best, alt.weight * searcher_.idf(alt.term));
      }
      phrase[f] += best;
    }
  }

  // 2. Votes from the articles that match, the better hits louder. An article's vote goes to
  //    the forms that answer its category and, more, to forms whose vocabulary its title shares
  //    ("I deposited on the wrong network" is a deposit article but a wrong-network ticket).
  for (std::size_t r = 0; r < hits->size() && r < 8; ++r) {
    const auto& h = (*hits)[r];
    auto title_terms = searcher_.document_terms(h.title);
    std::vector<float> share(n, 0.f);
    float total = 0.f;
    for (std::size_t f = 0; f < n; ++f) {
      const auto& cats = forms_.forms[f].article_categories;
      float sim = 0.f;
      for (auto t : title_terms) {
        if (std::binary_search(form_terms_[f].begin(), form_terms_[f].end(), t)) sim += searcher_.idf(t);
      }
      share[f] = (std::find(cats.begin(), cats.end(), h.category) != cats.end() ? 1.f : 0.f) + sim / 4.f;
      total += share[f];
    }
    if (total <= 0.f) continue;
    for (std::size_t f = 0; f < n; ++f) votes[f] += h.score / float(r + 1) * share[f] / total;
  }

  // Normalise each signal to its best form, then mix equally: the phrases know how users name
  // each problem, the articles know the words no phrase list has.
  float max_p = *std::max_element(phrase.begin(), phrase.end());
  float max_v = *std::max_element(votes.begin(), votes.end());
  for (std::size_t f = 0; f < n; ++f) {
    float s = (max_p > 0 ? 0.5f * phrase[f] / max_p : 0.f) + (max_v > 0 ? 0.5f * votes[f] / max_v : 0.f);
    out.categories.push_back({&forms_.forms[f], s});
  }
  std::stable_sort(out.categories.begin(), out.categories.end(),
                   [](const CategoryGuess& a, const CategoryGuess& b) { return a.score > b.score; });
  // Nothing recognisable: "other" leads, so the user is not pushed into a wrong form.
  if (out.categories.empty() || out.categories.front().score <= 0.f) {
    auto other = std::find_if(out.categories.begin(), out.categories.end(), [](const CategoryGuess& c) { return c.form->id == "other"; });
    if (other != out.categories.end()) std::rotate(out.categories.begin(), other, other + 1);
  }
  for (std::size_t i = 0; i < hits->size() && i < articles; ++i) out.articles.push_back((*hits)[i]);
  return out;
}

}  // namespace lantern::forms
