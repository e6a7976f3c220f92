#include "calibration/observed.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <hdf5.h>

#include "uncertainty/compare.hpp"
#include "uncertainty/results_reader.hpp"

namespace averted::calibration {
namespace {

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("results file: writing " + what + " failed");
}

hid_t checked(hid_t id, const std::string& what) {
  if (id < 0) throw std::runtime_error("results file: creating " + what + " failed");
  return id;
}

void attr_string(hid_t obj, const char* name, const std::string& value) {
  const hid_t t = checked(H5Tcopy(H5T_C_S1), "string type");
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  const hid_t s = checked(H5Screate(H5S_SCALAR), "dataspace");
  const hid_t a = checked(H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT), fmt::format("attribute '{}'", name));
  const char* p = value.c_str();
  check(H5Awrite(a, t, &p), fmt::format("attribute '{}'", name));
  H5Aclose(a), H5Sclose(s), H5Tclose(t);
}

void attr_int(hid_t obj, const char* name, int value) {
  const hid_t s = checked(H5Screate(H5S_SCALAR), "dataspace");
  const hid_t a = checked(H5Acreate2(obj, name, H5T_STD_I32LE, s, H5P_DEFAULT, H5P_DEFAULT), fmt::format("attribute '{}'", name));
  check(H5Awrite(a, H5T_NATIVE_INT, &value), fmt::format("attribute '{}'", name));
  H5Aclose(a), H5Sclose(s);
}

template <class T>
void dataset(hid_t group, const char* name, hid_t file_type, hid_t mem_type, const std::vector<hsize_t>& dims,
             const T* data) {
  const hid_t s = checked(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "dataspace");
  const hid_t d = checked(H5Dcreate2(group, name, file_type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                          fmt::format("dataset '{}'", name));
  check(H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), fmt::format("dataset '{}'", name));
  H5Dclose(d), H5Sclose(s);
}

void strings(hid_t group, const char* name, const std::vector<std::string>& values) {
  const hid_t t = checked(H5Tcopy(H5T_C_S1), "string type");
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  std::vector<const char*> p;
  for (const auto& v : values) p.push_back(v.c_str());
  dataset(group, name, t, t, {values.size()}, p.data());
  H5Tclose(t);
}

hid_t group(hid_t parent, const std::string& name) {
  return checked(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "group '" + name + "'");
}

}  // namespace

ObservedWriter::ObservedWriter(TargetSet targets, std::vector<TableSpec> tables, double population_scale,
                               std::uint32_t scenarios, CalibrationInfo info)
    : targets_(std::move(targets)), tables_(std::move(tables)), scale_(population_scale), scenarios_(scenarios),
      info_(std::move(info)) {
  check_against(targets_, tables_);
}

void ObservedWriter::add_run(std::uint32_t s, std::uint32_t d, std::uint32_t r, const RunOutputs& outputs) {
  auto values = counterparts(targets_, tables_, outputs, scale_);
  std::lock_guard lock(mutex_);
  runs_[{s, d, r}] = std::move(values);
}

void ObservedWriter::add_existing(const std::filesystem::path& partial) {
  if (!std::filesystem::exists(partial)) return;
  const ResultsReader reader(partial);
  for (std::uint32_t s = 0; s < reader.scenarios(); ++s) {
    for (std::uint32_t d = 0; d < reader.draws(); ++d) {
      for (std::uint32_t r = 0; r < reader.replicates(); ++r) {
        if (reader.done(s, d, r)) add_run(s, d, r, reader.read_run(tables_, s, d, r));
      }
    }
  }
}

ObservedWriter::Fit ObservedWriter::fit(std::uint32_t replicates) const {
  std::lock_guard lock(mutex_);
  Fit f;
  std::size_t offset = 0;
  for (const auto& t : targets_.targets) {
    const std::size_t n = t.years.size();
    std::vector<double> q(scenarios_ * 5 * n, std::numeric_limits<double>::quiet_NaN());
    for (std::uint32_t s = 0; s < scenarios_; ++s) {
      for (std::size_t k = 0; k < n; ++k) {
        std::vector<double> v;
        for (const auto& [key, values] : runs_) {
          if (std::get<0>(key) == s && std::get<2>(key) < replicates && std::isfinite(values[offset + k])) {
            v.push_back(values[offset + k]);
          }
        }
        if (v.empty()) continue;
        for (int p = 0; p < 5; ++p) q[(s * 5 + p) * n + k] = quantile(v, kReportedQuantiles[p]);
      }
    }
    double ape = 0;
    int years = 0, inside = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (info_.until_year > 0 && t.years[k] > info_.until_year) continue;
      const double med = q[2 * n + k], lo = q[k], hi = q[4 * n + k];
      if (!std::isfinite(med) || t.value[k] == 0) continue;
      ape += std::abs(med - t.value[k]) / std::abs(t.value[k]);
      inside += (t.value[k] >= lo && t.value[k] <= hi);
      ++years;
    }
    f.mape.push_back(years ? 100 * ape / years : std::numeric_limits<double>::quiet_NaN());
    f.coverage95.push_back(years ? static_cast<double>(inside) / years : std::numeric_limits<double>::quiet_NaN());
    f.n_years.push_back(years);
    f.quantiles.push_back(std::move(q));
    offset += n;
  }
  return f;
}

void ObservedWriter::write(ResultsFile& file, std::uint32_t replicates) const {
  const Fit f = fit(replicates);
  file.write_group([&](std::int64_t fid) {
    const hid_t observed = group(fid, "observed");
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < targets_.targets.size(); ++i) {
      const Target& t = targets_.targets[i];
      ids.push_back(t.id);
      const hid_t g = group(observed, t.id);
      attr_string(g, "label", t.label);
      attr_string(g, "unit", t.unit);
      attr_string(g, "source", t.source);
      attr_string(g, "geography", t.geography);
      attr_string(g, "mapping", t.mapping());
      attr_int(g, "primary", t.primary ? 1 : 0);
      attr_string(g, "likelihood", to_string(t.likelihood));
      const hsize_t n = t.years.size();
      std::vector<double> lower(n), upper(n);
      for (std::size_t k = 0; k < n; ++k) std::tie(lower[k], upper[k]) = t.interval(k);
      dataset(g, "year", H5T_STD_I32LE, H5T_NATIVE_INT, {n}, t.years.data());
      dataset(g, "value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {n}, t.value.data());
      dataset(g, "lower", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {n}, lower.data());
      dataset(g, "upper", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {n}, upper.data());
      dataset(g, "model_quantiles", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {scenarios_, 5, n}, f.quantiles[i].data());
      H5Gclose(g);
    }
    H5Gclose(observed);
    const hid_t c = group(fid, "calibration");
    attr_string(c, "method", info_.method);
    attr_string(c, "posterior", info_.posterior);
    attr_string(c, "posterior_hash", info_.posterior_hash);
    attr_int(c, "until_year", info_.until_year);
    attr_string(c, "targets_file", targets_.file.filename().string());
    attr_string(c, "targets_hash", targets_.hash);
    strings(c, "series", ids);
    dataset(c, "mape", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {ids.size()}, f.mape.data());
    dataset(c, "coverage95", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {ids.size()}, f.coverage95.data());
    dataset(c, "n_years", H5T_STD_I32LE, H5T_NATIVE_INT, {ids.size()}, f.n_years.data());
    H5Gclose(c);
  });
}

}  // namespace averted::calibration

