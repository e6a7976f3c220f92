#include "calibration/posterior.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <boost/uuid/detail/sha1.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include "uncertainty/parameter_draws.hpp"

namespace averted::calibration {
namespace {

constexpr const char* kMagic = "# averted-posterior 1";

std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

bool parse_double(const std::string& s, double& x) {
  if (s.empty()) return false;
  char* end = nullptr;
  x = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(x);
}

// A header line's list of numbers (tolerance, chance): space-separated, exact.
std::string number_list(const std::vector<double>& xs) {
  std::string out;
  for (const double x : xs) out += fmt::format("{}{:.17g}", out.empty() ? "" : " ", x);
  return out;
}
std::vector<double> parse_number_list(const std::string& text) {
  std::istringstream in(text);
  std::vector<double> out;
  double x;
  while (in >> x) out.push_back(x);
  return out;
}

}  // namespace

std::string file_sha1(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  boost::uuids::detail::sha1 h;
  h.process_bytes(bytes.data(), bytes.size());
  boost::uuids::detail::sha1::digest_type d;
  h.get_digest(d);
  std::string out;
  for (auto w : d) out += fmt::format("{:08x}", static_cast<std::uint32_t>(w));
  return out;
}

double Posterior::effective_sample_size(std::uint32_t g) const {
  double sum = 0, squares = 0;
  for (std::size_t i = 0; i < rows(); ++i) {
    if (generation[i] == g) sum += weight[i], squares += weight[i] * weight[i];
  }
  return squares > 0 ? sum * sum / squares : 0.0;
}

Posterior Posterior::last_generation() const {
  Posterior out = *this;
  out.generation.clear(), out.weight.clear(), out.distance.clear(), out.values.clear();
  if (rows() == 0) return out;
  const std::uint32_t g = generation.back();
  for (std::size_t i = 0; i < rows(); ++i) {
    if (generation[i] != g) continue;
    out.generation.push_back(g), out.weight.push_back(weight[i]), out.distance.push_back(distance[i]);
    out.values.push_back(values[i]);
  }
  return out;
}

void write_posterior(const std::filesystem::path& file, const Posterior& p) {
  std::string body = std::string(kMagic) + "\n";
  body += fmt::format("# method: {}\n", p.method);
  body += fmt::format("# scenario: {}\n# scenario_hash: {}\n", p.scenario_file, p.scenario_hash);
  body += fmt::format("# targets: {}\n# targets_hash: {}\n", p.targets_file, p.targets_hash);
  body += fmt::format("# until_year: {}\n# population_scale: {:.17g}\n# settings: {}\n", p.until_year,
                      p.population_scale, p.settings);
  body += fmt::format("# tolerance: {}\n", number_list(p.tolerance));
  if (!p.chance.empty()) body += fmt::format("# chance: {}\n", number_list(p.chance));
  if (p.collapsed > 0) body += fmt::format("# collapsed: {}\n", number_list({p.collapsed}));
  body += "generation,weight,distance";
  for (const auto& path : p.paths) body += "," + path;
  body += "\n";
  for (std::size_t i = 0; i < p.rows(); ++i) {
    body += fmt::format("{},{:.17g},{:.17g}", p.generation[i], p.weight[i], p.distance[i]);
    for (const double v : p.values[i]) body += fmt::format(",{:.17g}", v);
    body += "\n";
  }
  body += fmt::format("# end: rows={} checksum={:016x}\n", p.rows(), fnv1a64(body));
  const std::filesystem::path partial = file.string() + ".partial";
  {
    std::FILE* f = std::fopen(partial.c_str(), "wb");
    if (!f) throw std::runtime_error(fmt::format("cannot write posterior '{}': {}", partial.string(), std::strerror(errno)));
    const bool ok = std::fwrite(body.data(), 1, body.size(), f) == body.size() && std::fflush(f) == 0 &&
                    fsync(fileno(f)) == 0;
    std::fclose(f);
    if (!ok) throw std::runtime_error(fmt::format("cannot write posterior '{}' (disk full?)", partial.string()));
  }
  std::filesystem::rename(partial, file);
}

Posterior read_posterior(const std::filesystem::path& file) {
  const std::string name = file.string();
  auto fail = [&](int line, const std::string& what, const std::string& expected) {
    return std::runtime_error(fmt::format("{}:{}: posterior file {}; expected {}; write it again with `averted calibrate` "
                                          "(a posterior file must not be edited)",
                                          name, line, what, expected));
  };
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open the posterior file; expected a file written by "
                                                "`averted calibrate`; check the path", name));
  std::vector<std::string> lines;
  std::string body, line;
  while (std::getline(in, line)) lines.push_back(line);
  if (lines.empty() || lines.front() != kMagic) throw fail(1, "does not start with the format line", std::string("'") + kMagic + "'");
  Posterior p;
  std::map<std::string, std::string> header;
  std::size_t i = 1;
  for (; i < lines.size() && lines[i].rfind("# ", 0) == 0; ++i) {
    const auto colon = lines[i].find(": ");
    if (colon == std::string::npos) throw fail(static_cast<int>(i + 1), "has a header line without 'key: value'", "'# key: value'");
    header[lines[i].substr(2, colon - 2)] = lines[i].substr(colon + 2);
  }
  for (const char* key : {"method", "scenario", "scenario_hash", "targets", "targets_hash", "until_year",
                          "population_scale", "settings", "tolerance"}) {
    if (!header.count(key)) throw fail(static_cast<int>(i), fmt::format("lacks the header line '# {}: ...'", key), "every header line");
  }
  p.method = header["method"], p.scenario_file = header["scenario"], p.scenario_hash = header["scenario_hash"];
  p.targets_file = header["targets"], p.targets_hash = header["targets_hash"], p.settings = header["settings"];
  p.until_year = std::atoi(header["until_year"].c_str());
  p.population_scale = std::atof(header["population_scale"].c_str());
  p.tolerance = parse_number_list(header["tolerance"]);
  if (header.count("chance")) {
    p.chance = parse_number_list(header["chance"]);
    if (p.chance.size() != p.tolerance.size()) {
      throw fail(static_cast<int>(i), fmt::format("has {} chance values for {} tolerances", p.chance.size(), p.tolerance.size()),
                 "one per generation");
    }
  }
  if (header.count("collapsed")) {
    const std::vector<double> ess = parse_number_list(header["collapsed"]);
    if (ess.size() != 1 || !(ess[0] >= 1)) {
      throw fail(static_cast<int>(i), fmt::format("has '# collapsed: {}'", header["collapsed"]), "one effective sample size >= 1");
    }
    p.collapsed = ess[0];
  }
  if (i >= lines.size()) throw fail(static_cast<int>(i), "ends after its header", "a column header and rows");
  const auto columns = split(lines[i]);
  if (columns.size() < 4 || columns[0] != "generation" || columns[1] != "weight" || columns[2] != "distance") {
    throw fail(static_cast<int>(i + 1), fmt::format("has the column header '{}'", lines[i]),
               "'generation,weight,distance,<parameter>,...'");
  }
  p.paths.assign(columns.begin() + 3, columns.end());
  for (std::size_t k = 0; k < i + 1; ++k) body += lines[k] + "\n";
  bool ended = false;
  for (++i; i < lines.size(); ++i) {
    const int ln = static_cast<int>(i + 1);
    if (lines[i].rfind("# end: ", 0) == 0) {
      const std::string want = fmt::format("# end: rows={} checksum={:016x}", p.rows(), fnv1a64(body));
      if (lines[i] != want) throw fail(ln, fmt::format("has '{}' but its contents give '{}' (truncated or edited)", lines[i], want), "a matching end line");
      ended = true;
      if (i + 1 != lines.size()) throw fail(ln + 1, "has lines after its end line", "nothing after '# end: ...'");
      break;
    }
    const auto cells = split(lines[i]);
    if (cells.size() != columns.size()) {
      throw fail(ln, fmt::format("has a row of {} values", cells.size()), fmt::format("{} values, as the column header", columns.size()));
    }
    std::vector<double> x(cells.size());
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (!parse_double(cells[c], x[c])) throw fail(ln, fmt::format("has '{}' in column '{}'", cells[c], columns[c]), "a finite number");
    }
    if (x[0] < 0 || x[0] != std::floor(x[0])) throw fail(ln, fmt::format("has generation '{}'", cells[0]), "a whole number >= 0");
    if (x[1] < 0) throw fail(ln, fmt::format("has weight '{}'", cells[1]), "a weight >= 0");
    p.generation.push_back(static_cast<std::uint32_t>(x[0]));
    p.weight.push_back(x[1]);
    p.distance.push_back(x[2]);
    p.values.emplace_back(x.begin() + 3, x.end());
    body += lines[i] + "\n";
  }
  if (!ended) throw fail(static_cast<int>(lines.size()), "has no end line (it was cut short)", "'# end: rows=N checksum=...' as its last line");
  if (p.rows() == 0) throw fail(static_cast<int>(lines.size()), "has no rows", "at least one parameter draw");
  return p;
}

