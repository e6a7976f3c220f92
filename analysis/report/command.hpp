// The `averted report` subcommand, registered by engine/cli/main.cpp:
//   ReportCommand report(app);  ...  if (report.chosen()) return report.run();
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace averted::report {

class ReportCommand {
 public:
  explicit ReportCommand(CLI::App& app);  // adds the subcommand and its options
  bool chosen() const;
  int run() const;  // exit code: 0 written, 1 failed (the reason on stderr)

 private:
  CLI::App* sub_ = nullptr;
  std::string input_, output_;
  std::vector<std::string> compare_;
  bool attribute_ = false;
  int threads_ = 0;
};

}  // namespace averted::report
