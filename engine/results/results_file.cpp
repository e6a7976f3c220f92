// HDF5 results file. Uses the HDF5 C API (the C++ API adds little here and hides the
// error stack). Every call on an open file is made under its Impl::mutex, with HDF5's
// automatic error printing switched off; failures become std::runtime_error naming the
// file and the reason.
// The layout is documented in docs/results-format.md: keep the two in step.
#include "results/results_file.hpp"

#include "results/hdf5_handles.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <utility>


namespace averted {

std::size_t TableSpec::size() const {
  std::size_t n = 1;
  for (const auto& d : dims) n *= d.labels.size();
  return n;
}

std::filesystem::path path_inside(const std::filesystem::path& folder, const std::filesystem::path& name) {
  namespace fs = std::filesystem;
  const auto refuse = [&](const std::string& why) {
    return std::runtime_error(fmt::format("output path '{}' is refused: {}; output stays inside '{}'",
                                          name.string(), why, folder.string()));
  };
  if (name.empty() || !name.has_filename()) throw refuse("it names no file");
  if (name.is_absolute() || name.has_root_name() || name.has_root_directory())
    throw refuse("it is an absolute path");
  for (const auto& part : name)
    if (part == "..") throw refuse("it goes up a folder ('..')");
  const fs::path joined = folder / name;
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(folder.empty() ? fs::path(".") : folder, ec);
  const fs::path real = fs::weakly_canonical(joined, ec);
  if (ec) throw refuse("it cannot be resolved: " + ec.message());
  const auto [a, b] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
  if (a != base.end() || b == real.end())
    throw refuse(fmt::format("it leads to '{}' through a symbolic link", real.string()));
  return joined;
}

std::filesystem::path partial_path_for(const std::filesystem::path& final_path) {
  auto p = final_path;
  p += ".partial";
  return p;
}

namespace {

namespace fs = std::filesystem;

// Calls renamed in HDF5 1.12.
herr_t reclaim_vlen(hid_t type, hid_t space, hid_t plist, void* buf) {
#if H5_VERSION_GE(1, 12, 0)
  return H5Treclaim(type, space, plist, buf);
#else
  return H5Dvlen_reclaim(type, space, plist, buf);
#endif
}
htri_t is_hdf5_file(const char* path) {
#if H5_VERSION_GE(1, 12, 0)
  return H5Fis_accessible(path, H5P_DEFAULT);
#else
  return H5Fis_hdf5(path);
#endif
}

// After a write fails (a full disk), HDF5 1.10 can be left with objects whose close
// failed, and its clean-up at exit then crashes closing them again (found by
// tests/hardening). Every file this code writes is closed (or discarded) explicitly,
// so that clean-up has nothing to do: skip it. Runs before main, before HDF5 starts.
[[maybe_unused]] const bool kNoHdf5AtExit = (H5dont_atexit(), true);

constexpr unsigned kGzipLevel = 4;  // see docs/results-format.md ("Compression")
constexpr const char* kLeading[3] = {"scenario", "draw", "replicate"};

// ---- HDF5 plumbing -------------------------------------------------------------


// The most specific message on the current HDF5 error stack ("" if none).
std::string hdf5_error_text() {
  struct Acc {
    std::string desc, minor;
  } acc;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
        auto* a = static_cast<Acc*>(data);
        if (e->desc && *e->desc) a->desc = e->desc;
        char buf[256] = {0};
        if (H5Eget_msg(e->min_num, nullptr, buf, sizeof buf) > 0) a->minor = buf;
        return 0;
      },
      &acc);
  if (acc.desc.empty()) return acc.minor;
  if (acc.minor.empty() || acc.desc.find(acc.minor) != std::string::npos) return acc.desc;
  return acc.desc + " (" + acc.minor + ")";
}

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  const std::string detail = hdf5_error_text();
  throw std::runtime_error(fmt::format("results file '{}': {}{}", file.string(), what,
                                       detail.empty() ? "" : ": HDF5 says: " + detail));
}

