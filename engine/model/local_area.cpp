#include "model/local_area.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace averted {
namespace {

// England's opiate and/or crack users aged 15-64, 2016/17, original method (Hay et al.
// 2019), the sweep whose local figures most areas quote.
constexpr double kEnglandUsers = 313971;
constexpr const char* kEnglandUsersSource =
    "evidence.csv ocu_prevalence_count_original_method: 313,971 (Hay et al. 2019, LJMU, England 2016/17)";

// A number of the area's (or England's), declared field by field.
ParamSpec figure(std::string path, double value, std::string unit, double lo, double hi, std::string description,
                 std::string source) {
  return ParamSpec{.path = std::move(path), .type = ParamType::Real, .unit = std::move(unit), .min = lo, .max = hi,
                   .key_unit = {}, .choices = {}, .default_value = value, .description = std::move(description), .source = std::move(source)};
}

ParamSpec age_profile(std::string path, std::string description) {
  return ParamSpec{.path = std::move(path), .type = ParamType::Series, .unit = "share of users", .min = 0, .max = 1,
                   .key_unit = "age", .key_min = 0, .key_max = 120, .interp = Series::Interp::Step,
                   .choices = {}, .default_value = Series{Series::Interp::Step, {15}, {1.0}},
                   .description = std::move(description),
                   .source = "England's own profile: one band, so every birth cohort has weight 1"};
}

double odds(double p) { return p / (1.0 - p); }

ScenarioError error_at(const Scenario& s, const std::string& path, std::string value, std::string expected,
                       std::string suggestion) {
  const Origin& where = s.setting(path).origin;
  ScenarioError e;
  e.file = where.file;
  e.line = where.line;
  e.yaml_path = path;
  e.value = std::move(value);
  e.expected = std::move(expected);
  e.suggestion = std::move(suggestion);
  return e;
}

std::string where(const Scenario& s, const std::string& path) {
  const Origin& o = s.setting(path).origin;
  return o.file.empty() ? "England's default" : "set at " + o.describe();
}

}  // namespace

// The care pathway as a Markov chain with the scenario's constant rates (per year) in
// `year`, people entering not in contact and leaving by cessation, emigration and
// death (the cohort's all-cause rate at 40). Returns the odds of being in treatment
// (OST, dose reduction, residential) against using outside it (not in contact, harm
// reduction) in the long run, with starting treatment multiplied by `entry_rr`.
double pathway_treatment_odds(const Scenario& s, double entry_rr, double year) {
  enum { kNic, kHr, kOst, kDr, kRes, kRec, kPr, kN };
  double q[kN][kN] = {};
  const double death = s.series("mortality.all_cause").at(40.5) * 1e-5 + s.real("population.emigration_rate");
  const double cessation = s.real("population.cessation_rate");
  const double prison = s.real("prison.imprisonment_rate");
  const double prison_treated = prison * s.real("prison.rr_imprisonment_in_treatment");
  const double release = s.real("prison.release_rate");
  const double linked = s.series("prison.continuity_of_care").at(year);
  q[kNic][kHr] = s.real("pathway.outreach_contact_rate");
  q[kNic][kOst] = s.real("pathway.self_referral_rate") * entry_rr;
  q[kNic][kPr] = prison;
  q[kHr][kNic] = s.real("pathway.lose_contact_rate");
  q[kHr][kOst] = s.real("pathway.referral_rate_from_outreach") * entry_rr;
  q[kHr][kPr] = prison;
  q[kOst][kNic] = s.real("pathway.ost_dropout_rate");
  q[kOst][kDr] = s.real("pathway.voluntary_reduction_rate") + s.real("pathway.forced_reduction_rate");
  q[kOst][kRes] = s.real("pathway.residential_entry_rate");
  q[kOst][kPr] = prison_treated;
  q[kDr][kRec] = s.real("pathway.reduction_completion_rate");
  q[kDr][kNic] = s.real("pathway.reduction_failure_rate");
  q[kDr][kPr] = prison_treated;
  q[kRes][kRec] = s.real("pathway.residential_completion_rate");
  q[kRes][kNic] = s.real("pathway.residential_dropout_rate");
  q[kRec][kNic] = s.real("pathway.relapse_rate");
  q[kPr][kOst] = release * linked;
  q[kPr][kNic] = release * (1.0 - linked);
  const double leave[kN] = {cessation + death, cessation + death, death, death, death,
                            s.real("pathway.recovery_cessation_rate") + death, death};
  // Expected years in each state per entrant: x solves x (-Q) = e_notincontact, i.e.
  // the transposed system a x = b, by Gaussian elimination with partial pivoting.
  double a[kN][kN + 1] = {};
  for (int i = 0; i < kN; ++i) {
    double out = leave[i];
    for (int j = 0; j < kN; ++j) out += q[i][j];
    for (int j = 0; j < kN; ++j) a[j][i] = (i == j ? out : 0.0) - q[i][j];
  }
  a[kNic][kN] = 1.0;
  for (int c = 0; c < kN; ++c) {
    int pivot = c;
    for (int r = c + 1; r < kN; ++r) {
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    }
    std::swap(a[c], a[pivot]);
    for (int r = 0; r < kN; ++r) {
      if (r == c || a[r][c] == 0.0) continue;
      const double f = a[r][c] / a[c][c];
      for (int k = c; k <= kN; ++k) a[r][k] -= f * a[c][k];
    }
  }
  double x[kN];
  for (int i = 0; i < kN; ++i) x[i] = a[i][kN] / a[i][i];
  return (x[kOst] + x[kDr] + x[kRes]) / (x[kNic] + x[kHr]);
}

