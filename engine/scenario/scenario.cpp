#include "scenario/scenario.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include <boost/uuid/detail/sha1.hpp>
#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "scenario/detail.hpp"

namespace fs = std::filesystem;

namespace averted {

// ---------------------------------------------------------------------------------
// Origin, errors

std::string Origin::describe() const {
  if (file.empty()) return "default";
  if (line <= 0) return file;
  return fmt::format("{}:{}", file, line);
}

std::string ScenarioError::format() const {
  std::string out = file;
  if (line > 0) out += fmt::format(":{}", line);
  if (!out.empty()) out += ": ";
  if (!yaml_path.empty()) out += yaml_path + ": ";
  if (!problem.empty()) {
    out += problem;
  } else if (value.empty()) {
    out += "got an empty value";
  } else {
    out += "got '" + value + "'";
  }
  if (!expected.empty()) out += "; expected " + expected;
  if (!suggestion.empty()) out += "; " + suggestion;
  return out;
}

namespace {

std::string errors_message(const std::vector<ScenarioError>& errors, const std::string& file) {
  std::string out = fmt::format("{} error{} in scenario {}:", errors.size(),
                                errors.size() == 1 ? "" : "s", file);
  for (const auto& e : errors) {
    out += '\n';
    out += e.format();
  }
  return out;
}

}  // namespace

ScenarioErrors::ScenarioErrors(std::vector<ScenarioError> errors)
    : ScenarioErrors(errors, errors.empty() ? std::string() : errors.front().file) {}

ScenarioErrors::ScenarioErrors(std::vector<ScenarioError> errors, const std::string& scenario_file)
    : std::runtime_error(errors_message(errors, scenario_file)), errors_(std::move(errors)) {}

// ---------------------------------------------------------------------------------
// Scenario accessors

namespace {

[[noreturn]] void wrong_type(std::string_view path, const char* want) {
  throw std::logic_error(fmt::format("scenario parameter '{}' is not of type {}", path, want));
}

bool value_fits(ParamType type, const ParamValue& v) {
  switch (type) {
    case ParamType::Real: return std::holds_alternative<double>(v);
    case ParamType::Integer: return std::holds_alternative<std::int64_t>(v);
    case ParamType::Boolean: return std::holds_alternative<bool>(v);
    case ParamType::Choice:
    case ParamType::Text: return std::holds_alternative<std::string>(v);
    case ParamType::Series: return std::holds_alternative<Series>(v);
  }
  return false;
}

}  // namespace

const Setting& Scenario::setting(std::string_view path) const {
  const auto it = settings_.find(path);
  if (it == settings_.end()) {
    throw std::logic_error(fmt::format("scenario parameter '{}' is not declared", path));
  }
  return it->second;
}

double Scenario::real(std::string_view path) const {
  const auto* v = std::get_if<double>(&setting(path).value);
  if (!v) wrong_type(path, "real");
  return *v;
}

std::int64_t Scenario::integer(std::string_view path) const {
  const auto* v = std::get_if<std::int64_t>(&setting(path).value);
  if (!v) wrong_type(path, "integer");
  return *v;
}

bool Scenario::boolean(std::string_view path) const {
  const auto* v = std::get_if<bool>(&setting(path).value);
  if (!v) wrong_type(path, "boolean");
  return *v;
}

const std::string& Scenario::text(std::string_view path) const {
  const auto* v = std::get_if<std::string>(&setting(path).value);
  if (!v) wrong_type(path, "text or choice");
  return *v;
}

const Series& Scenario::series(std::string_view path) const {
  const auto* v = std::get_if<Series>(&setting(path).value);
  if (!v) wrong_type(path, "series");
  return *v;
}

Scenario Scenario::defaults(const ParamTable& table) {
  Scenario s;
  s.table_ = &table;
  for (const auto& spec : table.all()) {
    s.settings_.insert_or_assign(spec.path, Setting{spec.default_value, Origin{}, std::nullopt});
  }
  return s;
}

void Scenario::set(std::string path, ParamValue value, Origin origin) {
  if (table_) {
    const ParamSpec* spec = table_->find(path);
    if (!spec) throw std::logic_error(fmt::format("scenario parameter '{}' is not declared", path));
    if (!value_fits(spec->type, value)) {
      throw std::logic_error(fmt::format("value for scenario parameter '{}' is not of type {}",
                                         path, to_string(spec->type)));
    }
  }
  settings_.insert_or_assign(std::move(path), Setting{std::move(value), std::move(origin), std::nullopt});
}

void Scenario::set_distribution(std::string path, Distribution distribution, Origin origin) {
  if (table_) {
    const ParamSpec* spec = table_->find(path);
    if (!spec) throw std::logic_error(fmt::format("scenario parameter '{}' is not declared", path));
    if (spec->type != ParamType::Real) {
      throw std::logic_error(fmt::format("scenario parameter '{}' is not a number: no distribution", path));
    }
  }
  const double central = distribution.mean();
  settings_.insert_or_assign(std::move(path),
                             Setting{central, std::move(origin), std::move(distribution)});
}

void Scenario::set_drawn_value(std::string_view path, double value) {
  const auto it = settings_.find(path);
  if (it == settings_.end() || !it->second.distribution) {
    throw std::logic_error(fmt::format("scenario parameter '{}' has no distribution to draw from", path));
  }
  it->second.value = value;
}

bool Scenario::uncertain() const {
  return std::any_of(settings_.begin(), settings_.end(),
                     [](const auto& kv) { return kv.second.distribution.has_value(); });
}

std::string Scenario::merged_yaml() const {
  std::string out = "# Merged scenario";
  if (!files_.empty()) out += ": " + files_.back().string();
  out += "\n";
  if (files_.size() > 1) {
    out += "# files, base first:";
    for (const auto& f : files_) out += " " + f.string();
    out += "\n";
  }
  out += "# hash: " + hash() + "\n";
  if (!table_) {
    ParamSpec text;
    text.type = ParamType::Text;
    for (const auto& [path, s] : settings_) {
      out += path + ": " + format_value(text, s.value) + "  # " +
             (s.origin.file.empty() ? std::string("default") : "from " + s.origin.describe()) +
             "\n";
    }
    return out;
  }
  NestedYamlWriter w;
  w.before = [](const ParamSpec&, const std::string&) { return std::string(); };
  w.value = [this](const ParamSpec& spec) {
    const auto it = settings_.find(spec.path);
    if (it == settings_.end()) {
      return std::make_pair(format_value(spec, spec.default_value), std::string("default"));
    }
    const auto& s = it->second;
    return std::make_pair(s.distribution ? s.distribution->yaml() : format_value(spec, s.value),
                          s.origin.file.empty() ? std::string("default")
                                                : "from " + s.origin.describe());
  };
  out += nested_yaml(*table_, w);
  return out;
}

std::string Scenario::hash() const {
  std::string canon = "averted-scenario-v1\n";
  char buf[64];
  auto num = [&](double x) {
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return std::string(buf);
  };
  for (const auto& [path, s] : settings_) {
    canon += path;
    canon += '\t';
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, double>) {
            canon += "r\t" + num(v);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            canon += "i\t" + std::to_string(v);
          } else if constexpr (std::is_same_v<T, bool>) {
            canon += v ? "b\ttrue" : "b\tfalse";
          } else if constexpr (std::is_same_v<T, std::string>) {
            canon += "s\t" + std::to_string(v.size()) + ":" + v;
          } else {
            canon += v.interp == Series::Interp::Step ? "step" : "linear";
            for (std::size_t i = 0; i < v.keys.size(); ++i) {
              canon += "\t" + num(v.keys[i]) + "=" +
                       (i < v.values.size() ? num(v.values[i]) : std::string("?"));
            }
          }
        },
        s.value);
    if (s.distribution) {  // only settings with a distribution: other hashes are unchanged
      canon += "\tdistribution\t" + std::string(to_string(s.distribution->kind)) + "\t" +
               num(s.distribution->p1) + "\t" + num(s.distribution->p2);
    }
    canon += '\n';
  }
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(canon.data(), canon.size());
  unsigned int digest[5];
  sha.get_digest(digest);
  std::string hex;
  for (const unsigned int word : digest) hex += fmt::format("{:08x}", word);
  return hex;
}

