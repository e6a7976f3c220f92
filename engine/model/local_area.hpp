// Local areas: a commissioner describes their area by the figures they have (estimated
// opiate and/or crack users and their age profile, the share in treatment, prison
// releases to the area), each beside England's figure from the same publication. The
// England model then simulates the area's own people: England's cohort history scaled
// to the area, re-weighted by birth cohort to the area's age profile, with treatment
// entry and imprisonment moved by the area's rates relative to England's.
// docs/local-areas.md explains it for commissioners; docs/model.md gives the equations.
#pragma once

#include <string>
#include <vector>

#include "scenario/parameter.hpp"
#include "scenario/scenario.hpp"

namespace averted {

// The `local_area` group of the parameter table. Every default is England's own figure,
// so a file that sets nothing describes England.
void declare_local_area_parameters(ParamTable& table);

// Inputs that contradict each other (more users than England, age profiles that do not
// add up or use different bands, more treatment places than users): each error names
// both settings and where each was set.
std::vector<ScenarioError> check_local_area(const Scenario& scenario);

// What the England model takes from the local description.
struct LocalArea {
  bool is_local = false;            // local_area.name is set
  double population_fraction = 1;   // the area's users / England's users
  double treatment_odds_ratio = 1;  // odds of being in treatment, area / England
  // Multiplier on starting treatment that moves the care pathway's long-run odds of being
  // in treatment by treatment_odds_ratio (a Markov chain of the pathway's rates).
  double treatment_entry_rr = 1;
  double imprisonment_rr = 1;       // releases per user, area / England
  // Birth-cohort weights: the area's share of users in an age band in the estimate year
  // over England's share in the same band. 1 everywhere for England.
  double estimate_year = 2017;
  Series age_profile, england_age_profile;
  double max_cohort_weight = 1;
  // Weight of people born at `birth_year` (calendar, fractional).
  double cohort_weight(double birth_year) const;

  static LocalArea from(const Scenario& scenario);
};

// The care pathway as a Markov chain of the scenario's constant rates in `year` (people
// enter not in contact; leave by cessation, emigration and the cohort's death rate at
// 40): the long-run odds of being in treatment (OST, dose reduction, residential)
// against using outside it, with starting treatment multiplied by `entry_rr`.
double pathway_treatment_odds(const Scenario& scenario, double entry_rr, double year);

// Where a setting of a local-area scenario comes from. `files` is the scenario's chain,
// base first; the base-most (England's baseline, when there is more than one file) and
// the model's defaults (`origin_file` "") give England's values. `area_file` is the file
// that names the area (sets local_area.name): it and the files between it and the base
// give the area's own values; files extending it (a lever scenario for the area) give
// this scenario's choices. Run settings (below) are none of these.
enum class SettingSource { run, area, scenario, england };
SettingSource setting_source(const std::string& path, const std::string& origin_file,
                             const std::vector<std::string>& files, const std::string& area_file);
// scenario., run. and output. settings: the scenario's label and how it is run.
bool is_run_setting(const std::string& path);

// For the report: the area, what its figures do to the model, and which settings are
// the area's own (with file and line) and which are England's defaults. Empty for England.
std::string local_area_summary(const Scenario& scenario);

}  // namespace averted