// Owns one HDF5 identifier.
class Hid {
 public:
  using Closer = herr_t (*)(hid_t);
  Hid() = default;
  Hid(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Hid& operator=(Hid&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  ~Hid() { reset(); }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }
  // Closes, reporting failure (reset() ignores it: for destructors).
  bool close() {
    herr_t r = 0;
    if (id_ >= 0 && closer_) r = closer_(id_);
    id_ = H5I_INVALID_HID;
    return r >= 0;
  }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: for passing to the C API
  explicit operator bool() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Context for error messages: every helper takes the path of the file being written.
struct H5 {
  fs::path file;

  Hid check(hid_t id, Hid::Closer closer, const std::string& what) const {
    if (id < 0) fail(file, what);
    return Hid(id, closer);
  }
  void check(herr_t r, const std::string& what) const {
    if (r < 0) fail(file, what);
  }

  Hid vstr_type(bool utf8 = true) const {
    Hid t = check(H5Tcopy(H5T_C_S1), H5Tclose, "copying string type");
    check(H5Tset_size(t, H5T_VARIABLE), "making string type");
    check(H5Tset_cset(t, utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII), "making string type");
    return t;
  }
  Hid fixed_str_type(std::size_t size) const {  // ASCII, null-terminated (H5DS CLASS/NAME)
    Hid t = check(H5Tcopy(H5T_C_S1), H5Tclose, "copying string type");
    check(H5Tset_size(t, size), "making string type");
    check(H5Tset_strpad(t, H5T_STR_NULLTERM), "making string type");
    return t;
  }
  Hid scalar_space() const { return check(H5Screate(H5S_SCALAR), H5Sclose, "creating dataspace"); }
  Hid simple_space(const std::vector<hsize_t>& dims) const {
    if (dims.empty()) return scalar_space();
    return check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
                 "creating dataspace");
  }

  Hid create_group(hid_t loc, const std::string& name) const {
    return check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                 fmt::format("creating group '{}'", name));
  }
  Hid open_group(hid_t loc, const std::string& name) const {
    return check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose,
                 fmt::format("opening group '{}'", name));
  }
  Hid open_dataset(hid_t loc, const std::string& name) const {
    return check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose,
                 fmt::format("opening dataset '{}'", name));
  }
  bool exists(hid_t loc, const std::string& path) const {
    // H5Lexists fails (rather than returning 0) if an intermediate group is missing.
    std::string prefix;
    std::size_t start = 0;
    while (start <= path.size()) {
      const auto slash = path.find('/', start);
      prefix = path.substr(0, slash);
      if (!prefix.empty() && prefix != "/") {
        const htri_t r = H5Lexists(loc, prefix.c_str(), H5P_DEFAULT);
        if (r <= 0) return false;
      }
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    return true;
  }

  // ---- attributes ----
  void write_attr_string(hid_t obj, const char* name, const std::string& value) const {
    Hid t = vstr_type();
    Hid s = scalar_space();
    Hid a = check(H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                  fmt::format("creating attribute '{}'", name));
    const char* p = value.c_str();
    check(H5Awrite(a, t, &p), fmt::format("writing attribute '{}'", name));
  }
  void write_attr_strings(hid_t obj, const char* name, const std::vector<std::string>& values,
                          bool utf8 = true) const {
    Hid t = vstr_type(utf8);
    Hid s = simple_space({static_cast<hsize_t>(values.size())});
    if (H5Aexists(obj, name) > 0)
      check(H5Adelete(obj, name), fmt::format("replacing attribute '{}'", name));
    Hid a = check(H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                  fmt::format("creating attribute '{}'", name));
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    check(H5Awrite(a, t, ptrs.data()), fmt::format("writing attribute '{}'", name));
  }
  void write_attr_fixed_string(hid_t obj, const char* name, const std::string& value) const {
    Hid t = fixed_str_type(value.size() + 1);
    Hid s = scalar_space();
    Hid a = check(H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                  fmt::format("creating attribute '{}'", name));
    check(H5Awrite(a, t, value.c_str()), fmt::format("writing attribute '{}'", name));
  }
  template <typename T>
  void write_attr_scalar(hid_t obj, const char* name, hid_t file_type, hid_t mem_type,
                         T value) const {
    Hid s = scalar_space();
    Hid a;
    if (H5Aexists(obj, name) > 0) {
      a = check(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose,
                fmt::format("opening attribute '{}'", name));
    } else {
      a = check(H5Acreate2(obj, name, file_type, s, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                fmt::format("creating attribute '{}'", name));
    }
    check(H5Awrite(a, mem_type, &value), fmt::format("writing attribute '{}'", name));
  }

  // Reads a string attribute (scalar or 1-D; variable or fixed length) as strings.
  std::vector<std::string> read_attr_strings(hid_t obj, const char* name) const {
    Hid a = check(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose,
                  fmt::format("opening attribute '{}'", name));
    Hid ft = check(H5Aget_type(a), H5Tclose, "reading attribute type");
    if (H5Tget_class(ft) != H5T_STRING)
      fail(file, fmt::format("attribute '{}' is not a string", name));
    Hid sp = check(H5Aget_space(a), H5Sclose, "reading attribute space");
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp));
    std::vector<std::string> out;
    if (H5Tis_variable_str(ft) > 0) {
      Hid mt = vstr_type();
      std::vector<char*> buf(n, nullptr);
      check(H5Aread(a, mt, buf.data()), fmt::format("reading attribute '{}'", name));
      for (auto* p : buf) out.emplace_back(p ? p : "");
      reclaim_vlen(mt, sp, H5P_DEFAULT, buf.data());
    } else {
      const std::size_t sz = H5Tget_size(ft);
      Hid mt = fixed_str_type(sz);
      std::vector<char> buf(n * sz + 1, '\0');
      check(H5Aread(a, mt, buf.data()), fmt::format("reading attribute '{}'", name));
      for (std::size_t i = 0; i < n; ++i)
        out.emplace_back(buf.data() + i * sz, strnlen(buf.data() + i * sz, sz));
    }
    return out;
  }
  std::string read_attr_string(hid_t obj, const char* name) const {
    auto v = read_attr_strings(obj, name);
    if (v.size() != 1) fail(file, fmt::format("attribute '{}' is not a single string", name));
    return v[0];
  }
  std::int64_t read_attr_int(hid_t obj, const char* name) const {
    Hid a = check(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose,
                  fmt::format("opening attribute '{}'", name));
    std::int64_t v = 0;
    check(H5Aread(a, H5T_NATIVE_INT64, &v), fmt::format("reading attribute '{}'", name));
    return v;
  }

  // ---- string datasets ----
  Hid write_string_dataset(hid_t loc, const std::string& name,
                           const std::vector<std::string>& values, bool scalar = false) const {
    Hid t = vstr_type();
    Hid s = scalar ? scalar_space() : simple_space({static_cast<hsize_t>(values.size())});
    Hid d = check(H5Dcreate2(loc, name.c_str(), t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                  H5Dclose, fmt::format("creating dataset '{}'", name));
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    if (!ptrs.empty())
      check(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
            fmt::format("writing dataset '{}'", name));
    return d;
  }
  std::vector<std::string> read_string_dataset(hid_t loc, const std::string& name) const {
    Hid d = open_dataset(loc, name);
    Hid ft = check(H5Dget_type(d), H5Tclose, "reading dataset type");
    if (H5Tget_class(ft) != H5T_STRING || H5Tis_variable_str(ft) <= 0)
      fail(file, fmt::format("dataset '{}' is not a variable-length string dataset", name));
    Hid sp = check(H5Dget_space(d), H5Sclose, "reading dataset space");
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp));
    Hid mt = vstr_type();
    std::vector<char*> buf(n, nullptr);
    std::vector<std::string> out;
    if (n == 0) return out;
    check(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()),
          fmt::format("reading dataset '{}'", name));
    for (auto* p : buf) out.emplace_back(p ? p : "");
    reclaim_vlen(mt, sp, H5P_DEFAULT, buf.data());
    return out;
  }

  hobj_ref_t ref_to(hid_t file_id, const std::string& path) const {
    hobj_ref_t r{};
    check(H5Rcreate(&r, file_id, path.c_str(), H5R_OBJECT, -1),
          fmt::format("referencing '{}'", path));
    return r;
  }
};

// ---- dimension scales (HDF5 Dimension Scale specification, as H5DS writes them) ---
// Written by hand so that the engine needs only libhdf5, not libhdf5_hl. h5py's
// Dataset.dims, HDFView, netCDF-aware and H5DS-based readers understand them.

struct DsListEntry {  // layout of one REFERENCE_LIST element, as in H5DS
  hobj_ref_t ref;
  unsigned int dim_idx;
};

Hid ref_list_type(const H5& h5) {
  Hid t = h5.check(H5Tcreate(H5T_COMPOUND, sizeof(DsListEntry)), H5Tclose,
                   "creating REFERENCE_LIST type");
  h5.check(H5Tinsert(t, "dataset", HOFFSET(DsListEntry, ref), H5T_STD_REF_OBJ),
           "creating REFERENCE_LIST type");
  h5.check(H5Tinsert(t, "dimension", HOFFSET(DsListEntry, dim_idx), H5T_NATIVE_INT),
           "creating REFERENCE_LIST type");
  return t;
}

// Marks a 1-D dataset as a dimension scale named `dim_name`.
void make_scale(const H5& h5, hid_t scale, const std::string& dim_name) {
  h5.write_attr_fixed_string(scale, "CLASS", "DIMENSION_SCALE");
  h5.write_attr_fixed_string(scale, "NAME", dim_name);
}