// ---------------------------------------------------------------------------------
// Loading

namespace {

std::string join(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return std::string(prefix) + "." + std::string(key);
}

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// The value as the user wrote it, on one line (maps and lists in flow style).
std::string as_written(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return {};
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  std::string s = e.c_str();
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// A finite number written in full ("0.05", "-3", "+2", "1e-6"), or nullopt.
std::optional<double> parse_real(std::string_view s) {
  const std::string t = trimmed(s);
  std::string_view v = t;
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  if (v.empty() || v.front() == '+' || v.front() == '_') return std::nullopt;
  double x = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), x);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || !std::isfinite(x)) {
    return std::nullopt;
  }
  return x;
}

// A whole number: "2026", "-5", "2.026e3"; nullopt if not a number or not whole.
std::optional<std::int64_t> parse_integer(std::string_view s) {
  const std::string t = trimmed(s);
  std::string_view v = t;
  if (!v.empty() && v.front() == '+') v.remove_prefix(1);
  std::int64_t i = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), i);
  if (r.ec == std::errc() && r.ptr == v.data() + v.size() && !v.empty()) return i;
  const auto x = parse_real(s);
  if (!x || *x != std::floor(*x) || std::fabs(*x) > 9.0e18) return std::nullopt;
  return static_cast<std::int64_t>(*x);
}

// Advice for text that was meant to be a number.
std::string number_advice(const std::string& raw, const ParamSpec& spec) {
  const std::string t = trimmed(raw);
  if (t.empty()) return {};
  if (t.back() == '%') {
    if (const auto x = parse_real(std::string_view(t).substr(0, t.size() - 1))) {
      return fmt::format("write {} as {}", t, format_number(*x / 100.0));
    }
  }
  std::string no_sep;
  for (const char c : t) {
    if (c != ',' && c != '_') no_sep += c;
  }
  if (no_sep != t && parse_real(no_sep)) {
    return fmt::format("write numbers without separators, e.g. {}", no_sep);
  }
  // A number followed by a unit or words: "12 weeks", "0.5 per year".
  std::size_t end = 0;
  while (end < t.size() && (std::isdigit(static_cast<unsigned char>(t[end])) || t[end] == '.' ||
                            t[end] == '-' || t[end] == '+' || t[end] == 'e')) {
    ++end;
  }
  if (end > 0 && end < t.size() && parse_real(std::string_view(t).substr(0, end))) {
    return fmt::format("write the number alone ({}){}", t.substr(0, end),
                       spec.unit.empty() ? "" : "; the unit is " + spec.unit);
  }
  if (t == ".inf" || t == "inf" || t == "-.inf" || t == "nan" || t == ".nan") {
    return "the number must be finite";
  }
  return {};
}

