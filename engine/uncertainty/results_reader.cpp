#include "uncertainty/results_reader.hpp"

#include "results/hdf5_handles.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace averted {
using hdf5::Handle;
using hdf5::Silence;

ResultsReader::ResultsReader(const std::filesystem::path& path) : path_(path) {
  Silence quiet;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error(fmt::format("cannot open results file {}", path.string()));
  file_ = f;
  auto fail = [&](const char* what) {
    throw std::runtime_error(fmt::format("{}: not a readable Averted results file ({})", path.string(), what));
  };
  const Handle done{H5Dopen2(f, "/runs/done", H5P_DEFAULT), H5Dclose};
  if (done.id < 0) fail("no /runs/done");
  const Handle space{H5Dget_space(done.id), H5Sclose};
  hsize_t dims[3] = {0, 0, 0};
  if (H5Sget_simple_extent_ndims(space.id) != 3) fail("/runs/done is not 3-dimensional");
  H5Sget_simple_extent_dims(space.id, dims, nullptr);
  scenarios_ = static_cast<std::uint32_t>(dims[0]);
  draws_ = static_cast<std::uint32_t>(dims[1]);
  replicates_ = static_cast<std::uint32_t>(dims[2]);
  done_.resize(dims[0] * dims[1] * dims[2]);
  if (!done_.empty() && H5Dread(done.id, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, done_.data()) < 0) {
    fail("cannot read /runs/done");
  }
}

ResultsReader::~ResultsReader() {
  if (file_ >= 0) H5Fclose(static_cast<hid_t>(file_));
}

bool ResultsReader::done(std::uint32_t s, std::uint32_t d, std::uint32_t r) const {
  if (s >= scenarios_ || d >= draws_ || r >= replicates_) return false;
  return done_[(static_cast<std::size_t>(s) * draws_ + d) * replicates_ + r] != 0;
}

RunOutputs ResultsReader::read_run(const std::vector<TableSpec>& tables, std::uint32_t s, std::uint32_t d,
                                   std::uint32_t r) const {
  Silence quiet;
  RunOutputs out;
  for (const auto& t : tables) {
    const std::string name = "/results/" + t.name;
    const Handle ds{H5Dopen2(static_cast<hid_t>(file_), name.c_str(), H5P_DEFAULT), H5Dclose};
    if (ds.id < 0) throw std::runtime_error(fmt::format("{}: no table {}", path_.string(), name));
    const Handle space{H5Dget_space(ds.id), H5Sclose};
    const int rank = H5Sget_simple_extent_ndims(space.id);
    if (rank != static_cast<int>(t.dims.size()) + 3) {
      throw std::runtime_error(fmt::format("{}: table {} has rank {}, expected {}", path_.string(), name, rank,
                                           t.dims.size() + 3));
    }
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank)), start(dims.size(), 0), count(dims.size());
    H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
    start[0] = s;
    start[1] = d;
    start[2] = r;
    count[0] = count[1] = count[2] = 1;
    for (std::size_t k = 0; k < t.dims.size(); ++k) {
      if (dims[k + 3] != t.dims[k].labels.size()) {
        throw std::runtime_error(fmt::format("{}: table {} has a different shape", path_.string(), name));
      }
      count[k + 3] = dims[k + 3];
    }
    H5Sselect_hyperslab(space.id, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    const hsize_t n = t.size();
    const Handle mem{H5Screate_simple(1, &n, nullptr), H5Sclose};
    herr_t status;
    if (t.type == CellType::Int64) {
      std::vector<std::int64_t> v(n);
      status = H5Dread(ds.id, H5T_NATIVE_INT64, mem.id, space.id, H5P_DEFAULT, v.data());
      out.tables.emplace_back(std::move(v));
    } else {
      std::vector<double> v(n);
      status = H5Dread(ds.id, H5T_NATIVE_DOUBLE, mem.id, space.id, H5P_DEFAULT, v.data());
      out.tables.emplace_back(std::move(v));
    }
    if (status < 0) throw std::runtime_error(fmt::format("{}: cannot read {}", path_.string(), name));
  }
  return out;
}

}  // namespace averted
