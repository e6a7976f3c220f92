// The calibration part of the `averted` program: the `calibrate` and `backtest`
// subcommands, and `--posterior` / `--targets` for `run` and `compare`
// (docs/calibration.md, docs/cli.md). main.cpp registers it with one object.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace averted {
struct EnsembleRequest;
}

namespace averted::calibration {

class Cli {
 public:
  // Adds the subcommands to `app` and the options to `run` and `compare`.
  Cli(CLI::App& app, CLI::App& run, CLI::App& compare);
  ~Cli();
  // After parsing: runs `calibrate` or `backtest` if chosen and returns its exit code
  // (on MPI ranks other than 0: computes model runs for rank 0 until it is done);
  // -1 when neither was chosen.
  int dispatch();
  // For `run` and `compare`: with --posterior, the draws become the posterior's
  // parameter sets (`--draws` of them, default one per posterior row); with a
  // posterior or --targets, the observed series are written beside the model's.
  // `draws_option` is compare's --draws (0: not given). Throws on a bad posterior.
  void prepare(EnsembleRequest& request, std::uint32_t draws_option);
  // After a run: the fit of each observed series, as text (empty without targets).
  std::string fit_report() const;

 struct State;  // the options and what prepare() set up

 private:
  std::unique_ptr<State> state_;
};

}  // namespace averted::calibration
