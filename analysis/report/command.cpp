#include "report/command.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>

#include <fmt/format.h>

#include <unistd.h>

#include "report/attribution.hpp"
#include "report/forecast.hpp"
#include "report/report.hpp"

namespace averted::report {

ReportCommand::ReportCommand(CLI::App& app) {
  sub_ = app.add_subcommand(
      "report",
      "Write a self-contained report (HTML, or PDF with Chromium) of a results file from `averted compare`, or of "
      "two side by side with --compare.");
  sub_->add_option("results", input_, "Results file from averted compare (.h5)")->check(CLI::ExistingFile);
  sub_->add_option("--compare", compare_, "Two results files to set side by side: A.h5 B.h5")
      ->expected(2)
      ->check(CLI::ExistingFile);
  sub_->add_flag("--attribute", attribute_,
                 "With --compare: rerun A once per differing setting, with only that setting as in B, to show how "
                 "much each moves deaths averted (takes as long as A's comparison, per setting)");
  sub_->add_option("-t,--threads", threads_, "Threads for --attribute (default: all cores); results do not depend on it")
      ->check(CLI::NonNegativeNumber);
  sub_->add_option("-o,--output", output_,
                   "Report file: .html, or .pdf through headless Chromium (default: the results file's name with "
                   ".html, or A-vs-B.html)");
  sub_->callback([this] {
    if (input_.empty() == compare_.empty()) {
      throw CLI::ValidationError("averted report", "give either one results file or --compare A.h5 B.h5");
    }
    if (attribute_ && compare_.empty()) throw CLI::ValidationError("averted report", "--attribute needs --compare A.h5 B.h5");
  });
}

bool ReportCommand::chosen() const { return sub_->parsed(); }

int ReportCommand::run() const {
  try {
    const auto start = std::chrono::steady_clock::now();
    std::filesystem::path out = output_;
    std::string html;
    if (compare_.empty()) {
      if (out.empty()) out = std::filesystem::path(input_).replace_extension(".html");
      html = forecast_html(read_forecast(input_));
    } else {
      const std::filesystem::path a = compare_[0], b = compare_[1];
      if (out.empty()) out = a.parent_path() / (a.stem().string() + "-vs-" + b.stem().string() + ".html");
      const Forecast fa = read_forecast(a), fb = read_forecast(b);
      std::vector<Attribution> attribution;
      if (attribute_) {
        const auto work = out.parent_path() / fmt::format(".{}.{}.attribution", out.filename().string(), getpid());
        attribution = attribute(fa, fb, matched_scenarios(fa, fb), differing_settings(fa, fb), work, threads_,
                                [](const std::string& what) { std::cerr << what << "\n"; });
      }
      html = comparison_html(fa, fb, attribution);
    }
    write_report(html, out);
    std::cerr << fmt::format("report written to {} ({:.0f} KB) in {:.1f} s\n", out.string(),
                             std::filesystem::file_size(out) / 1024.0,
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    std::cout << out.string() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "averted report: error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace averted::report