// Advice for a number outside its range.
std::string range_advice(double x, const ParamSpec& spec) {
  if (spec.unit.find("probability") != std::string::npos ||
      spec.unit.find("fraction") != std::string::npos ||
      spec.unit.find("proportion") != std::string::npos) {
    if (x > 1 && x <= 100 && spec.max == 1) {
      return fmt::format("if you meant {}%, write {}", format_number(x), format_number(x / 100));
    }
  }
  if (x < 0 && spec.min == 0) return "it cannot be negative";
  return {};
}

std::string bool_advice(const std::string& raw) {
  static const char* const yes[] = {"yes", "on", "y", "1", "enabled", "enable"};
  static const char* const no[] = {"no", "off", "n", "0", "disabled", "disable"};
  std::string lower;
  for (const char c : raw) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "false") return fmt::format("write it in lower case: {}", lower);
  for (const char* w : yes) {
    if (lower == w) return fmt::format("write true instead of '{}'", raw);
  }
  for (const char* w : no) {
    if (lower == w) return fmt::format("write false instead of '{}'", raw);
  }
  return {};
}

std::size_t closeness_threshold(std::string_view s) {
  if (s.size() <= 3) return 1;
  if (s.size() <= 6) return 2;
  return 3;
}

std::string did_you_mean(const std::vector<std::string>& options) {
  std::string out = "did you mean ";
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (i) out += i + 1 == options.size() ? " or " : ", ";
    out += "'" + options[i] + "'";
  }
  return out + "?";
}

std::string list_words(const std::vector<std::string>& words, std::size_t max_n) {
  std::string out;
  for (std::size_t i = 0; i < words.size() && i < max_n; ++i) {
    if (i) out += ", ";
    out += words[i];
  }
  if (words.size() > max_n) out += ", ...";
  return out;
}

// The documents in a YAML text, and the line (1-based) where the second starts.
// YAML::LoadAll is not used: yaml-cpp 0.7 (Debian 12) loops for ever, allocating
// until memory runs out, on text it cannot consume (e.g. a line starting with ',';
// jbeder/yaml-cpp#1040, fixed upstream after 0.7). Found by tests/fuzz; the inputs
// are kept in tests/fuzz/regressions/scenario/. When a document "starts" where the
// previous one did, the parser is stuck on that character: a syntax error.
class DocumentStarts : public YAML::EventHandler {
 public:
  int count = 0;
  int second_line = 0;
  YAML::Mark last;
  bool stuck = false;
  void OnDocumentStart(const YAML::Mark& m) override {
    if (count > 0 && m.pos == last.pos) stuck = true;
    if (++count == 2) second_line = m.line + 1;
    last = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Throws YAML::ParserException for a text the parser cannot get past.
DocumentStarts scan_documents(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts docs;
  while (!docs.stuck && parser.HandleNextDocument(docs)) {
  }
  if (docs.stuck) {
    const auto pos = static_cast<std::size_t>(std::max(0, docs.last.pos));
    const std::string what = pos < text.size() ? fmt::format("unexpected '{}'", text[pos]) : "unexpected end";
    throw YAML::ParserException(docs.last, what);
  }
  return docs;
}

struct SourceFile {
  fs::path path;        // as given (leaf) or resolved against the extending file
  std::string display;  // path.string(): what errors and origins name
  std::string text;
  YAML::Node root;      // a map, or null for an empty file
  int extends_line = 0;
};

class Loader {
 public:
  explicit Loader(const ParamTable& table) : table_(table) {
    for (const auto& spec : table.all()) {
      std::string prefix;
      std::size_t start = 0;
      while (true) {
        const auto dot = spec.path.find('.', start);
        const std::string seg =
            spec.path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        auto& kids = children_[prefix];
        if (std::find(kids.begin(), kids.end(), seg) == kids.end()) kids.push_back(seg);
        prefix = join(prefix, seg);
        if (dot == std::string::npos) break;
        groups_.insert(prefix);
        start = dot + 1;
      }
      all_paths_.push_back(spec.path);
    }
    for (const auto& g : groups_) all_paths_.push_back(g);
  }

  // The merged scenario, and the files read (base first) in `files`.
  Scenario load(const fs::path& leaf, std::vector<fs::path>& files) {
    std::vector<SourceFile> chain;  // leaf first
    read_chain(leaf, chain);
    Scenario scenario = Scenario::defaults(table_);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      scenario_files_.push_back(it->path);
      current_ = &*it;
      if (it->root.IsMap()) walk_map(it->root, "", scenario, true);
    }
    current_ = nullptr;
    if (!errors_.empty()) {
      // Base files first, then by line; errors about other files (a missing leaf) last.
      std::vector<std::string> order;
      for (const auto& f : scenario_files_) order.push_back(f.string());
      auto rank = [&](const ScenarioError& e) {
        const auto pos = std::find(order.begin(), order.end(), e.file);
        return static_cast<std::size_t>(pos - order.begin());
      };
      std::stable_sort(errors_.begin(), errors_.end(),
                       [&](const ScenarioError& a, const ScenarioError& b) {
                         const auto ra = rank(a);
                         const auto rb = rank(b);
                         if (ra != rb) return ra < rb;
                         return a.line < b.line;
                       });
      throw ScenarioErrors(std::move(errors_), leaf.string());
    }
    files = scenario_files_;
    return scenario;
  }

 private:
  void error(std::string file, int line, std::string path, std::string value,
             std::string expected, std::string suggestion, std::string problem = {}) {
    errors_.push_back(ScenarioError{std::move(file), line, std::move(path), std::move(value),
                                    std::move(expected), std::move(suggestion),
                                    std::move(problem)});
  }
  void error_here(int line, std::string path, std::string value, std::string expected,
                  std::string suggestion, std::string problem = {}) {
    error(current_->display, line, std::move(path), std::move(value), std::move(expected),
          std::move(suggestion), std::move(problem));
  }

  // ----- reading files and following `extends`

  static std::string close_file_name(const fs::path& missing) {
    std::error_code ec;
    const fs::path dir = missing.parent_path().empty() ? fs::path(".") : missing.parent_path();
    const std::string want = missing.filename().string();
    std::string best;
    std::size_t best_d = closeness_threshold(want) + 1;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      const auto d = edit_distance(want, name);
      if (d < best_d) {
        best_d = d;
        best = name;
      }
    }
    return best;
  }

