#include "run/limits.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <tbb/info.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>

#include "model/england_model.hpp"

namespace averted {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxPeople = 4294967295.0;  // PersonId is 32 bits
constexpr double kBaseBytes = 64.0 * 1024 * 1024;  // program, libraries, HDF5 caches

std::string bytes(double b) {
  if (!std::isfinite(b)) return "unlimited";
  const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int k = 0;
  while (b >= 1024 && k < 5) b /= 1024, ++k;
  return fmt::format("{:.1f} {}", b, unit[k]);
}

std::string duration(double s) {
  if (!std::isfinite(s)) return "unlimited";
  if (s < 120) return fmt::format("{:.0f} s", s);
  if (s < 7200) return fmt::format("{:.0f} min", s / 60);
  if (s < 172800) return fmt::format("{:.1f} h", s / 3600);
  return fmt::format("{:.1f} days", s / 86400);
}

int effective_threads(int threads) {
  const int cores = std::max(1, tbb::info::default_concurrency());
  return threads > 0 ? std::min(threads, cores) : cores;
}

// A number from a one-line file ("max" or unreadable: no limit).
double read_number(const char* path) {
  std::ifstream in(path);
  std::string s;
  if (!(in >> s) || s == "max") return kInf;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return end && *end == '\0' ? v : kInf;
}

double available_memory() {
  double avail = kInf;
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  double kb = 0;
  while (meminfo >> key >> kb >> unit) {
    if (key == "MemAvailable:") {
      avail = kb * 1024;
      break;
    }
  }
  // cgroup v2 (containers, batch jobs): the limit less what the group already uses.
  const double cg_max = read_number("/sys/fs/cgroup/memory.max");
  if (std::isfinite(cg_max)) {
    const double used = read_number("/sys/fs/cgroup/memory.current");
    avail = std::min(avail, cg_max - (std::isfinite(used) ? used : 0));
  }
  rlimit r{};
  if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY) {
    avail = std::min(avail, static_cast<double>(r.rlim_cur));
  }
  return avail;
}

// AVERTED_TIME_LIMIT: seconds, or a number with s, m, h or d.
double time_limit_from_env() {
  const char* v = std::getenv("AVERTED_TIME_LIMIT");
  if (!v || !*v) return kInf;
  char* end = nullptr;
  double x = std::strtod(v, &end);
  const std::string unit = end ? std::string(end) : std::string();
  if (unit.empty() || unit == "s") return x;
  if (unit == "m") return x * 60;
  if (unit == "h") return x * 3600;
  if (unit == "d") return x * 86400;
  throw std::invalid_argument(
      fmt::format("AVERTED_TIME_LIMIT='{}': expected seconds, or a number followed by s, m, h or d", v));
}

}  // namespace

std::string ResourceEstimate::describe() const {
  return fmt::format("up to {:.3g} people in one run, {} of memory, {} of results, {:.3g} person-steps, "
                     "about {} at {:.0f} million person-steps per second per thread",
                     people, bytes(memory_bytes), bytes(output_bytes), person_steps, duration(seconds),
                     kPersonStepsPerThreadSecond / 1e6);
}

ResourceEstimate estimate_resources(const std::vector<Scenario>& scenarios, std::uint32_t draws,
                                    std::uint32_t replicates, int threads) {
  ResourceEstimate e;
  const int n_threads = effective_threads(threads);
  const double runs_per_scenario = static_cast<double>(draws) * replicates;
  for (const auto& s : scenarios) {
    const england::Parameters p = england::Parameters::from(s);
    const Clock& c = p.clock;
    // Everyone ever simulated keeps a row; count year by year, assuming nobody leaves.
    double people = std::llround(p.initial_size * p.population_fraction * p.area.max_cohort_weight);
    const double initial = people;
    double person_steps = 0;
    for (int y = c.start_year; y < c.end_year; ++y) {
      const double entrants = std::max(0.0, p.new_injectors.at(y + 0.5)) * p.initiates_per_injector *
                              p.population_fraction * p.area.max_cohort_weight;
      person_steps += (people + entrants / 2) * c.steps_per_year;
      people += entrants;
    }
    // Columns grow by doubling (peak: twice the final size); the model reserves three
    // times the initial population up front.
    const auto model = england::make_model(s);
    Population empty;
    model->add_columns(empty);
    double cells = 0;
    for (const auto& t : model->outputs()) cells += static_cast<double>(t.spec.size());
    const double tally_bytes = cells * 8 * (n_threads + 2);  // per-thread tallies, merged, outputs
    const double mem = std::max(2 * people, 3 * initial) * static_cast<double>(empty.bytes_per_person()) +
                       tally_bytes + kBaseBytes;
    e.people = std::max(e.people, people);
    e.memory_bytes = std::max(e.memory_bytes, mem);
    e.output_bytes += cells * 8 * runs_per_scenario;
    e.person_steps += person_steps * runs_per_scenario;
  }
  e.seconds = e.person_steps / (kPersonStepsPerThreadSecond * n_threads);
  return e;
}