namespace {
// The multiplier on starting treatment that moves the pathway's odds of being in
// treatment by `odds_ratio` (bisection on a log scale; the odds rise with it).
double treatment_entry_multiplier(const Scenario& s, double odds_ratio, double year) {
  if (odds_ratio == 1.0) return 1.0;
  const double target = odds_ratio * pathway_treatment_odds(s, 1.0, year);
  double lo = std::log(1e-4), hi = std::log(1e4);
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (pathway_treatment_odds(s, std::exp(mid), year) < target ? lo : hi) = mid;
  }
  return std::exp(0.5 * (lo + hi));
}

}  // namespace

void declare_local_area_parameters(ParamTable& t) {
  t.add(ParamSpec{.path = "local_area.name", .type = ParamType::Text, .unit = {}, .key_unit = {}, .choices = {},
                  .default_value = std::string(""),
                  .description = "Name of the local area this scenario describes (e.g. Blackpool). Empty: England. "
                                 "When set, counts in the results, places, kits, contacts and budgets are the "
                                 "area's own.",
                  .source = "set by the scenario author"});
  t.add(figure("local_area.opiate_crack_users", kEnglandUsers, "people", 1, 1e7,
             "Estimated opiate and/or crack users aged 15-64 in the area (OHID/UKHSA prevalence estimates by "
             "local authority). With the England figure below it sets the simulated population: the area's "
             "share of England's users.",
             kEnglandUsersSource));
  t.add(figure("local_area.england_opiate_crack_users", kEnglandUsers, "people", 1, 1e7,
             "England's estimate from the same publication, year and method as the area's (methods changed "
             "in 2023 and local figures are only comparable within one method).",
             kEnglandUsersSource));
  t.add(figure("local_area.year", 2017.0, "calendar year", 1950, 2200,
             "When the area's figures were measured (1 January of the year, or a date): the date of the "
             "age profiles, and the year whose prison linkage is used to turn the share in treatment into "
             "a rate of starting treatment.",
             "the 2016/17 prevalence estimates (evidence.csv ocu_prevalence_count_original_method)"));
  t.add(age_profile("local_area.age_profile",
                    "Share of the area's users in each age band, keyed by the band's youngest age: {15: 0.1, "
                    "25: 0.3, 35: 0.6} is 15-24, 25-34 and 35 or over. People of each birth cohort are "
                    "weighted by the area's share over England's; cohorts too young to be counted take the "
                    "youngest band's weight."));
  t.add(age_profile("local_area.england_age_profile",
                    "England's shares in the same bands, from the same publication."));
  t.add(figure("local_area.share_in_treatment", 0.6, "probability", 0.001, 0.999,
             "Share of the area's users in treatment (NDTMS opiate clients in treatment / estimated users). "
             "Starting treatment is scaled so that the care pathway's odds of being in treatment move by the "
             "area's odds over England's.",
             "evidence.csv opiate_users_in_treatment_share: about 60% of opiate users in treatment, 40% unmet "
             "need (PHE 2017 evidence review)"));
  t.add(figure("local_area.england_share_in_treatment", 0.6, "probability", 0.001, 0.999,
             "England's share in treatment, measured the same way as the area's.",
             "evidence.csv opiate_users_in_treatment_share (PHE 2017)"));
  t.add(figure("local_area.prison_releases_per_100_users", 15.1, "releases a year per 100 users", 0,
             1e4,
             "Releases from prison sentences to the area in a year, per 100 of the area's estimated users. "
             "Imprisonment is multiplied by the area's figure over England's.",
             "derived: 4 x 11,888 releases from sentence in Q1 2023 (evidence.csv "
             "moj_prison_releases_from_sentence_quarter, MoJ; England and Wales) per 100 of 313,971 users"));
  t.add(figure("local_area.england_prison_releases_per_100_users", 15.1,
             "releases a year per 100 users", 0.001, 1e4, "England's figure, counted the same way as the area's.",
             "derived: as local_area.prison_releases_per_100_users"));
}