// Removes a scale's back-references to the dataset `target` (before it is deleted).
void remove_scale_refs(const H5& h5, hid_t scale, hobj_ref_t target) {
  if (H5Aexists(scale, "REFERENCE_LIST") <= 0) return;
  Hid t = ref_list_type(h5);
  std::vector<DsListEntry> all;
  {
    Hid a =
        h5.check(H5Aopen(scale, "REFERENCE_LIST", H5P_DEFAULT), H5Aclose, "opening REFERENCE_LIST");
    Hid sp = h5.check(H5Aget_space(a), H5Sclose, "reading REFERENCE_LIST");
    all.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp)));
    if (!all.empty()) h5.check(H5Aread(a, t, all.data()), "reading REFERENCE_LIST");
  }
  std::vector<DsListEntry> keep;
  for (const auto& e : all)
    if (e.ref != target) keep.push_back(e);
  if (keep.size() == all.size()) return;
  h5.check(H5Adelete(scale, "REFERENCE_LIST"), "replacing REFERENCE_LIST");
  if (keep.empty()) return;
  Hid sp = h5.simple_space({static_cast<hsize_t>(keep.size())});
  Hid a = h5.check(H5Acreate2(scale, "REFERENCE_LIST", t, sp, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                   "creating REFERENCE_LIST");
  h5.check(H5Awrite(a, t, keep.data()), "writing REFERENCE_LIST");
}

// Adds back-references (dataset, dimension) to a scale's REFERENCE_LIST.
void append_scale_refs(const H5& h5, hid_t scale, const std::vector<DsListEntry>& add) {
  if (add.empty()) return;
  Hid t = ref_list_type(h5);
  std::vector<DsListEntry> all;
  if (H5Aexists(scale, "REFERENCE_LIST") > 0) {
    Hid a =
        h5.check(H5Aopen(scale, "REFERENCE_LIST", H5P_DEFAULT), H5Aclose, "opening REFERENCE_LIST");
    Hid sp = h5.check(H5Aget_space(a), H5Sclose, "reading REFERENCE_LIST");
    all.resize(static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp)));
    if (!all.empty()) h5.check(H5Aread(a, t, all.data()), "reading REFERENCE_LIST");
    a.reset();
    h5.check(H5Adelete(scale, "REFERENCE_LIST"), "replacing REFERENCE_LIST");
  }
  all.insert(all.end(), add.begin(), add.end());
  Hid sp = h5.simple_space({static_cast<hsize_t>(all.size())});
  Hid a = h5.check(H5Acreate2(scale, "REFERENCE_LIST", t, sp, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                   "creating REFERENCE_LIST");
  h5.check(H5Awrite(a, t, all.data()), "writing REFERENCE_LIST");
}

// Attaches one scale per dimension of `dset` (DIMENSION_LIST) and names the dimensions
// (DIMENSION_LABELS). The scales' REFERENCE_LISTs are updated by the caller.
void attach_scales(const H5& h5, hid_t dset, const std::vector<hobj_ref_t>& scale_refs,
                   const std::vector<std::string>& dim_names) {
  Hid vt = h5.check(H5Tvlen_create(H5T_STD_REF_OBJ), H5Tclose, "creating DIMENSION_LIST type");
  std::vector<hobj_ref_t> refs = scale_refs;
  std::vector<hvl_t> vl(refs.size());
  for (std::size_t i = 0; i < refs.size(); ++i) vl[i] = hvl_t{1, &refs[i]};
  Hid sp = h5.simple_space({static_cast<hsize_t>(refs.size())});
  Hid a = h5.check(H5Acreate2(dset, "DIMENSION_LIST", vt, sp, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                   "creating DIMENSION_LIST");
  h5.check(H5Awrite(a, vt, vl.data()), "writing DIMENSION_LIST");
  h5.write_attr_strings(dset, "DIMENSION_LABELS", dim_names, /*utf8=*/false);
}

// File access: closing the file closes everything in it (a safety net: every handle is
// closed explicitly before the file anyway).
Hid file_access_plist(const H5& h5) {
  Hid fapl = h5.check(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "creating file access property list");
  h5.check(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG), "setting file close degree");
  return fapl;
}

// ---- validation ------------------------------------------------------------------

void check_name(const std::string& what, const std::string& name) {
  if (name.empty()) throw std::runtime_error(fmt::format("{} has an empty name", what));
  if (name.find('/') != std::string::npos || name == "." || name == "..")
    throw std::runtime_error(fmt::format(
        "{} name '{}' cannot be used as an HDF5 name (contains '/' or is '.'/'..')", what, name));
}

void check_dims(const std::string& what, const std::vector<Dimension>& dims, bool allow_reserved) {
  std::set<std::string> names;
  for (const auto& d : dims) {
    check_name(fmt::format("a dimension of {}", what), d.name);
    if (!names.insert(d.name).second)
      throw std::runtime_error(fmt::format("{} has two dimensions named '{}'", what, d.name));
    if (!allow_reserved &&
        std::find(std::begin(kLeading), std::end(kLeading), d.name) != std::end(kLeading))
      throw std::runtime_error(
          fmt::format("{} has a dimension named '{}', which is reserved for the leading [scenario, "
                      "draw, replicate] axes",
                      what, d.name));
    if (d.labels.empty())
      throw std::runtime_error(fmt::format(
          "dimension '{}' of {} has no labels (every dimension needs at least one)", d.name, what));
    std::set<std::string> seen;
    for (const auto& l : d.labels)
      if (!seen.insert(l).second)
        throw std::runtime_error(
            fmt::format("dimension '{}' of {} has the label '{}' twice", d.name, what, l));
  }
}

std::string join(const std::vector<std::string>& v, std::size_t max_items = 8) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max_items; ++i)
    out += (i ? ", " : "") + ("'" + v[i] + "'");
  if (v.size() > max_items) out += fmt::format(", ... ({} in all)", v.size());
  return "[" + out + "]";
}

std::vector<std::string> index_labels(std::uint32_t n) {
  std::vector<std::string> v;
  v.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) v.push_back(std::to_string(i));
  return v;
}