void check_posterior(const Posterior& p, const Scenario& scenario, const std::filesystem::path& file) {
  const ParamTable* table = scenario.table();
  double total = 0;
  for (const double w : p.last_generation().weight) total += w;
  if (!(total > 0)) {
    throw std::runtime_error(fmt::format("{}: posterior weights sum to {}; expected a positive sum; calibrate again",
                                         file.string(), total));
  }
  for (std::size_t k = 0; k < p.paths.size(); ++k) {
    const ParamSpec* spec = table ? table->find(p.paths[k]) : nullptr;
    if (!spec || spec->type != ParamType::Real) {
      throw std::runtime_error(fmt::format(
          "{}: posterior parameter '{}' is not a number setting of scenario '{}'; expected the parameters of the "
          "model the posterior was fitted with; use a posterior calibrated for this model",
          file.string(), p.paths[k], scenario.text("scenario.name")));
    }
    for (std::size_t i = 0; i < p.rows(); ++i) {
      if (p.values[i][k] < spec->min || p.values[i][k] > spec->max) {
        throw std::runtime_error(fmt::format("{}: row {}: {} = {} is outside its range [{}, {}]; expected values the "
                                             "scenario accepts; calibrate again",
                                             file.string(), i + 1, p.paths[k], p.values[i][k], spec->min, spec->max));
      }
    }
  }
}

std::vector<std::vector<std::pair<std::string, double>>> resample(const Posterior& posterior, std::uint32_t draws,
                                                                  std::uint32_t seed) {
  const Posterior last = posterior.last_generation();
  double total = 0;
  for (const double w : last.weight) total += w;
  const double u = parameter_uniform(seed, 0, "calibration.posterior_resampling");
  std::vector<std::vector<std::pair<std::string, double>>> out;
  double cumulative = last.weight[0] / total;
  std::size_t j = 0;
  for (std::uint32_t d = 0; d < draws; ++d) {
    const double target = (d + u) / draws;
    while (cumulative < target && j + 1 < last.rows()) cumulative += last.weight[++j] / total;
    std::vector<std::pair<std::string, double>> set;
    for (std::size_t k = 0; k < last.paths.size(); ++k) set.emplace_back(last.paths[k], last.values[j][k]);
    out.push_back(std::move(set));
  }
  return out;
}

}  // namespace averted::calibration