std::vector<ScenarioError> check_local_area(const Scenario& s) {
  std::vector<ScenarioError> errors;
  const double users = s.real("local_area.opiate_crack_users");
  const double england = s.real("local_area.england_opiate_crack_users");
  if (users > england) {
    errors.push_back(error_at(
        s, "local_area.opiate_crack_users", fmt::format("{:g}", users),
        fmt::format("at most England's figure, local_area.england_opiate_crack_users = {:g} (set at {})", england,
                    where(s, "local_area.england_opiate_crack_users")),
        "take both figures from the same prevalence table (same year and method)"));
  }
  const Series& local = s.series("local_area.age_profile");
  const Series& national = s.series("local_area.england_age_profile");
  for (const auto* path : {"local_area.age_profile", "local_area.england_age_profile"}) {
    const Series& p = s.series(path);
    double sum = 0;
    for (double v : p.values) sum += v;
    if (std::abs(sum - 1.0) > 0.02) {
      errors.push_back(error_at(s, path, format_value(*s.table()->find(path), p),
                                fmt::format("shares adding up to 1 (they add up to {:.3g})", sum),
                                "give every band's share of the users, as in {15: 0.1, 25: 0.3, 35: 0.6}"));
    }
  }
  if (local.keys != national.keys) {
    errors.push_back(error_at(
        s, "local_area.age_profile", format_value(*s.table()->find("local_area.age_profile"), local),
        fmt::format("the same age bands as local_area.england_age_profile ({}, set at {})",
                    format_value(*s.table()->find("local_area.england_age_profile"), national),
                    where(s, "local_area.england_age_profile")),
        "copy England's shares for the same bands from the table that gives the area's"));
  } else {
    for (std::size_t k = 0; k < local.values.size(); ++k) {
      if (local.values[k] > 0 && national.values[k] <= 0) {
        errors.push_back(error_at(s, "local_area.england_age_profile",
                                  format_value(*s.table()->find("local_area.england_age_profile"), national),
                                  fmt::format("a share above 0 at age {:g}, where the area has users", local.keys[k]),
                                  "England has users in every band the area has"));
      }
    }
  }
  // Places are the area's own numbers: more than its users is an England figure left in.
  const double places = s.real("levers.capacity.ost_places");
  if (!s.text("local_area.name").empty() && places < 1e9 && places > users) {
    errors.push_back(error_at(
        s, "levers.capacity.ost_places", fmt::format("{:g}", places),
        fmt::format("at most the area's users, local_area.opiate_crack_users = {:g} (set at {})", users,
                    where(s, "local_area.opiate_crack_users")),
        "in a local scenario places are the area's own, not England's; 1e9 means no limit"));
  }
  return errors;
}

double LocalArea::cohort_weight(double birth_year) const {
  const double age = estimate_year - birth_year;
  return age_profile.at(age) / england_age_profile.at(age);
}

