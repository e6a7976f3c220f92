#include "report/h5_input.hpp"

#include "results/hdf5_handles.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace averted::report {
namespace {

using hdf5::Handle;
using hdf5::Silence;

std::size_t element_count(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank <= 0) return rank == 0 ? 1 : 0;
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}

// Reads every string of a dataset or attribute (variable- or fixed-length).
// `read(mem_type, buffer)` performs the H5Dread / H5Aread.
template <class Read>
std::optional<std::vector<std::string>> read_strings(hid_t type, hid_t space, Read read) {
  if (H5Tget_class(type) != H5T_STRING) return std::nullopt;
  const std::size_t n = element_count(space);
  std::vector<std::string> out;
  if (H5Tis_variable_str(type) > 0) {
    const Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id, H5T_VARIABLE);
    H5Tset_cset(mem.id, H5T_CSET_UTF8);
    std::vector<char*> buf(n, nullptr);
    if (n && read(mem.id, buf.data()) < 0) return std::nullopt;
    for (char* s : buf) out.emplace_back(s ? s : "");
    const hsize_t count = n;
    const Handle flat(H5Screate_simple(1, &count, nullptr), H5Sclose);
    if (n) H5Dvlen_reclaim(mem.id, flat.id, H5P_DEFAULT, buf.data());
  } else {
    const std::size_t size = H5Tget_size(type);
    const Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id, size);
    std::vector<char> buf(n * size + 1, '\0');
    if (n && read(mem.id, buf.data()) < 0) return std::nullopt;
    for (std::size_t i = 0; i < n; ++i) {
      std::string s(buf.data() + i * size, size);
      s.erase(s.find_last_not_of('\0') + 1);
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace

H5Input::H5Input(const std::filesystem::path& path) : path_(path) {
  Silence quiet;
  if (!std::filesystem::exists(path)) {
    throw std::runtime_error(fmt::format("{}: no such file; make one with `averted compare` "
                                         "(a .partial file is a comparison that has not finished)",
                                         path.string()));
  }
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error(fmt::format("{}: not an HDF5 file (cannot open it)", path.string()));
  file_ = f;
}

H5Input::~H5Input() {
  if (file_ >= 0) H5Fclose(static_cast<hid_t>(file_));
}

void H5Input::fail(const std::string& object, const std::string& problem) const {
  throw std::runtime_error(fmt::format("{}: {}: {}", path_.string(), object, problem));
}

bool H5Input::exists(const std::string& object) const {
  Silence quiet;
  if (object == "/") return true;
  // Every link along the path must exist before asking about the next one.
  std::size_t pos = 0;
  while ((pos = object.find('/', pos + 1)) != std::string::npos) {
    if (H5Lexists(static_cast<hid_t>(file_), object.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return H5Lexists(static_cast<hid_t>(file_), object.c_str(), H5P_DEFAULT) > 0;
}

std::vector<std::string> H5Input::members(const std::string& group) const {
  Silence quiet;
  const Handle g(H5Gopen2(static_cast<hid_t>(file_), group.c_str(), H5P_DEFAULT), H5Gclose);
  if (g.id < 0) fail(group, "no such group");
  H5G_info_t info;
  H5Gget_info(g.id, &info);
  std::vector<std::string> out;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    std::string name(static_cast<std::size_t>(len), '\0');
    H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size() + 1, H5P_DEFAULT);
    out.push_back(name);
  }
  return out;
}

namespace {

// Opens attribute `name` of `object`; -1 when either is absent.
hid_t open_attr(hid_t file, const std::string& object, const std::string& name) {
  if (H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT) <= 0) return -1;
  return H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
}

}  // namespace

std::vector<std::string> H5Input::text_list_attr(const std::string& object, const std::string& name) const {
  Silence quiet;
  if (!exists(object)) return {};
  const Handle a(open_attr(static_cast<hid_t>(file_), object, name), H5Aclose);
  if (a.id < 0) return {};
  const Handle type(H5Aget_type(a.id), H5Tclose);
  const Handle space(H5Aget_space(a.id), H5Sclose);
  auto v = read_strings(type.id, space.id, [&](hid_t mem, void* buf) { return H5Aread(a.id, mem, buf); });
  if (!v) fail(object, fmt::format("attribute '{}' is not text", name));
  return *v;
}

std::optional<std::string> H5Input::text_attr(const std::string& object, const std::string& name) const {
  Silence quiet;
  if (!exists(object)) return std::nullopt;
  const Handle a(open_attr(static_cast<hid_t>(file_), object, name), H5Aclose);
  if (a.id < 0) return std::nullopt;
  const auto v = text_list_attr(object, name);
  if (v.size() != 1) fail(object, fmt::format("attribute '{}' holds {} strings, expected one", name, v.size()));
  return v.front();
}

std::optional<double> H5Input::number_attr(const std::string& object, const std::string& name) const {
  Silence quiet;
  if (!exists(object)) return std::nullopt;
  const Handle a(open_attr(static_cast<hid_t>(file_), object, name), H5Aclose);
  if (a.id < 0) return std::nullopt;
  const Handle type(H5Aget_type(a.id), H5Tclose);
  const Handle space(H5Aget_space(a.id), H5Sclose);
  const auto cls = H5Tget_class(type.id);
  if ((cls != H5T_INTEGER && cls != H5T_FLOAT) || element_count(space.id) != 1) {
    fail(object, fmt::format("attribute '{}' is not a single number", name));
  }
  double x = 0;
  if (H5Aread(a.id, H5T_NATIVE_DOUBLE, &x) < 0) fail(object, fmt::format("cannot read attribute '{}'", name));
  return x;
}

std::vector<std::string> H5Input::texts(const std::string& dataset) const {
  Silence quiet;
  if (!exists(dataset)) fail(dataset, "no such dataset");
  const Handle d(H5Dopen2(static_cast<hid_t>(file_), dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id < 0) fail(dataset, "not a dataset");
  const Handle type(H5Dget_type(d.id), H5Tclose);
  const Handle space(H5Dget_space(d.id), H5Sclose);
  auto v = read_strings(type.id, space.id,
                        [&](hid_t mem, void* buf) { return H5Dread(d.id, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf); });
  if (!v) fail(dataset, "not a text dataset (or unreadable)");
  return *v;
}

std::string H5Input::text(const std::string& dataset) const {
  auto v = texts(dataset);
  if (v.size() != 1) fail(dataset, fmt::format("holds {} strings, expected one", v.size()));
  return v.front();
}

Array H5Input::numbers(const std::string& dataset) const {
  Silence quiet;
  if (!exists(dataset)) fail(dataset, "no such dataset");
  const Handle d(H5Dopen2(static_cast<hid_t>(file_), dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id < 0) fail(dataset, "not a dataset");
  const Handle type(H5Dget_type(d.id), H5Tclose);
  const auto cls = H5Tget_class(type.id);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) fail(dataset, "not numbers");
  const Handle space(H5Dget_space(d.id), H5Sclose);
  Array out;
  const int rank = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  out.shape.assign(dims.begin(), dims.end());
  out.values.resize(element_count(space.id));
  if (!out.values.empty() && H5Dread(d.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) < 0) {
    fail(dataset, "cannot read");
  }
  return out;
}

bool H5Input::is_integer(const std::string& dataset) const {
  Silence quiet;
  const Handle d(H5Dopen2(static_cast<hid_t>(file_), dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (d.id < 0) fail(dataset, "no such dataset");
  const Handle type(H5Dget_type(d.id), H5Tclose);
  return H5Tget_class(type.id) == H5T_INTEGER;
}

}  // namespace averted::report