// Refuses a partial file that another process (or another ResultsFile) has open for
// writing: HDF5 holds an exclusive flock() on files it writes. Checked before anything
// could truncate it.
void check_not_in_use(const fs::path& partial) {
  const int fd = ::open(partial.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // absent (or unreadable: reported later)
  const bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases our lock
  if (busy)
    throw std::runtime_error(
        fmt::format("results file '{}' is in use by another process (another run writing the "
                    "same output?)",
                    partial.string()));
}

void fsync_path(const fs::path& p, bool directory) {
  const int fd = ::open(p.c_str(), O_RDONLY | (directory ? O_DIRECTORY : 0));
  if (fd < 0) return;  // best effort: the data is already written
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

// ---- Impl -------------------------------------------------------------------------

struct ResultsFile::Impl {
  fs::path final_path, partial_path;
  ResultsLayout layout;
  H5 h5;
  bool resumed = false;
  bool finalized = false;
  bool abandoned = false;  // a write failed and the partial file was removed
  bool opened = false;     // create_new() opened (so may truncate) the partial file
  std::vector<std::uint8_t> done;  // [scenario][draw][replicate]
  mutable std::mutex mutex;
  // Order matters: datasets are closed before the file (reverse declaration order).
  Hid file;
  Hid done_ds;
  std::vector<Hid> tables;

  std::size_t run_index(std::uint32_t s, std::uint32_t d, std::uint32_t r) const {
    if (s >= layout.scenarios.size() || d >= layout.draws || r >= layout.replicates)
      throw std::out_of_range(fmt::format(
          "results file '{}': run (scenario {}, draw {}, replicate {}) is outside the layout "
          "({} scenarios x {} draws x {} replicates)",
          partial_path.string(), s, d, r, layout.scenarios.size(), layout.draws,
          layout.replicates));
    return (static_cast<std::size_t>(s) * layout.draws + d) * layout.replicates + r;
  }
  void require_open() const {
    if (abandoned)
      throw std::logic_error(fmt::format(
          "results file '{}' was abandoned after a write error", partial_path.string()));
    if (finalized)
      throw std::logic_error(
          fmt::format("results file '{}' is already finalized", final_path.string()));
    if (!file) throw std::logic_error("results file is not open");
  }

  std::vector<std::string> leading_labels(int axis) const {
    if (axis == 0) return layout.scenarios;
    return index_labels(axis == 1 ? layout.draws : layout.replicates);
  }

  // The labels stored at /dims/<name>, if any.
  bool stored_labels(const std::string& name, std::vector<std::string>& out) const {
    if (!h5.exists(file, "/dims/" + name)) return false;
    out = h5.read_string_dataset(file, "/dims/" + name);
    return true;
  }

  // After a failed write (a full disk, an I/O error): HDF5 1.10 files are not
  // journalled, so the file on disk may be inconsistent. It is closed and removed, so
  // no half-written result is left to be read or resumed; the final name was never
  // written. Returns what to add to the error message.
  std::string discard(bool remove_file = true) {
    // HDF5 flushes on close, which fails again on a full disk, and HDF5 1.10 then
    // crashes at exit closing the file a second time (found by tests/hardening). The
    // file is being thrown away, so its descriptor is pointed at /dev/null first:
    // the close succeeds, and nothing more reaches the disk.
    void* handle = nullptr;
    if (file && H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) >= 0 && handle != nullptr) {
      const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
      if (null_fd >= 0) {
        ::dup2(null_fd, *static_cast<int*>(handle));
        ::close(null_fd);
      }
    }
    tables.clear();
    done_ds.reset();
    file.reset();
    abandoned = true;
    if (!remove_file) return {};
    std::error_code ec;
    fs::remove(partial_path, ec);
    if (ec)
      return fmt::format("; the unfinished file '{}' could not be removed ({}): delete it",
                         partial_path.string(), ec.message());
    return fmt::format(
        "; the unfinished file '{}' was removed and nothing was written to '{}'",
        partial_path.string(), final_path.string());
  }

  void create_new(const Provenance& prov);
  void reopen(const Provenance& prov);
  void write_complete(int value) {
    h5.write_attr_scalar(file, "complete", H5T_STD_I32LE, H5T_NATIVE_INT, value);
  }
};

void ResultsFile::Impl::create_new(const Provenance& prov) {
  // Probe with POSIX first: errno gives a much clearer reason than HDF5's stack. No
  // O_TRUNC: check_not_in_use() has run, and H5Fcreate truncates.
  {
    // Never write through a symbolic link: a link planted at the partial path could
    // otherwise make the run truncate a file outside the output folder.
    const int fd = ::open(partial_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno == ELOOP)
      throw std::runtime_error(fmt::format(
          "cannot create results file '{}': it is a symbolic link; remove it (results are never "
          "written through a link)",
          partial_path.string()));
    if (fd < 0) {
      const int err = errno;
      throw std::runtime_error(fmt::format(
          "cannot create results file '{}': {} (the directory '{}' must be writable)",
          partial_path.string(), std::strerror(err),
          partial_path.has_parent_path() ? partial_path.parent_path().string() : std::string(".")));
    }
    opened = true;
    ::close(fd);
  }
  Hid fapl = file_access_plist(h5);
  file = h5.check(H5Fcreate(partial_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose,
                  "cannot create the HDF5 file");

  // Root attributes.
  h5.write_attr_string(file, "format", kResultsFormatName);
  h5.write_attr_scalar(file, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT,
                       kResultsFormatVersion);
  write_complete(0);
  h5.write_attr_string(file, "code_version", prov.code_version);
  h5.write_attr_string(file, "created_utc", prov.created_utc);
  h5.write_attr_string(file, "command_line", prov.command_line);
  h5.write_attr_string(file, "host", prov.host);
  h5.write_attr_scalar(file, "master_seed", H5T_STD_U32LE, H5T_NATIVE_UINT32, prov.master_seed);

  // /layout
  {
    Hid g = h5.create_group(file, "layout");
    h5.write_string_dataset(g, "scenarios", layout.scenarios);
    h5.write_attr_scalar(g, "scenarios", H5T_STD_U32LE, H5T_NATIVE_UINT32,
                         static_cast<std::uint32_t>(layout.scenarios.size()));
    h5.write_attr_scalar(g, "draws", H5T_STD_U32LE, H5T_NATIVE_UINT32, layout.draws);
    h5.write_attr_scalar(g, "replicates", H5T_STD_U32LE, H5T_NATIVE_UINT32, layout.replicates);
    std::vector<std::string> names;
    for (const auto& t : layout.tables) names.push_back(t.name);
    h5.write_string_dataset(g, "tables", names);
  }

  // /provenance
  {
    Hid g = h5.create_group(file, "provenance");
    h5.write_string_dataset(g, "step_plan", {prov.step_plan}, /*scalar=*/true);
    Hid sg = h5.create_group(g, "scenarios");
    for (std::size_t i = 0; i < layout.scenarios.size(); ++i) {
      Hid one = h5.create_group(sg, std::to_string(i));
      h5.write_attr_string(one, "name", layout.scenarios[i]);
      h5.write_string_dataset(one, "file", {prov.scenario_files[i]}, true);
      h5.write_string_dataset(one, "hash", {prov.scenario_hashes[i]}, true);
      h5.write_string_dataset(one, "merged_yaml", {prov.merged_yaml[i]}, true);
    }
  }

  // /dims: one shared label dataset per dimension name, each a dimension scale.
  Hid dims_g = h5.create_group(file, "dims");
  std::map<std::string, std::vector<DsListEntry>>
      backrefs;  // scale name -> attached (dataset, dim)
  std::map<std::string, hobj_ref_t> scale_ref;
  auto make_dim = [&](const std::string& name, const std::vector<std::string>& labels) {
    Hid d = h5.write_string_dataset(dims_g, name, labels);
    make_scale(h5, d, name);
    scale_ref[name] = h5.ref_to(file, "/dims/" + name);
  };
  for (int axis = 0; axis < 3; ++axis) make_dim(kLeading[axis], leading_labels(axis));
  for (const auto& t : layout.tables)
    for (const auto& d : t.dims)
      if (!scale_ref.count(d.name)) make_dim(d.name, d.labels);

  auto attach = [&](hid_t ds, const std::string& path, const std::vector<std::string>& dim_names) {
    std::vector<hobj_ref_t> refs;
    const hobj_ref_t self = h5.ref_to(file, path);
    for (std::size_t i = 0; i < dim_names.size(); ++i) {
      refs.push_back(scale_ref.at(dim_names[i]));
      backrefs[dim_names[i]].push_back(DsListEntry{self, static_cast<unsigned>(i)});
    }
    attach_scales(h5, ds, refs, dim_names);
  };
  const std::vector<std::string> leading(std::begin(kLeading), std::end(kLeading));
  std::vector<std::string> leading_paths;
  for (const auto& n : leading) leading_paths.push_back("/dims/" + n);
  const std::vector<hsize_t> run_shape = {layout.scenarios.size(), layout.draws, layout.replicates};

  // /runs/done
  {
    Hid g = h5.create_group(file, "runs");
    Hid sp = h5.simple_space(run_shape);
    Hid dcpl = h5.check(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "creating property list");
    const std::uint8_t zero = 0;
    h5.check(H5Pset_fill_value(dcpl, H5T_NATIVE_UINT8, &zero), "setting fill value");
    h5.check(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "setting allocation time");
    done_ds = h5.check(H5Dcreate2(g, "done", H5T_STD_U8LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                       H5Dclose, "creating /runs/done");
    h5.write_attr_string(done_ds, "description",
                         "1 when the run's data has been written to /results, else 0");
    h5.write_attr_strings(done_ds, "dims", leading);
    h5.write_attr_strings(done_ds, "dim_labels", leading_paths);
    attach(done_ds, "/runs/done", leading);
  }

  // /results/<table>
  Hid rg = h5.create_group(file, "results");
  for (const auto& t : layout.tables) {
    std::vector<hsize_t> shape = run_shape;
    std::vector<hsize_t> chunk = {1, 1, 1};
    std::vector<std::string> dim_names = leading;
    for (const auto& d : t.dims) {
      shape.push_back(d.labels.size());
      chunk.push_back(d.labels.size());
      dim_names.push_back(d.name);
    }
    Hid sp = h5.simple_space(shape);
    Hid dcpl = h5.check(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "creating property list");
    h5.check(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()),
             "setting chunk shape");
    h5.check(H5Pset_shuffle(dcpl), "setting shuffle filter");
    h5.check(H5Pset_deflate(dcpl, kGzipLevel), "setting gzip filter");
    const bool is_int = t.type == CellType::Int64;
    if (is_int) {
      const std::int64_t zero = 0;
      h5.check(H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &zero), "setting fill value");
    } else {
      const double zero = 0.0;
      h5.check(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &zero), "setting fill value");
    }
    Hid ds = h5.check(H5Dcreate2(rg, t.name.c_str(), is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, sp,
                                 H5P_DEFAULT, dcpl, H5P_DEFAULT),
                      H5Dclose, fmt::format("creating dataset /results/{}", t.name));
    h5.write_attr_string(ds, "unit", t.unit);
    h5.write_attr_string(ds, "description", t.description);
    h5.write_attr_strings(ds, "dims", dim_names);
    std::vector<std::string> paths;
    for (const auto& n : dim_names) paths.push_back("/dims/" + n);
    h5.write_attr_strings(ds, "dim_labels", paths);
    attach(ds, "/results/" + t.name, dim_names);
    tables.push_back(std::move(ds));
  }

  // Back-references from each scale to the datasets using it.
  for (const auto& [name, entries] : backrefs) {
    Hid scale = h5.open_dataset(dims_g, name);
    append_scale_refs(h5, scale, entries);
  }
  // Summaries go under /summary; create it now so readers can always list it.
  h5.create_group(file, "summary");
  h5.check(H5Fflush(file, H5F_SCOPE_LOCAL), "flushing");
}