LocalArea LocalArea::from(const Scenario& s) {
  LocalArea a;
  a.is_local = !s.text("local_area.name").empty();
  a.population_fraction = s.real("local_area.opiate_crack_users") / s.real("local_area.england_opiate_crack_users");
  a.estimate_year = s.real("local_area.year");
  a.treatment_odds_ratio =
      odds(s.real("local_area.share_in_treatment")) / odds(s.real("local_area.england_share_in_treatment"));
  a.treatment_entry_rr = treatment_entry_multiplier(s, a.treatment_odds_ratio, a.estimate_year);
  a.imprisonment_rr =
      s.real("local_area.prison_releases_per_100_users") / s.real("local_area.england_prison_releases_per_100_users");
  a.age_profile = s.series("local_area.age_profile");
  a.england_age_profile = s.series("local_area.england_age_profile");
  a.max_cohort_weight = 0;
  for (std::size_t k = 0; k < a.age_profile.keys.size(); ++k) {
    a.max_cohort_weight = std::max(a.max_cohort_weight, a.age_profile.values[k] / a.england_age_profile.values[k]);
  }
  return a;
}

bool is_run_setting(const std::string& path) {
  return path.rfind("scenario.", 0) == 0 || path.rfind("run.", 0) == 0 || path.rfind("output.", 0) == 0;
}

SettingSource setting_source(const std::string& path, const std::string& origin_file,
                             const std::vector<std::string>& files, const std::string& area_file) {
  if (is_run_setting(path)) return SettingSource::run;
  if (origin_file.empty() || (files.size() > 1 && origin_file == files.front())) return SettingSource::england;
  const auto at = [&](const std::string& f) { return std::find(files.begin(), files.end(), f) - files.begin(); };
  return at(origin_file) > at(area_file) ? SettingSource::scenario : SettingSource::area;
}

std::string local_area_summary(const Scenario& s) {
  const LocalArea a = LocalArea::from(s);
  if (!a.is_local) return {};
  std::string out = fmt::format("Local area: {}\n", s.text("local_area.name"));
  out += fmt::format("  simulated population: {:.3g}% of England's ({:g} of {:g} opiate and/or crack users)\n",
                     100 * a.population_fraction, s.real("local_area.opiate_crack_users"),
                     s.real("local_area.england_opiate_crack_users"));
  out += fmt::format("  starting treatment x {:.3g} (share in treatment {:g} against England's {:g}: odds x {:.3g})\n",
                     a.treatment_entry_rr, s.real("local_area.share_in_treatment"),
                     s.real("local_area.england_share_in_treatment"), a.treatment_odds_ratio);
  out += fmt::format("  imprisonment x {:.3g} (releases a year per 100 users {:g} against England's {:g})\n",
                     a.imprisonment_rr, s.real("local_area.prison_releases_per_100_users"),
                     s.real("local_area.england_prison_releases_per_100_users"));
  if (a.max_cohort_weight != 1.0 || a.age_profile.keys.size() > 1) {
    std::string weights;
    for (std::size_t k = 0; k < a.age_profile.keys.size(); ++k) {
      weights += fmt::format("{}{:g}+: x {:.3g}", k ? ", " : "", a.age_profile.keys[k],
                             a.age_profile.values[k] / a.england_age_profile.values[k]);
    }
    out += fmt::format("  birth cohorts weighted by age in {:g}: {}\n", a.estimate_year, weights);
  }
  std::vector<std::string> files;
  for (const auto& f : s.files()) files.push_back(f.string());
  const std::string area_file = s.setting("local_area.name").origin.file;
  std::vector<std::string> own, chosen;
  std::size_t national = 0;
  for (const auto& [path, setting] : s.settings()) {
    const SettingSource source = setting_source(path, setting.origin.file, files, area_file);
    if (source == SettingSource::england) ++national;
    if (source != SettingSource::area && source != SettingSource::scenario) continue;
    const ParamSpec& spec = *s.table()->find(path);
    const double* number = std::get_if<double>(&setting.value);
    const std::string date = number && spec.unit == "calendar year" ? date_of_decimal_year(*number) : "";
    (source == SettingSource::area ? own : chosen)
        .push_back(fmt::format("    {} = {}  ({})", path, date.empty() ? format_value(spec, setting.value) : date,
                               setting.origin.describe()));
  }
  out += fmt::format("  the area's own values ({}):\n", own.size());
  for (const auto& line : own) out += line + "\n";
  if (!chosen.empty()) {
    out += fmt::format("  this scenario's choices, beyond the area's own file ({}):\n", chosen.size());
    for (const auto& line : chosen) out += line + "\n";
  }
  out += fmt::format("  England's defaults: the other {} settings{}\n", national,
                     files.size() > 1 ? " (from " + files.front() + ")" : "");
  return out;
}

}  // namespace averted
