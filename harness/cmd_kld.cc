// `boxed kld BASE CANDIDATE --text FILE`: the KL divergence of a candidate model's next-token
// distributions from a base model's over the same text, top-1 agreement and both perplexities.
// Exit 0 pass (or no gate), 1 when the mean KLD is over --max-kld, 2 bad input.
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/commands.h"
#include "inference/tools.h"
#include "metrics/divergence.h"

namespace boxed::harness {
namespace {

struct KldArgs {
  inference::KldRequest request;
  std::string text_file;
  bool json = false;
  std::optional<double> max_kld;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument(fmt::format("{}: cannot open --text file", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

nlohmann::json to_json(const KldArgs& a, const inference::KldScores& s, const metrics::DivergenceSummary& d,
                       bool pass) {
  const int n = a.request.context_tokens;
  nlohmann::json j = {
      {"base", a.request.base_model},
      {"candidate", a.request.candidate_model},
      {"text", a.text_file},
      {"context", n},
      {"chunks", s.n_chunks},
      {"text_tokens", s.n_text_tokens},
      {"bos_added", s.bos_added},
      {"all_positions", a.request.all_positions},
      {"scored_tokens", d.n_tokens},
      {"kld", {{"mean", d.kld.mean}, {"mean_uncertainty", d.kld.mean_uncertainty}, {"median", d.kld.median},
               {"p99", d.kld.p99}, {"max", d.kld.max}}},
      {"top1_agreement", d.top1_agreement.value},
      {"top1_agreement_uncertainty", d.top1_agreement.uncertainty},
      {"ppl_base", d.ppl_base.value},
      {"ppl_base_uncertainty", d.ppl_base.uncertainty},
      {"ppl_candidate", d.ppl_candidate.value},
      {"ppl_candidate_uncertainty", d.ppl_candidate.uncertainty},
      {"ln_ppl_ratio", d.ln_ppl_ratio.value},
      {"ln_ppl_ratio_uncertainty", d.ln_ppl_ratio.uncertainty},
      {"tokens_per_second",
       {{"base", s.base_seconds > 0 ? s.n_chunks * double(n) / s.base_seconds : 0.0},
        {"candidate", s.candidate_seconds > 0 ? s.n_chunks * double(n) / s.candidate_seconds : 0.0}}},
  };
  if (a.max_kld) {
    j["max_kld"] = *a.max_kld;
    j["pass"] = pass;
  }
  return j;
}

std::string render(const KldArgs& a, const inference::KldScores& s, const metrics::DivergenceSummary& d,
                   bool pass) {
  const int n = a.request.context_tokens;
  std::string out;
  out += fmt::format("base:      {}\ncandidate: {}\n", a.request.base_model, a.request.candidate_model);
  out += fmt::format("text:      {} ({} tokens{}), {} chunk{} of {}, scoring positions {}..{} of each: {} tokens\n",
                     a.text_file, s.n_text_tokens, s.bos_added ? ", BOS first" : "", s.n_chunks,
                     s.n_chunks == 1 ? "" : "s", n,
                     a.request.all_positions ? 0 : n / 2, n - 2, d.n_tokens);
  out += fmt::format("KL divergence (nats/token): mean {:.6f} ± {:.6f}, median {:.6f}, p99 {:.6f}, max {:.6f}\n",
                     d.kld.mean, d.kld.mean_uncertainty, d.kld.median, d.kld.p99, d.kld.max);
  out += fmt::format("top-1 agreement:           {:.3f}% ± {:.3f}%\n", 100 * d.top1_agreement.value,
                     100 * d.top1_agreement.uncertainty);
  out += fmt::format("perplexity base:           {:.4f} ± {:.4f}\n", d.ppl_base.value, d.ppl_base.uncertainty);
  out += fmt::format("perplexity candidate:      {:.4f} ± {:.4f}   (ln ratio {:+.5f} ± {:.5f})\n",
                     d.ppl_candidate.value, d.ppl_candidate.uncertainty, d.ln_ppl_ratio.value,
                     d.ln_ppl_ratio.uncertainty);
  const double tokens = s.n_chunks * double(n);
  out += fmt::format("speed (CPU forward):       base {:.1f} tokens/s, candidate {:.1f} tokens/s\n",
                     s.base_seconds > 0 ? tokens / s.base_seconds : 0.0,
                     s.candidate_seconds > 0 ? tokens / s.candidate_seconds : 0.0);
  if (a.max_kld) {
    out += fmt::format("gate: mean KLD {:.6f} {} --max-kld {}: {}\n", d.kld.mean, pass ? "<=" : ">", *a.max_kld,
                       pass ? "PASS" : "FAIL");
  }
  return out;
}

}  // namespace

void add_kld_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<KldArgs>();
  CLI::App* cmd = app.add_subcommand(
      "kld",
      "KL divergence of a candidate model (e.g. a quantization) from a base model over a text.\n"
      "Both run over the same tokens (the base's tokenizer; the vocabularies must agree), in\n"
      "chunks of --context tokens scored as llama.cpp's `llama-perplexity --kl-divergence` does:\n"
      "each chunk from position 0 (its first token replaced by BOS when the base adds BOS), the\n"
      "second half of each chunk scored against the next token. Reports the per-token KL\n"
      "divergence (mean, median, p99, max), top-1 agreement and both perplexities, with standard\n"
      "errors. Exit status: 0 pass, 1 mean KLD over --max-kld, 2 bad input.");
  cmd->add_option("base", a->request.base_model, "The reference model (directory)")->required();
  cmd->add_option("candidate", a->request.candidate_model, "The model under test (directory)")->required();
  cmd->add_option("--text", a->text_file, "Plain-text file to score (e.g. wiki.test.raw)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--context", a->request.context_tokens, "Tokens per chunk (default 512)")
      ->check(CLI::Range(4, 1 << 20));
  cmd->add_option("--max-chunks", a->request.max_chunks, "Score at most this many chunks (default: all)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--all-positions", a->request.all_positions,
                "Score every position of each chunk, not only the second half");
  cmd->add_flag("--json", a->json, "Print one JSON object instead of the summary");
  cmd->add_option("--max-kld", a->max_kld, "Gate: exit 1 when the mean KLD (nats/token) is above this")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([a, &exit_code] {
    a->request.text = read_text(a->text_file);
    const inference::KldScores s = inference::score_kl_divergence(a->request, [&](int done, int total) {
      if (!a->json) fmt::print(stderr, "kld: chunk {}/{}\n", done, total);
    });
    const metrics::DivergenceSummary d =
        metrics::summarize_divergence(s.kld, s.nll_base, s.nll_candidate, s.same_top1);
    const bool pass = !a->max_kld || d.kld.mean <= *a->max_kld;
    if (a->json) {
      fmt::print("{}\n", to_json(*a, s, d, pass).dump(2));
    } else {
      fmt::print("{}", render(*a, s, d, pass));
    }
    exit_code = pass ? 0 : 1;
  });
}

}  // namespace boxed::harness