void ResultsFile::Impl::reopen(const Provenance& prov) {
  const std::string why_prefix = fmt::format("cannot resume from '{}'", partial_path.string());
  const std::string advice = "; delete it (or run without resume) to start over";
  auto refuse = [&](const std::string& reason) -> void {
    throw std::runtime_error(why_prefix + ": " + reason + advice);
  };
  if (::access(partial_path.c_str(), R_OK | W_OK) != 0)
    refuse(fmt::format("it cannot be opened for writing ({})", std::strerror(errno)));
  const htri_t is_h5 = is_hdf5_file(partial_path.c_str());
  if (is_h5 <= 0)
    refuse("it is not a readable HDF5 file (a crash while it was being written can corrupt it)");
  Hid fapl = file_access_plist(h5);
  const hid_t fid = H5Fopen(partial_path.c_str(), H5F_ACC_RDWR, fapl);
  if (fid < 0) refuse("HDF5 cannot open it: " + hdf5_error_text());
  file = Hid(fid, H5Fclose);

  try {
    if (H5Aexists(file, "format") <= 0 || h5.read_attr_string(file, "format") != kResultsFormatName)
      refuse("it is not an averted results file (root attribute format != 'averted-results')");
    const auto version = h5.read_attr_int(file, "format_version");
    if (version != kResultsFormatVersion)
      refuse(fmt::format("it has format_version {}, this program writes {}", version,
                         kResultsFormatVersion));

    // Layout.
    const auto scen = h5.read_string_dataset(file, "/layout/scenarios");
    if (scen != layout.scenarios)
      refuse(fmt::format("its scenarios {} differ from the new ones {}", join(scen),
                         join(layout.scenarios)));
    Hid lg = h5.open_group(file, "layout");
    const auto draws = h5.read_attr_int(lg, "draws");
    const auto reps = h5.read_attr_int(lg, "replicates");
    if (draws != layout.draws)
      refuse(fmt::format("it has {} draws, the new run has {}", draws, layout.draws));
    if (reps != layout.replicates)
      refuse(fmt::format("it has {} replicates, the new run has {}", reps, layout.replicates));
    const auto seed = h5.read_attr_int(file, "master_seed");
    if (seed != prov.master_seed)
      refuse(fmt::format("it was made with master_seed {}, the new run has {}", seed,
                         prov.master_seed));

    // Provenance: the scenarios must be the same ones (same content hash).
    for (std::size_t i = 0; i < layout.scenarios.size(); ++i) {
      const auto path = fmt::format("/provenance/scenarios/{}/hash", i);
      const auto old =
          h5.exists(file, path) ? h5.read_string_dataset(file, path) : std::vector<std::string>{};
      const std::string old_hash = old.empty() ? "(none)" : old[0];
      if (old_hash != prov.scenario_hashes[i])
        refuse(fmt::format(
            "scenario '{}' has changed since the partial file was written (hash {} then, {} now)",
            layout.scenarios[i], old_hash, prov.scenario_hashes[i]));
    }

    // Tables: same names in the same order, same type, dims and labels.
    std::vector<std::string> names;
    for (const auto& t : layout.tables) names.push_back(t.name);
    const auto old_names = h5.read_string_dataset(file, "/layout/tables");
    if (old_names != names)
      refuse(
          fmt::format("its tables {} differ from the new ones {}", join(old_names), join(names)));
    for (const auto& t : layout.tables) {
      Hid ds = h5.open_dataset(file, "/results/" + t.name);
      Hid ft = h5.check(H5Dget_type(ds), H5Tclose, "reading dataset type");
      const bool is_int = H5Tget_class(ft) == H5T_INTEGER;
      if (is_int != (t.type == CellType::Int64))
        refuse(fmt::format("table '{}' is {} in the file but {} now", t.name,
                           is_int ? "int64" : "float64",
                           t.type == CellType::Int64 ? "int64" : "float64"));
      Hid sp = h5.check(H5Dget_space(ds), H5Sclose, "reading dataset shape");
      const int rank = H5Sget_simple_extent_ndims(sp);
      std::vector<hsize_t> shape(static_cast<std::size_t>(std::max(rank, 0)));
      H5Sget_simple_extent_dims(sp, shape.data(), nullptr);
      std::vector<hsize_t> want = {layout.scenarios.size(), layout.draws, layout.replicates};
      for (const auto& d : t.dims) want.push_back(d.labels.size());
      if (shape != want)
        refuse(fmt::format("table '{}' has shape [{}] in the file but [{}] now", t.name,
                           fmt::join(shape, ", "), fmt::join(want, ", ")));
      auto dims = h5.read_attr_strings(ds, "dims");
      std::vector<std::string> want_dims(std::begin(kLeading), std::end(kLeading));
      for (const auto& d : t.dims) want_dims.push_back(d.name);
      if (dims != want_dims)
        refuse(fmt::format("table '{}' has dims {} in the file but {} now", t.name, join(dims),
                           join(want_dims)));
      for (const auto& d : t.dims) {
        std::vector<std::string> labels;
        if (!stored_labels(d.name, labels) || labels != d.labels)
          refuse(fmt::format("dimension '{}' (table '{}') has labels {} in the file but {} now",
                             d.name, t.name, join(labels), join(d.labels)));
      }
      tables.push_back(std::move(ds));
    }

    // Which runs are done.
    done_ds = h5.open_dataset(file, "/runs/done");
    Hid sp = h5.check(H5Dget_space(done_ds), H5Sclose, "reading /runs/done shape");
    if (static_cast<std::size_t>(H5Sget_simple_extent_npoints(sp)) != done.size())
      refuse("/runs/done does not match the layout");
    h5.check(H5Dread(done_ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, done.data()),
             "reading /runs/done");

    // Record this session, mark incomplete again (in case a previous finalize got as far
    // as setting complete=1 but not the rename).
    std::vector<std::string> history;
    if (H5Aexists(file, "resume_history") > 0)
      history = h5.read_attr_strings(file, "resume_history");
    history.push_back(fmt::format("resumed_utc={}; code_version={}; host={}; command_line={}",
                                  prov.created_utc, prov.code_version, prov.host,
                                  prov.command_line));
    h5.write_attr_strings(file, "resume_history", history);
    write_complete(0);
    h5.check(H5Fflush(file, H5F_SCOPE_LOCAL), "flushing");
  } catch (...) {
    tables.clear();
    done_ds.reset();
    file.reset();
    throw;
  }
}

