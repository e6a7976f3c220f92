// Micro-benchmarks behind design choices: the cost of one keyed Philox draw, of one
// person's hazard evaluation, and of the weekly scan of the schedule column.
#include <benchmark/benchmark.h>

#include "core/random.hpp"
#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"

using namespace averted;

static void PhiloxDraw(benchmark::State& state) {
  const RandomStreams r({1, 0, 0});
  std::uint32_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(r.uniforms(Decision{1}, i++, 7, 0));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(PhiloxDraw);

static void ExponentialFromDraw(benchmark::State& state) {
  const RandomStreams r({1, 0, 0});
  std::uint32_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(exponential_time(r.uniforms(Decision{1}, i++, 7, 0)[0], 0.7));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(ExponentialFromDraw);

// One person's competing hazards in the England model (the work of one event).
static void EnglandHazards(benchmark::State& state) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
  s.set("run.population_scale", 0.01, {});
  england::EnglandModel model(england::Parameters::from(s));
  Population pop;
  model.add_columns(pop);
  Tally tally(model.outputs());
  const RandomStreams random({1, 0, 0});
  StepContext ctx{pop, random, tally, model.parameters().clock, 0};
  model.initialise(ctx);
  Hazards h;
  PersonId i = 0;
  for (auto _ : state) {
    model.hazards(pop, i, 1.0, h);
    benchmark::DoNotOptimize(h);
    if (++i == pop.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(EnglandHazards);

// The weekly scan for people due an event: one float per person.
static void ScheduleScan(benchmark::State& state) {
  std::vector<float> next(static_cast<std::size_t>(state.range(0)), 100.0f);
  for (std::size_t i = 0; i < next.size(); i += 97) next[i] = 0.5f;
  for (auto _ : state) {
    std::size_t due = 0;
    for (float t : next) due += t < 1.0f;
    benchmark::DoNotOptimize(due);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * state.range(0) * sizeof(float));
}
BENCHMARK(ScheduleScan)->Arg(300000);

BENCHMARK_MAIN();