  bool read_text(const fs::path& p, std::string& out) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return false;
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
  }

  static fs::path identity(const fs::path& p) {
    std::error_code ec;
    auto c = fs::weakly_canonical(p, ec);
    if (ec) c = fs::absolute(p, ec).lexically_normal();
    return c;
  }

  std::string syntax_advice(const std::string& text, int line0, const std::string& msg) {
    // Find lines line0 and line0-1 (0-based) and look for tabs in their indentation.
    std::vector<std::string_view> lines;
    std::string_view rest = text;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      lines.push_back(rest.substr(0, nl));
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    for (int l : {line0, line0 - 1}) {
      if (l < 0 || l >= static_cast<int>(lines.size())) continue;
      const auto& s = lines[static_cast<std::size_t>(l)];
      const auto first = s.find_first_not_of(" \t");
      const auto indent = s.substr(0, first == std::string_view::npos ? s.size() : first);
      if (indent.find('\t') != std::string_view::npos) {
        return fmt::format("YAML does not allow tabs for indentation: replace the tab on line {} "
                           "with spaces",
                           l + 1);
      }
    }
    if (msg.find("flow") != std::string::npos) {
      return "a '[' or '{' is not closed, or a ',' is missing";
    }
    if (msg.find("map value") != std::string::npos || msg.find("end of map") != std::string::npos) {
      return "check the indentation (settings of one group line up under each other) and put "
             "text containing ': ' in quotes";
    }
    return "check the indentation and punctuation on this line and the one before";
  }

  // Reads the leaf and every file it extends (leaf first). Stops at the first file
  // that cannot be read or parsed; the errors say why.
  void read_chain(const fs::path& leaf, std::vector<SourceFile>& chain) {
    std::vector<fs::path> seen;  // identities, in chain order
    fs::path next = leaf;
    std::optional<std::size_t> from;  // index in `chain` of the file whose extends named `next`
    std::string from_value;
    while (true) {
      SourceFile f;
      f.path = next;
      f.display = next.string();
      if (!read_text(next, f.text)) {
        std::error_code ec;
        const bool exists = fs::exists(next, ec);
        const std::string why = exists ? "is not a readable file" : "does not exist";
        const std::string close = exists ? std::string() : close_file_name(next);
        const std::string advice =
            close.empty() ? std::string() : fmt::format("did you mean '{}'?", close);
        if (!from) {
          error(f.display, 0, "", f.display, "",
                advice.empty() ? "check the path (relative paths start from the current directory)"
                               : advice,
                fmt::format("cannot read scenario file: it {}", why));
        } else {
          const SourceFile& ext_from = chain[*from];
          error(ext_from.display, ext_from.extends_line, "extends", from_value, "",
                advice.empty() ? "paths in extends are relative to the file that names them"
                               : advice,
                fmt::format("base scenario '{}' {}", f.display, why));
        }
        return;
      }
      try {
        const DocumentStarts docs = scan_documents(f.text);
        if (docs.count > 1) {
          error(f.display, docs.second_line, "", "", "",
                "keep one scenario per file (remove the '---' line)",
                fmt::format("the file holds {} YAML documents; expected one", docs.count));
        }
        f.root = YAML::Load(f.text);
      } catch (const YAML::ParserException& e) {
        error(f.display, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "", "",
              syntax_advice(f.text, e.mark.line, e.msg), "YAML syntax error: " + e.msg);
        return;
      } catch (const YAML::Exception& e) {
        error(f.display, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "", "", "",
              std::string("cannot read YAML: ") + e.what());
        return;
      }
      if (!f.root.IsNull() && !f.root.IsMap()) {
        error(f.display, line_of(f.root), "", as_written(f.root),
              "a map of settings: lines such as 'run:' and, indented below, 'seed: 42'", "");
        return;
      }
      seen.push_back(identity(next));
      chain.push_back(std::move(f));
      SourceFile& cur = chain.back();
      if (!cur.root.IsMap()) return;

      // Find `extends` (the first one; a repeat is reported as a duplicate key).
      YAML::Node ext_key;
      YAML::Node ext;
      bool has_extends = false;
      for (const auto& kv : cur.root) {
        if (kv.first.IsScalar() && kv.first.Scalar() == "extends") {
          ext_key = kv.first;
          ext = kv.second;
          has_extends = true;
          break;
        }
      }
      if (!has_extends) return;
      cur.extends_line = line_of(ext_key);
      const std::string expected = "the path of a base scenario file, e.g. extends: baseline.yaml";
      if (!ext.IsScalar() || trimmed(ext.Scalar()).empty()) {
        error(cur.display, cur.extends_line, "extends", as_written(ext), expected,
              ext.IsNull() ? "give a file name, or delete the line" : "");
        return;
      }
      from_value = ext.Scalar();
      fs::path target(from_value);
      if (target.is_relative()) target = cur.path.parent_path() / target;
      target = target.lexically_normal();
      const fs::path id = identity(target);
      const auto hit = std::find(seen.begin(), seen.end(), id);
      if (hit != seen.end()) {
        std::string cycle;
        for (auto i = static_cast<std::size_t>(hit - seen.begin()); i < chain.size(); ++i) {
          cycle += chain[i].display + " -> ";
        }
        cycle += chain[static_cast<std::size_t>(hit - seen.begin())].display;
        error(cur.display, cur.extends_line, "extends", from_value, "",
              "a scenario cannot extend itself, directly or through other files",
              "the files extend each other in a cycle: " + cycle);
        return;
      }
      from = chain.size() - 1;
      next = target;
    }
  }

  // ----- validating one file's settings

  const std::vector<std::string>& children(const std::string& prefix) const {
    static const std::vector<std::string> none;
    const auto it = children_.find(prefix);
    return it == children_.end() ? none : it->second;
  }

  std::string group_expected(const std::string& group) const {
    return "a group of settings: " + list_words(children(group), 12);
  }

  std::string unknown_key_advice(const std::string& prefix, const std::string& key,
                                 const std::string& full) const {
    // Dotted keys ("overdose.fatality: 0.05") name a real setting but are not read.
    if (key.find('.') != std::string::npos &&
        (table_.find(full) || groups_.count(full) != 0)) {
      const auto dot = key.find('.');
      return fmt::format("write it nested: '{}:' and, indented on the next line, '{}: ...'",
                         key.substr(0, dot), key.substr(dot + 1));
    }
    std::size_t best = std::numeric_limits<std::size_t>::max();
    std::vector<std::string> found;
    auto consider = [&](std::size_t d, const std::string& path) {
      if (d < best) {
        best = d;
        found.clear();
      }
      if (d == best && std::find(found.begin(), found.end(), path) == found.end()) {
        found.push_back(path);
      }
    };
    // 1. Siblings at this level.
    for (const auto& c : children(prefix)) {
      const auto d = edit_distance(key, c);
      if (d <= closeness_threshold(key)) consider(d, join(prefix, c));
    }
    // 2. Every declared path (settings and groups), whole.
    for (const auto& p : all_paths_) {
      const auto d = edit_distance(full, p);
      if (d <= closeness_threshold(full)) consider(d, p);
    }
    // 3. A setting or group of that name elsewhere (put under the wrong group).
    for (const auto& p : all_paths_) {
      const auto dot = p.rfind('.');
      const std::string last = dot == std::string::npos ? p : p.substr(dot + 1);
      const auto d = edit_distance(key, last);
      if (d <= closeness_threshold(key)) consider(d + 1, p);  // siblings win ties
    }
    if (!found.empty()) {
      if (found.size() > 3) found.resize(3);
      return did_you_mean(found);
    }
    const auto& kids = children(prefix);
    if (kids.size() <= 12) {
      return fmt::format("valid {} here: {}", prefix.empty() ? "sections" : "settings",
                         list_words(kids, 12));
    }
    return "run 'averted params' to list every setting";
  }

  void walk_map(const YAML::Node& map, const std::string& prefix, Scenario& scenario, bool top) {
    std::map<std::string, int> seen;
    for (const auto& kv : map) {
      const YAML::Node& k = kv.first;
      const YAML::Node& v = kv.second;
      const int line = line_of(k);
      if (!k.IsScalar()) {
        error_here(line, prefix, as_written(k), "a setting name", "",
                   "a key must be a plain name");
        continue;
      }
      const std::string key = k.Scalar();
      const std::string path = join(prefix, key);
      if (const auto s = seen.find(key); s != seen.end()) {
        error_here(line, path, "", "each setting once in a group",
                   fmt::format("delete one of them (first at line {})", s->second),
                   fmt::format("'{}' is set twice", key));
        continue;
      }
      seen.emplace(key, line);
      if (top && key == "extends") continue;  // followed by read_chain
      if (key.empty() || key.find('.') != std::string::npos) {
        // Dotted keys are not read: each level is its own map (the advice says how).
        error_here(line, path, key, "", unknown_key_advice(prefix, key, path),
                   fmt::format("unknown setting '{}'", key));
        continue;
      }
      if (const ParamSpec* spec = table_.find(path)) {
        set_leaf(*spec, v, line, scenario);
      } else if (groups_.count(path) != 0) {
        if (v.IsMap()) {
          walk_map(v, path, scenario, false);
        } else if (!v.IsNull()) {  // an empty group (all settings commented out) is fine
          std::string advice = fmt::format(
              "'{}' is a group: put its settings on indented lines below '{}:'", path, key);
          if (v.IsScalar()) {
            const auto colon = v.Scalar().find(':');
            if (colon != std::string::npos && colon + 1 < v.Scalar().size() &&
                v.Scalar()[colon + 1] != ' ') {
              advice = "put a space after the ':' in '" + v.Scalar() + "'";
            }
          }
          error_here(v.IsScalar() ? line_of(v) : line, path, as_written(v), group_expected(path),
                     advice);
        }
      } else {
        error_here(line, path, key, "", unknown_key_advice(prefix, key, path),
                   fmt::format("unknown {} '{}'", v.IsMap() ? "section" : "setting", key));
      }
    }
  }

  bool check_range(const ParamSpec& spec, double x, int line, const std::string& path,
                   const std::string& raw, const std::string& expected) {
    if (x < spec.min || x > spec.max) {
      error_here(line, path, raw, expected, range_advice(x, spec));
      return false;
    }
    return true;
  }

  void set_leaf(const ParamSpec& spec, const YAML::Node& v, int key_line, Scenario& scenario) {
    const std::string& path = spec.path;
    // Errors about a scalar name the line it is on; others the key's line.
    const int line = v.IsDefined() && v.IsScalar() ? line_of(v) : key_line;
    const std::string expected = describe_expected(spec);
    if (!v.IsDefined() || v.IsNull()) {
      error_here(line, path, "", expected,
                 fmt::format("give a value, or delete the line to keep the default ({})",
                             format_value(spec, spec.default_value)));
      return;
    }
    if (v.IsSequence()) {
      error_here(line, path, as_written(v), expected,
                 spec.type == ParamType::Series
                     ? "write a map of key: value pairs in braces, not a list in brackets"
                     : "a list is not allowed here: give a single value");
      return;
    }
    const bool has_distribution_key = v.IsMap() && v["distribution"].IsDefined();
    if (has_distribution_key && spec.type != ParamType::Real) {
      error_here(key_line, path, as_written(v), expected,
                 spec.type == ParamType::Series
                     ? "a distribution is allowed on single-number settings only, not on a series"
                     : fmt::format("a distribution is allowed on number settings only; this one is {}",
                                   to_string(spec.type)),
                 "a distribution cannot be given here");
      return;
    }
    if (v.IsMap() && spec.type == ParamType::Real && (has_distribution_key || v["source"].IsDefined())) {
      read_distribution(spec, v, key_line, scenario);
      return;
    }
    if (v.IsMap() && spec.type != ParamType::Series) {
      error_here(line, path, as_written(v), expected,
                 fmt::format("'{}' is a single setting, not a group", path));
      return;
    }
    const Origin origin{current_->display, key_line};
    if (spec.type == ParamType::Series) {
      if (auto s = read_series(spec, v, line)) scenario.set(path, std::move(*s), origin);
      return;
    }
    const std::string raw = v.Scalar();
    switch (spec.type) {
      case ParamType::Real: {
        auto x = parse_real(raw);
        // A setting measured in calendar years (a lever's start or end) may be a date.
        if (int y = 0, m = 0, d = 0, n = 0; !x && spec.unit == "calendar year" &&
                                            std::sscanf(raw.c_str(), "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 &&
                                            n == static_cast<int>(raw.size())) {
          if (const double year = decimal_year(y, m, d); !std::isnan(year)) x = year;
        }
        if (!x) {
          error_here(line, path, raw, expected, number_advice(raw, spec));
          return;
        }
        if (check_range(spec, *x, line, path, raw, expected)) scenario.set(path, *x, origin);
        return;
      }
      case ParamType::Integer: {
        const auto i = parse_integer(raw);
        if (!i) {
          std::string advice = number_advice(raw, spec);
          if (const auto x = parse_real(raw); advice.empty() && x) {
            advice = *x == std::floor(*x) ? "the number is too large" : "use a whole number";
          }
          error_here(line, path, raw, expected, advice);
          return;
        }
        if (check_range(spec, static_cast<double>(*i), line, path, raw, expected)) {
          scenario.set(path, *i, origin);
        }
        return;
      }
      case ParamType::Boolean: {
        if (raw == "true" || raw == "false") {
          scenario.set(path, raw == "true", origin);
        } else {
          error_here(line, path, raw, expected, bool_advice(raw));
        }
        return;
      }
      case ParamType::Choice: {
        if (std::find(spec.choices.begin(), spec.choices.end(), raw) != spec.choices.end()) {
          scenario.set(path, raw, origin);
          return;
        }
        std::vector<std::string> close;
        std::size_t best = closeness_threshold(raw) + 1;
        for (const auto& c : spec.choices) {
          const auto d = edit_distance(raw, c);
          if (d < best) {
            best = d;
            close.clear();
          }
          if (d == best) close.push_back(c);
        }
        error_here(line, path, raw, expected, close.empty() ? std::string() : did_you_mean(close));
        return;
      }
      case ParamType::Text: scenario.set(path, raw, origin); return;
      case ParamType::Series: return;  // handled above
    }
  }

  // {distribution: beta, mean: 0.067, sd: 0.01, source: "..."} on a number setting.
  void read_distribution(const ParamSpec& spec, const YAML::Node& v, int key_line, Scenario& scenario) {
    const std::string& path = spec.path;
    const std::string expected_map =
        "a number, or a distribution such as {distribution: beta, mean: 0.067, sd: 0.01, "
        "source: \"...\"}";
    std::optional<Distribution::Kind> kind;
    std::string source;
    bool has_source = false, ok = true;
    std::vector<std::pair<std::string, double>> given;
    std::map<std::string, int> lines;
    for (const auto& kv : v) {
      const int kline = line_of(kv.first);
      if (!kv.first.IsScalar()) {
        error_here(kline, path, as_written(kv.first), expected_map, "", "a key must be a plain name");
        ok = false;
        continue;
      }
      const std::string key = kv.first.Scalar();
      const std::string kpath = path + "." + key;
      lines[key] = kline;
      const YAML::Node& val = kv.second;
      const int vline = val.IsDefined() && val.IsScalar() ? line_of(val) : kline;
      if (!val.IsDefined() || val.IsNull() || !val.IsScalar()) {
        error_here(vline, kpath, as_written(val),
                   key == "distribution" ? "one of: " + list_words(distribution_kinds(), 10)
                   : key == "source"     ? std::string("text naming the source")
                                         : std::string("a number"),
                   "give a single value after the ':'");
        ok = false;
        continue;
      }
      const std::string raw = val.Scalar();
      if (key == "distribution") {
        const auto& kinds = distribution_kinds();
        const auto it = std::find(kinds.begin(), kinds.end(), raw);
        if (it == kinds.end()) {
          std::vector<std::string> close;
          for (const auto& k : kinds) {
            if (edit_distance(raw, k) <= closeness_threshold(raw)) close.push_back(k);
          }
          error_here(vline, kpath, raw, "one of: " + list_words(kinds, 10),
                     close.empty() ? std::string() : did_you_mean(close));
          ok = false;
        } else {
          kind = static_cast<Distribution::Kind>(it - kinds.begin());
        }
      } else if (key == "source") {
        source = trimmed(raw);
        has_source = true;
      } else {
        const auto x = parse_real(raw);
        if (!x) {
          error_here(vline, kpath, raw, "a number", number_advice(raw, spec));
          ok = false;
          continue;
        }
        given.emplace_back(key, *x);
      }
    }
    if (!kind) {
      if (ok) {
        error_here(key_line, path, as_written(v), expected_map,
                   "say which: distribution: " + list_words(distribution_kinds(), 10),
                   "the kind of distribution is missing");
      }
      return;
    }
    if (!has_source || source.empty()) {
      error_here(key_line, path, as_written(v), expected_map,
                 "add source: \"...\" naming the study or data the distribution comes from",
                 "the distribution has no source");
      ok = false;
    }
    if (!ok) return;  // the distribution cannot be judged from values that did not read
    Distribution d;
    std::string problem, bad_key, advice;
    if (!make_distribution(spec, *kind, given, d, problem, bad_key, advice)) {
      const auto where = lines.find(bad_key);
      std::string value;
      for (const auto& [k, x] : given) {
        if (k == bad_key) value = format_number(x);
      }
      error_here(where == lines.end() ? key_line : where->second,
                 bad_key.empty() ? path : path + "." + bad_key,
                 bad_key.empty() ? as_written(v) : value,
                 fmt::format("a {} distribution given by {}, for {}", to_string(*kind),
                             describe_forms(*kind), describe_expected(spec)),
                 advice, problem);
      return;
    }
    d.source = source;
    scenario.set_distribution(path, std::move(d), Origin{current_->display, key_line});
  }

  // A series key as written: a number or (calendar keys) a date YYYY-MM-DD.
  std::optional<double> read_series_key(const ParamSpec& spec, const std::string& raw,
                                        int line, const std::string& entry_path) {
    if (const auto x = parse_real(raw)) {
      if (*x < spec.key_min || *x > spec.key_max) {
        error_here(line, entry_path, raw, describe_series_key(spec), "");
        return std::nullopt;
      }
      return x;
    }
    // Dates: YYYY-M-D with 1-2 digit month and day.
    int y = 0, m = 0, d = 0;
    const char* p = raw.data();
    const char* end = raw.data() + raw.size();
    auto num = [&](int& out, int min_digits, int max_digits) {
      const char* start = p;
      const auto r = std::from_chars(p, end, out);
      if (r.ec != std::errc() || r.ptr - start < min_digits || r.ptr - start > max_digits) {
        return false;
      }
      p = r.ptr;
      return true;
    };
    const bool date_shape = num(y, 4, 4) && p != end && *p++ == '-' && num(m, 1, 2) && p != end &&
                            *p++ == '-' && num(d, 1, 2) && p == end;
    if (date_shape) {
      if (!series_allows_dates(spec)) {
        error_here(line, entry_path, raw, describe_series_key(spec), "dates are not keys here");
        return std::nullopt;
      }
      const double x = decimal_year(y, m, d);
      if (std::isnan(x)) {
        std::string advice;
        if (m < 1 || m > 12) {
          advice = fmt::format("there is no month {}: dates are written year-month-day", m);
        } else {
          advice = fmt::format("that month has no day {}", d);
        }
        error_here(line, entry_path, raw, "a real date written YYYY-MM-DD", advice);
        return std::nullopt;
      }
      if (x < spec.key_min || x > spec.key_max) {
        error_here(line, entry_path, raw, describe_series_key(spec), "");
        return std::nullopt;
      }
      return x;
    }
    std::string advice;
    if (series_allows_dates(spec)) {
      if (raw.find('/') != std::string::npos || raw.find('.') != std::string::npos ||
          (raw.find('-') != std::string::npos)) {
        advice = "write dates as YYYY-MM-DD, e.g. 2026-04-01";
      }
    }
    error_here(line, entry_path, raw, describe_series_key(spec), advice);
    return std::nullopt;
  }

  std::optional<Series> read_series(const ParamSpec& spec, const YAML::Node& v, int line) {
    const std::string& path = spec.path;
    Series s;
    s.interp = spec.interp;
    if (v.IsScalar()) {  // a constant
      const std::string raw = v.Scalar();
      const auto x = parse_real(raw);
      if (!x) {
        error_here(line, path, raw, describe_expected(spec), number_advice(raw, spec));
        return std::nullopt;
      }
      if (!check_range(spec, *x, line, path, raw, describe_expected(spec))) return std::nullopt;
      s.keys.push_back(std::isfinite(spec.key_min) ? spec.key_min : 0.0);
      s.values.push_back(*x);
      return s;
    }
    if (v.size() == 0) {
      error_here(line, path, "{}", describe_expected(spec), "give at least one key: value pair");
      return std::nullopt;
    }
    bool ok = true;
    std::map<std::string, int> seen;
    double prev = -std::numeric_limits<double>::infinity();
    std::string prev_raw;
    for (const auto& kv : v) {
      const int kline = line_of(kv.first);
      if (!kv.first.IsScalar()) {
        error_here(kline, path, as_written(kv.first), describe_series_key(spec), "");
        ok = false;
        continue;
      }
      const std::string kraw = kv.first.Scalar();
      const std::string entry = path + "[" + kraw + "]";
      if (const auto d = seen.find(kraw); d != seen.end()) {
        error_here(kline, path, "", "each key once",
                   fmt::format("delete one of them (first at line {})", d->second),
                   fmt::format("key '{}' is listed twice", kraw));
        ok = false;
        continue;
      }
      seen.emplace(kraw, kline);
      const auto key = read_series_key(spec, kraw, kline, entry);
      if (!key) {
        ok = false;
      } else if (!(*key > prev)) {
        error_here(kline, path, kraw, "keys in increasing order, each once",
                   "list the keys from earliest to latest",
                   fmt::format("key '{}' comes after key '{}'", kraw, prev_raw));
        ok = false;
      } else {
        prev = *key;
        prev_raw = kraw;
      }
      const YAML::Node& val = kv.second;
      const std::string vexp = describe_value_expected(spec);
      if (!val.IsDefined() || val.IsNull()) {
        error_here(kline, entry, "", vexp, "give a value after the ':'");
        ok = false;
        continue;
      }
      if (!val.IsScalar()) {
        error_here(kline, entry, as_written(val), vexp, "");
        ok = false;
        continue;
      }
      const std::string vraw = val.Scalar();
      const auto x = parse_real(vraw);
      if (!x) {
        error_here(kline, entry, vraw, vexp, number_advice(vraw, spec));
        ok = false;
        continue;
      }
      if (!check_range(spec, *x, kline, entry, vraw, vexp)) {
        ok = false;
        continue;
      }
      if (key && ok) {
        s.keys.push_back(*key);
        s.values.push_back(*x);
      }
    }
    if (!ok) return std::nullopt;
    return s;
  }

  const ParamTable& table_;
  std::set<std::string, std::less<>> groups_;
  std::map<std::string, std::vector<std::string>, std::less<>> children_;
  std::vector<std::string> all_paths_;  // settings, then groups
  std::vector<ScenarioError> errors_;
  std::vector<fs::path> scenario_files_;  // base first
  const SourceFile* current_ = nullptr;
};

}  // namespace

Scenario load_scenario(const std::filesystem::path& path, const ParamTable& table) {
  Loader loader(table);
  std::vector<fs::path> files;
  Scenario s = loader.load(path, files);
  s.files_ = std::move(files);
  return s;
}

}  // namespace averted