// ---- ResultsFile ------------------------------------------------------------------

ResultsFile::ResultsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultsFile::ResultsFile(ResultsFile&&) noexcept = default;
ResultsFile& ResultsFile::operator=(ResultsFile&& other) noexcept {
  if (this != &other) {
    if (impl_) {
      hdf5::Silence quiet;
      impl_.reset();
    }
    impl_ = std::move(other.impl_);
  }
  return *this;
}
ResultsFile::~ResultsFile() {
  if (!impl_) return;
  hdf5::Silence quiet;
  std::lock_guard lock(impl_->mutex);
  impl_->tables.clear();
  impl_->done_ds.reset();
  impl_->file.reset();  // leaves <final>.partial as it is
}

ResultsFile ResultsFile::create(const fs::path& final_path, const ResultsLayout& layout,
                                const Provenance& prov, bool resume) {
  // ---- check the request before touching anything ----
  if (final_path.empty()) throw std::runtime_error("results file: no output path given");
  if (!final_path.has_filename())
    throw std::runtime_error(fmt::format(
        "results file '{}': the path names a directory, not a file", final_path.string()));
  const auto where = [&](const std::string& msg) {
    return std::runtime_error(
        fmt::format("cannot create results file '{}': {}", final_path.string(), msg));
  };
  fs::path dir = final_path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::exists(dir, ec))
    throw where(fmt::format("the directory '{}' does not exist", dir.string()));
  if (!fs::is_directory(dir, ec)) throw where(fmt::format("'{}' is not a directory", dir.string()));
  if (fs::is_directory(final_path, ec)) throw where("a directory of that name exists");

  if (layout.scenarios.empty()) throw where("the layout has no scenarios");
  if (layout.draws == 0) throw where("the layout has 0 draws");
  if (layout.replicates == 0) throw where("the layout has 0 replicates");
  try {
    std::set<std::string> seen;
    for (const auto& s : layout.scenarios) {
      if (s.empty()) throw std::runtime_error("a scenario has an empty name");
      if (!seen.insert(s).second)
        throw std::runtime_error(fmt::format("scenario '{}' appears twice", s));
    }
    if (prov.scenario_files.size() != layout.scenarios.size() ||
        prov.scenario_hashes.size() != layout.scenarios.size() ||
        prov.merged_yaml.size() != layout.scenarios.size())
      throw std::runtime_error(
          fmt::format("the provenance must have one file, hash and merged YAML per scenario ({} "
                      "scenarios; got {} files, "
                      "{} hashes, {} merged YAML)",
                      layout.scenarios.size(), prov.scenario_files.size(),
                      prov.scenario_hashes.size(), prov.merged_yaml.size()));
    std::set<std::string> table_names;
    std::map<std::string, std::pair<std::string, const std::vector<std::string>*>>
        dim_owner;  // name -> table, labels
    for (const auto& t : layout.tables) {
      check_name("a table", t.name);
      if (!table_names.insert(t.name).second)
        throw std::runtime_error(fmt::format("table '{}' appears twice", t.name));
      check_dims(fmt::format("table '{}'", t.name), t.dims, /*allow_reserved=*/false);
      // One chunk holds one run's table: HDF5 limits a chunk to 4 GiB.
      long double bytes = 8;
      for (const auto& d : t.dims) bytes *= static_cast<long double>(d.labels.size());
      if (bytes >= 4294967295.0L)
        throw std::runtime_error(fmt::format("table '{}' has more than 4 GiB per run", t.name));
      for (const auto& d : t.dims) {
        auto [it, fresh] = dim_owner.try_emplace(d.name, t.name, &d.labels);
        if (!fresh && *it->second.second != d.labels)
          throw std::runtime_error(fmt::format(
              "dimension '{}' has different labels in table '{}' {} and table '{}' {}; a dimension "
              "name must mean "
              "the same labels in every table (rename one of them)",
              d.name, it->second.first, join(*it->second.second), t.name, join(d.labels)));
      }
    }
  } catch (const std::runtime_error& e) {
    throw where(fmt::format("invalid layout: {}", e.what()));
  }

  auto impl = std::make_unique<Impl>();
  impl->final_path = final_path;
  impl->partial_path = partial_path_for(final_path);
  impl->layout = layout;
  impl->h5.file = impl->partial_path;
  impl->done.assign(layout.scenarios.size() * layout.draws * layout.replicates, 0);

  check_not_in_use(impl->partial_path);
  hdf5::Silence quiet;
  if (resume && fs::exists(impl->partial_path, ec)) {
    impl->reopen(prov);
    impl->resumed = true;
  } else {
    try {
      impl->create_new(prov);
    } catch (const std::runtime_error& e) {
      // E.g. a full disk while writing the layout: leave nothing behind.
      std::string what = e.what();
      if (impl->opened && fs::is_regular_file(fs::symlink_status(impl->partial_path, ec)))
        what += impl->discard();
      else
        impl->discard(/*remove_file=*/false);  // nothing of ours to remove
      throw std::runtime_error(what);
    }
  }
  return ResultsFile(std::move(impl));
}

