// Writing the report: HTML directly, PDF through headless Chromium. Either way the
// result appears under its final name only when complete (written beside it, renamed).
#include <unistd.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "report/report.hpp"
#include "report/temporary_folder.hpp"

namespace averted::report {
namespace {

// The first of Debian's and other distributions' names for Chromium on PATH, or "".
std::string find_chromium() {
  // AVERTED_CHROMIUM names the browser to use (or, if it is not an executable, none).
  if (const char* env = std::getenv("AVERTED_CHROMIUM")) return access(env, X_OK) == 0 ? env : "";
  const char* path = std::getenv("PATH");
  if (!path) return "";
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
    std::string dirs = path;
    std::size_t start = 0;
    while (start <= dirs.size()) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      const std::filesystem::path candidate = std::filesystem::path(dirs.substr(start, end - start)) / name;
      if (!candidate.parent_path().empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
      start = end + 1;
    }
  }
  return "";
}

void write_text(const std::string& text, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(fmt::format("cannot write {} (is the folder writable, the disk full?)", path.string()));
}

// Runs argv, output to `log`; returns the exit status (-1 if it could not start).
int run(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (FILE* f = std::fopen(log.c_str(), "w")) {
      dup2(fileno(f), STDOUT_FILENO);
      dup2(fileno(f), STDERR_FILENO);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

void write_report(const std::string& html, const std::filesystem::path& output) {
  const std::filesystem::path dir = output.parent_path().empty() ? std::filesystem::path(".") : output.parent_path();
  std::filesystem::create_directories(dir);
  if (output.extension() != ".pdf") {
    auto partial = output;
    partial += ".partial";
    write_text(html, partial);
    std::filesystem::rename(partial, output);
    return;
  }
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    throw std::runtime_error(fmt::format(
        "cannot write {}: PDF output needs Chromium, which is not installed (no chromium on PATH). Install "
        "Debian's package with `apt-get install --no-install-recommends chromium`, or write the HTML report "
        "(-o {}) and print it to PDF from any web browser",
        output.string(), output.stem().string() + ".html"));
  }
  // A private folder beside the output: the HTML page, Chromium's profile and the PDF.
  const std::filesystem::path work = dir / fmt::format(".{}.{}.tmp", output.filename().string(), getpid());
  const TemporaryFolder folder(work);
  const auto page = std::filesystem::absolute(work / "report.html");
  const auto pdf = std::filesystem::absolute(work / "report.pdf");
  write_text(html, page);
  std::vector<std::string> argv = {chromium, "--headless", "--disable-gpu", "--no-first-run",
                                   "--user-data-dir=" + std::filesystem::absolute(work / "profile").string(),
                                   "--no-pdf-header-footer", "--print-to-pdf=" + pdf.string()};
  if (geteuid() == 0) argv.push_back("--no-sandbox");  // Chromium refuses to run as root with its sandbox
  argv.push_back("file://" + page.string());
  const int status = run(argv, work / "chromium.log");
  std::error_code ec;
  if (status != 0 || !std::filesystem::exists(pdf) || std::filesystem::file_size(pdf, ec) == 0) {
    std::ifstream log(work / "chromium.log");
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    if (text.size() > 2000) text = text.substr(text.size() - 2000);
    throw std::runtime_error(fmt::format("Chromium ({}) did not write the PDF {} (exit status {}); its output:\n{}",
                                         chromium, output.string(), status, text));
  }
  std::filesystem::rename(pdf, output);  // same folder: atomic
}

}  // namespace averted::report
