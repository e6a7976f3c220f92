// End-to-end benchmark: an England-sized population (300,000 people at the start,
// plus new initiates), weekly steps, 25 years, one replicate of the full England
// model. Prints person-weeks per second and the per-person state touched per step.
//
//   build/bench/bench_end_to_end [threads] [repeats] [capacity]
// With "capacity", community treatment places are capped at 90,000 from 2005, so
// waiting lists and the sequential allocation are in play every step.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"

using namespace averted;

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 0;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  const bool capacity = argc > 3 && std::string(argv[3]) == "capacity";
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
  s.set("run.start_year", std::int64_t{2005}, {});
  s.set("run.end_year", std::int64_t{2030}, {});
  s.set("population.initial_size", 300000.0, {});
  s.set("run.population_scale", 1.0, {});
  if (capacity) {
    s.set("levers.capacity.start", 2005.0, {});
    s.set("levers.capacity.ost_places", 90000.0, {});
    s.set("levers.capacity.residential_places", 500.0, {});
  }
  std::vector<double> rates;
  RunStats stats;
  for (int r = 0; r < repeats; ++r) {
    auto model = england::make_model(s);
    RunSettings settings;
    settings.clock = england::clock_from(s);
    settings.key = {1, 0, static_cast<std::uint32_t>(r)};
    settings.threads = threads;
    run_simulation(*model, settings, &stats);
    rates.push_back(stats.person_steps / stats.seconds);
    std::printf("repeat %d: %.3f s, %.1f million person-weeks, %.0f million person-weeks/s, %.2f events and %.2f hazard changes crossed per person-year\n",
                r + 1, stats.seconds, stats.person_steps / 1e6, stats.person_steps / stats.seconds / 1e6,
                stats.events / (stats.person_steps / 52.0), stats.redraws / (stats.person_steps / 52.0));
  }
  std::sort(rates.begin(), rates.end());
  std::printf("median: %.0f million person-weeks per second (threads: %s%s), %u people simulated\n",
              rates[rates.size() / 2] / 1e6, threads ? argv[1] : "all", capacity ? ", capacity limits on" : "",
              stats.people);
  return 0;
}