bool ResultsFile::has_run(std::uint32_t s, std::uint32_t d, std::uint32_t r) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->done[impl_->run_index(s, d, r)] != 0;
}

std::size_t ResultsFile::runs_done() const {
  std::lock_guard lock(impl_->mutex);
  return static_cast<std::size_t>(
      std::count(impl_->done.begin(), impl_->done.end(), std::uint8_t{1}));
}

std::vector<ResultsFile::RunIndex> ResultsFile::missing_runs() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<RunIndex> out;
  const auto& L = impl_->layout;
  for (std::uint32_t s = 0; s < L.scenarios.size(); ++s)
    for (std::uint32_t d = 0; d < L.draws; ++d)
      for (std::uint32_t r = 0; r < L.replicates; ++r)
        if (!impl_->done[impl_->run_index(s, d, r)]) out.push_back({s, d, r});
  return out;
}

bool ResultsFile::resumed() const { return impl_->resumed; }
const fs::path& ResultsFile::final_path() const { return impl_->final_path; }
const fs::path& ResultsFile::partial_path() const { return impl_->partial_path; }

void ResultsFile::write_run(std::uint32_t s, std::uint32_t d, std::uint32_t r,
                            const RunOutputs& out) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  m.require_open();
  const std::size_t idx = m.run_index(s, d, r);
  const auto& specs = m.layout.tables;
  const std::string run_name = fmt::format("run (scenario {}, draw {}, replicate {})", s, d, r);
  if (out.tables.size() != specs.size())
    throw std::invalid_argument(
        fmt::format("results file '{}': {} has {} tables, the layout declares {}",
                    m.partial_path.string(), run_name, out.tables.size(), specs.size()));
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const bool is_int = specs[i].type == CellType::Int64;
    const bool got_int = std::holds_alternative<std::vector<std::int64_t>>(out.tables[i]);
    const std::size_t n = std::visit([](const auto& v) { return v.size(); }, out.tables[i]);
    if (is_int != got_int)
      throw std::invalid_argument(fmt::format(
          "results file '{}': table '{}' is {} but {} gave {} values", m.partial_path.string(),
          specs[i].name, is_int ? "int64" : "float64", run_name, got_int ? "int64" : "float64"));
    if (n != specs[i].size())
      throw std::invalid_argument(
          fmt::format("results file '{}': table '{}' has {} cells per run but {} gave {}",
                      m.partial_path.string(), specs[i].name, specs[i].size(), run_name, n));
  }

  hdf5::Silence quiet;
  const H5& h5 = m.h5;
  try {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const hid_t ds = m.tables[i];
    Hid fsp = h5.check(H5Dget_space(ds), H5Sclose, "reading dataset shape");
    std::vector<hsize_t> start = {s, d, r}, count = {1, 1, 1};
    for (const auto& dim : specs[i].dims) {
      start.push_back(0);
      count.push_back(dim.labels.size());
    }
    h5.check(H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
             "selecting a run's slice");
    Hid msp = h5.simple_space({static_cast<hsize_t>(specs[i].size())});
    const bool is_int = specs[i].type == CellType::Int64;
    const void* data =
        std::visit([](const auto& v) -> const void* { return v.data(); }, out.tables[i]);
    h5.check(
        H5Dwrite(ds, is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, msp, fsp, H5P_DEFAULT, data),
        fmt::format("writing table '{}' of {}", specs[i].name, run_name));
  }
  // Data reaches the file before the run is marked done.
  h5.check(H5Fflush(m.file, H5F_SCOPE_LOCAL), "flushing");
  {
    Hid fsp = h5.check(H5Dget_space(m.done_ds), H5Sclose, "reading /runs/done shape");
    const hsize_t start[3] = {s, d, r}, count[3] = {1, 1, 1};
    h5.check(H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, nullptr, count, nullptr),
             "selecting in /runs/done");
    Hid msp = h5.simple_space({1});
    const std::uint8_t one = 1;
    h5.check(H5Dwrite(m.done_ds, H5T_NATIVE_UINT8, msp, fsp, H5P_DEFAULT, &one),
             fmt::format("marking {} done", run_name));
  }
  h5.check(H5Fflush(m.file, H5F_SCOPE_LOCAL), "flushing");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(e.what() + m.discard());
  }
  m.done[idx] = 1;
}