MachineLimits machine_limits(const std::filesystem::path& output_folder, int threads) {
  MachineLimits m{kInf, kInf, kInf, effective_threads(threads)};
  m.memory_bytes = available_memory();
  struct statvfs fs {};
  const std::string dir = output_folder.empty() ? std::string(".") : output_folder.string();
  if (statvfs(dir.c_str(), &fs) == 0 && fs.f_blocks > 0) {  // /proc and such report no blocks
    m.disk_bytes = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
  }
  m.seconds = time_limit_from_env();
  rlimit r{};
  if (!std::isfinite(m.seconds) && getrlimit(RLIMIT_CPU, &r) == 0 && r.rlim_cur != RLIM_INFINITY) {
    m.seconds = static_cast<double>(r.rlim_cur) / m.threads;
  }
  return m;
}

void check_resources(const ResourceEstimate& need, const MachineLimits& have, bool ignore_soft_limits) {
  std::vector<std::string> over;
  if (need.people > kMaxPeople) {
    throw ResourceLimitExceeded(fmt::format(
        "this grid is refused before it starts: one run would hold up to {:.3g} people, more than the "
        "engine's limit of 4,294,967,295 (lower run.population_scale or shorten the run)",
        need.people));
  }
  if (need.memory_bytes > have.memory_bytes)
    over.push_back(fmt::format("memory: needs up to {}, {} available", bytes(need.memory_bytes),
                               bytes(have.memory_bytes)));
  if (need.output_bytes > have.disk_bytes)
    over.push_back(fmt::format("disk: the results need up to {} (uncompressed), {} free in the output folder",
                               bytes(need.output_bytes), bytes(have.disk_bytes)));
  if (need.seconds > have.seconds)
    over.push_back(fmt::format("time: about {} with {} thread(s), the limit is {}", duration(need.seconds),
                               have.threads, duration(have.seconds)));
  if (over.empty()) return;
  std::string msg = "this grid does not fit this machine and is refused before it starts:";
  for (const auto& o : over) msg += "\n  " + o;
  msg += "\n  estimate: " + need.describe();
  msg += "\n  (lower run.population_scale, the replicates or draws, or shorten the run; the estimates are "
         "upper bounds: AVERTED_IGNORE_LIMITS=1 runs it anyway)";
  if (!ignore_soft_limits) throw ResourceLimitExceeded(msg);
  std::cerr << "averted: warning (AVERTED_IGNORE_LIMITS is set): " << msg << "\n";
}

void refuse_if_too_big(const std::vector<Scenario>& scenarios, std::uint32_t draws, std::uint32_t replicates,
                       int threads, const std::filesystem::path& output_file) {
  const ResourceEstimate need = estimate_resources(scenarios, draws, replicates, threads);
  // The folder the results go to (the nearest existing one, if it is still to be made).
  std::filesystem::path folder = output_file.parent_path();
  std::error_code ec;
  while (!folder.empty() && !std::filesystem::exists(folder, ec)) folder = folder.parent_path();
  const char* ignore = std::getenv("AVERTED_IGNORE_LIMITS");
  check_resources(need, machine_limits(folder, threads), ignore && std::string(ignore) == "1");
}

}  // namespace averted
