// Small RAII helpers for HDF5 with the C API. Includes <hdf5.h>: include it
// only from .cpp files that touch results files (results_file.cpp, results_reader.cpp,
// analysis/report).
#pragma once

#include <hdf5.h>

namespace averted::hdf5 {

// HDF5 prints its own error stack by default; we throw instead. Switches printing off
// for the calling thread (the threadsafe library keeps one stack per thread) and
// restores it on exit.
struct Silence {
  H5E_auto2_t func = nullptr;
  void* data = nullptr;
  Silence() {
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Silence() { H5Eset_auto2(H5E_DEFAULT, func, data); }
  Silence(const Silence&) = delete;
  Silence& operator=(const Silence&) = delete;
};

// Closes an HDF5 identifier (file, dataset, dataspace, type, ...) with `close`.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id >= 0) close(id);
  }
};

}  // namespace averted::hdf5