void ResultsFile::write_group(const std::function<void(std::int64_t file_id)>& write) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  m.require_open();
  write(m.file.get());
}

void ResultsFile::write_summary(const std::string& name, const TableSpec& spec,
                                const std::vector<double>& values) {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  m.require_open();
  const std::string what = fmt::format("summary '{}'", name);
  const auto bad = [&](const std::string& msg) {
    return std::invalid_argument(
        fmt::format("results file '{}': {}: {}", m.partial_path.string(), what, msg));
  };
  try {
    check_name("a summary", name);
    check_dims(what, spec.dims, /*allow_reserved=*/true);
  } catch (const std::runtime_error& e) {
    throw bad(e.what());
  }
  if (values.size() != spec.size())
    throw bad(fmt::format("{} values given for {} cells", values.size(), spec.size()));
  const bool is_int = spec.type == CellType::Int64;
  std::vector<std::int64_t> ints;
  if (is_int) {
    ints.reserve(values.size());
    for (double v : values) {
      if (!(std::trunc(v) == v && std::fabs(v) < 9.2e18))
        throw bad(fmt::format("int64 summary has value {}", v));
      ints.push_back(static_cast<std::int64_t>(v));
    }
  }

  hdf5::Silence quiet;
  const H5& h5 = m.h5;
  const std::string self_path = "/summary/" + name;
  if (h5.exists(m.file, self_path)) {  // written before (e.g. by a session that crashed before
                                       // finalize): replace it
    const hobj_ref_t old = h5.ref_to(m.file, self_path);
    {
      Hid old_ds = h5.open_dataset(m.file, self_path);
      if (H5Aexists(old_ds, "dim_labels") > 0)
        for (const auto& p : h5.read_attr_strings(old_ds, "dim_labels"))
          if (h5.exists(m.file, p)) remove_scale_refs(h5, h5.open_dataset(m.file, p), old);
    }
    h5.check(H5Ldelete(m.file, self_path.c_str(), H5P_DEFAULT),
             fmt::format("replacing {}", self_path));
  }
  // Labels: reuse /dims/<name> when it exists (it must have the same labels).
  std::vector<std::string> dim_names, paths;
  for (const auto& dim : spec.dims) {
    std::vector<std::string> stored;
    if (m.stored_labels(dim.name, stored) && stored != dim.labels)
      throw bad(
          fmt::format("dimension '{}' has labels {} but /dims/{} (shared by all tables) has {}",
                      dim.name, join(dim.labels), dim.name, join(stored)));
    dim_names.push_back(dim.name);
    paths.push_back("/dims/" + dim.name);
  }
  Hid dims_g = h5.open_group(m.file, "dims");
  for (const auto& dim : spec.dims) {
    if (!h5.exists(m.file, "/dims/" + dim.name)) {
      Hid d = h5.write_string_dataset(dims_g, dim.name, dim.labels);
      make_scale(h5, d, dim.name);
    }
  }
  Hid sg = h5.exists(m.file, "/summary") ? h5.open_group(m.file, "summary")
                                         : h5.create_group(m.file, "summary");
  std::vector<hsize_t> shape;
  for (const auto& dim : spec.dims) shape.push_back(dim.labels.size());
  Hid sp = h5.simple_space(shape);
  Hid ds = h5.check(H5Dcreate2(sg, name.c_str(), is_int ? H5T_STD_I64LE : H5T_IEEE_F64LE, sp,
                               H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    H5Dclose, fmt::format("creating dataset /summary/{}", name));
  h5.check(
      H5Dwrite(
          ds, is_int ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
          is_int ? static_cast<const void*>(ints.data()) : static_cast<const void*>(values.data())),
      fmt::format("writing /summary/{}", name));
  h5.write_attr_string(ds, "unit", spec.unit);
  h5.write_attr_string(ds, "description", spec.description);
  h5.write_attr_strings(ds, "dims", dim_names);
  h5.write_attr_strings(ds, "dim_labels", paths);
  if (!spec.dims.empty()) {
    const hobj_ref_t self = h5.ref_to(m.file, self_path);
    std::vector<hobj_ref_t> refs;
    for (std::size_t i = 0; i < dim_names.size(); ++i) {
      refs.push_back(h5.ref_to(m.file, paths[i]));
      Hid scale = h5.open_dataset(m.file, paths[i]);
      append_scale_refs(h5, scale, {DsListEntry{self, static_cast<unsigned>(i)}});
    }
    attach_scales(h5, ds, refs, dim_names);
  }
  h5.check(H5Fflush(m.file, H5F_SCOPE_LOCAL), "flushing");
}

void ResultsFile::finalize() {
  Impl& m = *impl_;
  std::lock_guard lock(m.mutex);
  m.require_open();
  std::vector<std::string> missing;
  std::size_t n_missing = 0;
  const auto& L = m.layout;
  for (std::uint32_t s = 0; s < L.scenarios.size(); ++s)
    for (std::uint32_t d = 0; d < L.draws; ++d)
      for (std::uint32_t r = 0; r < L.replicates; ++r)
        if (!m.done[m.run_index(s, d, r)]) {
          if (++n_missing <= 20)
            missing.push_back(
                fmt::format("(scenario {} '{}', draw {}, replicate {})", s, L.scenarios[s], d, r));
        }
  if (n_missing > 0) {
    std::string list;
    for (const auto& x : missing) list += "\n  " + x;
    if (n_missing > missing.size())
      list += fmt::format("\n  ... and {} more", n_missing - missing.size());
    throw std::runtime_error(
        fmt::format("results file '{}': cannot finalize: {} of {} runs have not been written:{}",
                    m.partial_path.string(), n_missing, m.done.size(), list));
  }

  hdf5::Silence quiet;
  try {
    m.write_complete(1);
    m.h5.check(H5Fflush(m.file, H5F_SCOPE_LOCAL), "flushing");
    m.tables.clear();
    m.done_ds.reset();
    const bool closed = m.file.close();
    if (!closed) fail(m.partial_path, "closing the file");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(e.what() + m.discard());
  }
  m.finalized = true;  // the HDF5 file is closed whatever happens next

  fsync_path(m.partial_path, /*directory=*/false);
  std::error_code ec;
  fs::rename(m.partial_path, m.final_path, ec);
  if (ec)
    throw std::runtime_error(fmt::format(
        "results file: cannot rename '{}' to '{}': {} (the complete results are in '{}')",
        m.partial_path.string(), m.final_path.string(), ec.message(), m.partial_path.string()));
  fs::path dir = m.final_path.parent_path();
  fsync_path(dir.empty() ? fs::path(".") : dir, /*directory=*/true);
}

}  // namespace averted
