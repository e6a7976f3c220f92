#include "calibration/abc_smc.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <fmt/format.h>

#include "core/random.hpp"
#include "uncertainty/compare.hpp"
#include "uncertainty/parameter_draws.hpp"

namespace averted::calibration {
namespace {

// Proposal random numbers: decision 2 (parameter draws, never used by a model run),
// person = proposal index, step = 0x10000 + generation (parameter_uniform uses step 0).
constexpr std::uint32_t kProposalStep = 0x10000;

double normal_quantile(double u) { return boost::math::quantile(boost::math::normal(0, 1), u); }

}  // namespace

double Prior::density(double x) const {
  if (x < min || x > max) return 0.0;
  const double a = distribution.p1, b = distribution.p2;
  using K = Distribution::Kind;
  switch (distribution.kind) {
    case K::Beta: return (x <= 0 || x >= 1) ? 0.0 : boost::math::pdf(boost::math::beta_distribution<>(a, b), x);
    case K::Gamma: return x <= 0 ? 0.0 : boost::math::pdf(boost::math::gamma_distribution<>(a, b), x);
    case K::Lognormal: return x <= 0 ? 0.0 : boost::math::pdf(boost::math::lognormal(a, b), x);
    case K::Normal: return boost::math::pdf(boost::math::normal(a, b), x);
    case K::Uniform: return (x < a || x > b) ? 0.0 : 1.0 / (b - a);
    case K::Fixed: return 0.0;
  }
  return 0.0;
}

double Prior::quantile(double u) const { return std::clamp(distribution.quantile(u), min, max); }

std::vector<std::string> uncertain_paths(const Scenario& scenario) {
  std::vector<std::string> out;
  for (const auto& [path, setting] : scenario.settings()) {
    if (setting.distribution && setting.distribution->kind != Distribution::Kind::Fixed) out.push_back(path);
  }
  return out;
}

std::vector<Prior> priors_of(const Scenario& scenario, const std::vector<std::string>& paths) {
  std::vector<Prior> out;
  const std::string file = scenario.files().empty() ? "the scenario" : scenario.files().back().string();
  if (paths.empty()) {
    throw std::runtime_error(fmt::format(
        "{}: no parameter to calibrate; expected at least one number setting with a distribution (its prior), e.g. "
        "'pathway.ost_dropout_rate: {{distribution: gamma, mean: 0.25, sd: 0.08, source: ...}}'; see docs/calibration.md",
        file));
  }
  for (const auto& path : paths) {
    const ParamSpec* spec = scenario.table() ? scenario.table()->find(path) : nullptr;
    if (!spec) throw std::runtime_error(fmt::format("{}: '{}' is not a parameter; expected a path listed by `averted params`", file, path));
    const Setting& s = scenario.setting(path);
    if (!s.distribution || s.distribution->kind == Distribution::Kind::Fixed) {
      throw std::runtime_error(fmt::format(
          "{}: parameter '{}' has no prior; expected a distribution (not fixed) for every calibrated parameter; "
          "give it one in the scenario, e.g. {{distribution: gamma, mean: M, sd: S, source: ...}}",
          file, path));
    }
    out.push_back({path, *s.distribution, spec->min, spec->max});
  }
  return out;
}

std::string AbcSettings::describe() const {
  return fmt::format("particles={} proposals={} generations={} seed={}{}{}", particles, proposals, generations, seed,
                     replicates > 1 ? fmt::format(" replicates={}", replicates) : "",
                     chance_runs > 0 ? fmt::format(" chance_runs={}", chance_runs) : "");
}

bool fit_complete(const Posterior& all, const AbcSettings& settings) {
  const std::size_t n = all.tolerance.size();
  if (n == 0) return false;
  if (n >= settings.generations || all.collapsed > 0) return true;
  return within_chance(all) || stalled(all);
}

bool within_chance(const Posterior& all) {
  const std::size_t n = all.tolerance.size();
  return n > 0 && all.chance.size() == n && all.tolerance.back() <= all.chance.back();
}

bool stalled(const Posterior& all) {
  const std::size_t n = all.tolerance.size();
  return n >= 2 && all.chance.size() == n && all.tolerance.back() > (1 - kMinImprovement) * all.tolerance[n - 2];
}

Posterior abc_smc(const Evaluator& evaluator, const std::vector<Prior>& priors, const AbcSettings& settings,
                  Posterior header, const std::function<void(const AbcProgress&)>& progress) {
  const std::size_t P = priors.size(), N = settings.particles, B = settings.proposals;
  const std::size_t M = settings.chance_runs;
  if (N < 2 || B < N || settings.replicates == 0 || B * settings.replicates >= StreamKey::kMaxDraws ||
      M * settings.replicates >= StreamKey::kMaxDraws || settings.generations == 0 ||
      settings.generations >= kForecastSlot) {
    throw std::invalid_argument(fmt::format("ABC settings {}: expected 2 <= particles <= proposals, 1 <= replicates, "
                                            "proposals x replicates and chance runs x replicates < 65536 and "
                                            "1 <= generations < {}",
                                            settings.describe(), kForecastSlot));
  }
  header.settings = settings.describe();
  header.paths.clear();
  for (const auto& p : priors) header.paths.push_back(p.path);
  Posterior all = header;
  all.generation.clear(), all.weight.clear(), all.distance.clear(), all.values.clear(), all.tolerance.clear();
  all.chance.clear();

  // The previous generation's particles and weights.
  std::vector<std::vector<double>> theta;
  std::vector<double> weight, theta_distance;
  std::uint32_t first = 0;
  if (settings.resume && std::filesystem::exists(settings.checkpoint)) {
    Posterior cp = read_posterior(settings.checkpoint);
    auto differs = [&](const std::string& what, const std::string& a, const std::string& b) {
      if (a != b) {
        throw std::runtime_error(fmt::format("{}: cannot resume: the checkpoint's {} is '{}' but this calibration's "
                                             "is '{}'; run without --resume to start again",
                                             settings.checkpoint.string(), what, a, b));
      }
    };
    differs("scenario hash", cp.scenario_hash, header.scenario_hash);
    differs("targets hash", cp.targets_hash, header.targets_hash);
    differs("until year", std::to_string(cp.until_year), std::to_string(header.until_year));
    differs("settings", cp.settings, header.settings);
    differs("parameters", fmt::format("{}", fmt::join(cp.paths, ",")), fmt::format("{}", fmt::join(header.paths, ",")));
    all.generation = cp.generation, all.weight = cp.weight, all.distance = cp.distance, all.values = cp.values;
    all.tolerance = cp.tolerance, all.chance = cp.chance;
    const Posterior last = cp.last_generation();
    theta = last.values, weight = last.weight, theta_distance = last.distance;
    first = last.generation.front() + 1;
  }

  std::uint32_t done_this_session = 0;
  for (std::uint32_t g = first; g < settings.generations && !fit_complete(all, settings); ++g) {
    if (settings.stop_after > 0 && done_this_session == settings.stop_after) break;
    const RandomStreams streams(StreamKey{settings.seed, 0, 0});
    // The proposal kernels: the optimal local covariance matrix of Filippi et al. 2013
    // (SAGMB 12:87). Particle j moves by a normal kernel with covariance
    //   Sigma_j = sum over the closest particles k of w_k (theta_k - theta_j)(theta_k - theta_j)^T
    // (weights renormalised over them): near the best region a particle takes small
    // steps within it, far from it larger steps towards it. "Closest": the half of the
    // particles (at least P + 1) nearest the targets, an estimate of the region the next
    // tolerance keeps. Beaumont et al.'s single kernel, twice the covariance of all
    // particles, spread proposals so widely that the tolerance barely fell
    // (docs/calibration.md: the proposal kernel).
    std::vector<Eigen::MatrixXd> chol;  // lower Cholesky factor of each particle's kernel
    std::vector<double> log_det;        // log sqrt(det Sigma_j) = sum log diag(chol_j)
    std::vector<double> cumulative;
    if (g > 0) {
      std::vector<std::size_t> by_distance(N);
      std::iota(by_distance.begin(), by_distance.end(), 0);
      std::stable_sort(by_distance.begin(), by_distance.end(),
                       [&](std::size_t a, std::size_t b) { return theta_distance[a] < theta_distance[b]; });
      by_distance.resize(std::min(N, std::max((N + 1) / 2, P + 1)));
      double kept = 0;
      for (const std::size_t k : by_distance) kept += weight[k];
      Eigen::VectorXd mean = Eigen::VectorXd::Zero(P);
      for (const std::size_t k : by_distance) mean += weight[k] / kept * Eigen::Map<const Eigen::VectorXd>(theta[k].data(), P);
      Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(P, P);
      for (const std::size_t k : by_distance) {
        const Eigen::VectorXd d = Eigen::Map<const Eigen::VectorXd>(theta[k].data(), P) - mean;
        cov += weight[k] / kept * d * d.transpose();
      }
      chol.resize(N), log_det.resize(N);
      for (std::size_t j = 0; j < N; ++j) {
        const Eigen::VectorXd shift = mean - Eigen::Map<const Eigen::VectorXd>(theta[j].data(), P);
        Eigen::MatrixXd sigma = cov + shift * shift.transpose();
        for (std::size_t k = 0; k < P; ++k) {
          sigma(k, k) = std::max(sigma(k, k), std::pow(1e-6 * (std::abs(theta[j][k]) + 1e-6), 2));
        }
        Eigen::LLT<Eigen::MatrixXd> llt(sigma);
        if (llt.info() != Eigen::Success) {
          sigma.diagonal() *= 1.0 + 1e-6;
          llt.compute(sigma);
        }
        chol[j] = llt.matrixL();
        log_det[j] = chol[j].diagonal().array().log().sum();
      }
      cumulative.resize(N);
      std::partial_sum(weight.begin(), weight.end(), cumulative.begin());
    }
    // B proposals, each from its own random numbers.
    std::vector<std::vector<double>> proposed(B);
    const std::size_t blocks = (P + 1 + 3) / 4;
    for (std::size_t i = 0; i < B; ++i) {
      std::vector<double> x(P);
      bool inside = false;
      for (std::uint32_t attempt = 0; attempt < 1000 && !inside; ++attempt) {
        std::vector<double> u;
        for (std::size_t b = 0; b < blocks; ++b) {
          const auto u4 = streams.uniforms(kParameterDrawDecision, static_cast<std::uint32_t>(i), kProposalStep + g,
                                           static_cast<std::uint32_t>(attempt * blocks + b));
          u.insert(u.end(), u4.u.begin(), u4.u.end());
        }
        if (g == 0) {
          for (std::size_t k = 0; k < P; ++k) x[k] = priors[k].quantile(u[k + 1]);
          inside = true;
        } else {
          const std::size_t j = std::min<std::size_t>(
              N - 1, std::lower_bound(cumulative.begin(), cumulative.end(), u[0] * cumulative.back()) - cumulative.begin());
          Eigen::VectorXd z(P);
          for (std::size_t k = 0; k < P; ++k) z(k) = normal_quantile(u[k + 1]);
          const Eigen::VectorXd step = chol[j] * z;
          inside = true;
          for (std::size_t k = 0; k < P; ++k) {
            x[k] = theta[j][k] + step(k);
            if (priors[k].density(x[k]) <= 0) inside = false;
          }
        }
      }
      if (!inside) throw std::runtime_error("ABC: no proposal inside the prior's support after 1000 attempts");
      proposed[i] = x;
    }
    const std::size_t R = settings.replicates, generation_runs = (B + M) * R;
    std::mutex progress_mutex;
    // Runs `sets` x R under replicate slot `slot`; the distance of each set is that of
    // the mean of its R runs. `before` runs of the generation are already done.
    auto distances = [&](const std::vector<std::vector<double>>& sets, std::uint32_t slot, std::size_t before) {
      const std::vector<EvalTask> tasks = replicated_tasks(sets, settings.seed, slot, settings.replicates);
      const auto results = evaluator.evaluate(tasks, settings.threads, [&](std::size_t k) {
        if (!progress) return;
        std::lock_guard lock(progress_mutex);
        progress({g, settings.generations, before + k, generation_runs});
      });
      std::vector<double> d(sets.size());
      for (std::size_t i = 0; i < sets.size(); ++i) {
        std::vector<std::vector<double>> runs;
        for (std::size_t r = 0; r < R; ++r) runs.push_back(results[i + r * sets.size()]);
        d[i] = distance(evaluator.targets(), mean_of_replicates(runs));
      }
      return d;
    };
    const std::vector<double> dist = distances(proposed, g + 1, 0);
    std::vector<std::size_t> order(B);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return dist[a] < dist[b]; });
    order.resize(N);
    if (!std::isfinite(dist[order.back()])) {
      throw std::runtime_error(fmt::format(
          "ABC: generation {}: fewer than {} of the {} proposals gave every fitted target a value (the others left "
          "a share's denominator at 0, such as nobody in treatment); narrow the priors or raise --proposals",
          g + 1, N, B));
    }
    std::sort(order.begin(), order.end());  // keep the proposals in their own order
    std::vector<std::vector<double>> next;
    std::vector<double> w;
    double tolerance = 0;
    for (const std::size_t i : order) {
      tolerance = std::max(tolerance, dist[i]);
      double wi = 1.0;
      if (g > 0) {
        double prior = 1.0;
        for (std::size_t k = 0; k < P; ++k) prior *= priors[k].density(proposed[i][k]);
        double q = 0;  // the proposals' density, up to the common (2 pi)^(P/2)
        for (std::size_t j = 0; j < N; ++j) {
          Eigen::VectorXd d(P);
          for (std::size_t k = 0; k < P; ++k) d(k) = proposed[i][k] - theta[j][k];
          const double z2 = chol[j].triangularView<Eigen::Lower>().solve(d).squaredNorm();
          q += weight[j] * std::exp(-0.5 * z2 - log_det[j]);
        }
        wi = prior / q;
      }
      next.push_back(proposed[i]);
      w.push_back(wi);
    }
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    if (!(total > 0) || !std::isfinite(total)) throw std::runtime_error("ABC: the importance weights are degenerate");
    for (double& x : w) x /= total;
    double squares = 0;
    for (const double x : w) squares += x * x;
    if (g > 0 && 1 / squares < settings.min_effective_share * static_cast<double>(N)) {  // collapsed: not kept
      all.collapsed = 1 / squares;
      if (!settings.checkpoint.empty()) write_posterior(settings.checkpoint, all);
      break;
    }
    theta = std::move(next);
    weight = std::move(w);
    theta_distance.clear();
    for (const std::size_t i : order) theta_distance.push_back(dist[i]);
    for (std::size_t j = 0; j < N; ++j) {
      all.generation.push_back(g), all.weight.push_back(weight[j]), all.distance.push_back(dist[order[j]]);
      all.values.push_back(theta[j]);
    }
    all.tolerance.push_back(tolerance);
    if (M > 0) {  // the stopping rule (header comment)
      std::vector<double> mean(P, 0.0);
      for (std::size_t j = 0; j < N; ++j) {
        for (std::size_t k = 0; k < P; ++k) mean[k] += weight[j] * theta[j][k];
      }
      all.chance.push_back(quantile(distances(std::vector<std::vector<double>>(M, mean), kChanceSlot + g, B * R), 0.95));
    }
    if (!settings.checkpoint.empty()) write_posterior(settings.checkpoint, all);
    ++done_this_session;
  }
  return all;
}

}  // namespace averted::calibration
