// Approximate Bayesian computation by population Monte Carlo (ABC-PMC, Beaumont et al.
// 2009, Biometrika 96:983; the sequential form of Toni et al. 2009), with the
// tolerance of each generation set from the distances of its own proposals:
//
//   generation 0: B proposals from the prior;
//   generation g > 0: B proposals, each a particle of generation g-1 chosen by weight
//     and moved by a normal kernel with its own covariance, the optimal local
//     covariance matrix of Filippi et al. 2013 (centred on the particle, over the
//     half of the particles closest to the targets);
//   each generation's B model runs are ONE batch (Evaluator::evaluate); the N
//   proposals closest to the targets are kept (the tolerance is the N-th smallest
//   distance) with importance weights prior / proposal density. With R replicates,
//   each proposal is run R times (B x R runs in the batch) and its distance is that of
//   the mean of its runs, whose chance variance is 1/R of one run's.
//
// The stopping rule: after each generation, M more runs (settings.chance_runs, each of R
// replicates) at the generation's weighted mean measure the distances chance alone gives
// there; once the tolerance is at or below their 95th percentile, the N kept proposals
// are all within what chance gives at the estimate, so a further generation would select
// lucky runs rather than better parameters (its weights collapse onto a few of them:
// docs/calibration.md, how many generations). The fit also ends when its tolerance has
// stalled, less than kMinImprovement below the previous generation's: the one point
// where chance is measured can sit below the range a posterior's spread of good
// parameters reaches. The calibration then ends with this generation as the posterior;
// --generations is the most it may run. A generation whose importance weights have
// collapsed (effective sample size below kMinEffectiveShare of the particles) is not
// kept: it rests on a few particles, and so does its forecast (a back-test from 2016
// forecast deaths 26% off from such a generation, 8.5% off from the one before it:
// docs/calibration.md); the fit ends with the previous generation as the posterior.
//
// Every random number is keyed by (seed, generation, proposal, replicate), so the result is the
// same for any thread count, and a calibration resumed from its checkpoint (written
// after each generation) ends exactly where an uninterrupted one does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "calibration/evaluate.hpp"
#include "calibration/posterior.hpp"
#include "scenario/distribution.hpp"

namespace averted::calibration {

// Replicate slots of the random-number keys (seed, draw, slot): generation g's
// proposals use slot g + 1, a back-test's forecast kForecastSlot, and the stopping
// rule's runs after generation g kChanceSlot + g; so generations stay below
// kForecastSlot, and no two uses share a key whatever --generations is.
inline constexpr std::uint32_t kForecastSlot = 0x7FFF;
inline constexpr std::uint32_t kChanceSlot = 0x8000;
// The stopping rule's "stalled": the tolerance fell by less than this share.
inline constexpr double kMinImprovement = 0.05;
// A generation with fewer effective particles than this share of --particles has
// collapsed and is not kept (the header comment).
inline constexpr double kMinEffectiveShare = 0.05;

struct Prior {
  std::string path;
  Distribution distribution;
  double min = 0, max = 0;  // the setting's range
  double density(double x) const;  // 0 outside the range
  double quantile(double u) const;  // clamped to the range
};

// The priors of the calibrated parameters: each must carry a distribution in the
// scenario (its prior). Throws std::runtime_error naming the scenario and parameter.
std::vector<Prior> priors_of(const Scenario& scenario, const std::vector<std::string>& paths);
// Every setting of the scenario that carries a distribution, in path order.
std::vector<std::string> uncertain_paths(const Scenario& scenario);

struct AbcSettings {
  std::uint32_t particles = 100;  // N kept per generation
  std::uint32_t proposals = 300;  // B model runs per generation
  std::uint32_t generations = 5;
  std::uint32_t seed = 1;
  std::uint32_t replicates = 1;  // model runs per proposal; its distance is that of their mean
  std::uint32_t chance_runs = 40;  // M runs per generation for the stopping rule (0: no rule)
  int threads = 0;
  std::filesystem::path checkpoint;  // every generation so far, rewritten after each (empty: none)
  bool resume = false;               // continue from the checkpoint
  std::uint32_t stop_after = 0;      // tests: stop after this many generations in this session (0: never)
  double min_effective_share = kMinEffectiveShare;  // tests may raise it to force a collapse
  // "particles=... proposals=... generations=... seed=..." (" replicates=..." if > 1,
  // " chance_runs=..." if > 0)
  std::string describe() const;
};

// True when the calibration `all` (every generation so far) has ended: it ran
// settings.generations, its last generation met the stopping rule (tolerance at or
// below the chance measured at its weighted mean, or less than kMinImprovement below
// the previous generation's), or the generation after it collapsed.
bool fit_complete(const Posterior& all, const AbcSettings& settings);
// The stopping rule's two tests on the last generation of `all` (false without the
// rule's chance runs): tolerance at or below the chance; tolerance stalled.
bool within_chance(const Posterior& all);
bool stalled(const Posterior& all);

struct AbcProgress {
  std::uint32_t generation = 0, generations = 0;
  std::size_t done = 0, tasks = 0;
};

// Runs (or resumes) the calibration. `header` supplies the posterior's description
// (method, scenario, targets, until_year, population scale); the result holds every
// generation done (last_generation() is the posterior). Throws std::runtime_error if
// a checkpoint to resume does not match these settings.
Posterior abc_smc(const Evaluator& evaluator, const std::vector<Prior>& priors, const AbcSettings& settings,
                  Posterior header, const std::function<void(const AbcProgress&)>& progress = {});

}  // namespace averted::calibration
