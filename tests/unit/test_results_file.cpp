// Tests of the HDF5 results file: written with ResultsFile, read back with the HDF5
// C++ API (independently of the writer's code), checking every value, attribute and
// label; crash/resume behaviour; error messages.
#include <H5Cpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "results/results_file.hpp"

namespace fs = std::filesystem;
using namespace averted;

namespace {

constexpr std::uint32_t kScenarios = 2, kDraws = 2, kReplicates = 3;

const Dimension kYear{"year", {"2020", "2021", "2022"}};
const Dimension kCause{"cause", {"drug_poisoning", "other"}};
const Dimension kSex{"sex", {"female", "male"}};

ResultsLayout make_layout() {
  ResultsLayout L;
  L.scenarios = {"baseline", "naloxone"};
  L.draws = kDraws;
  L.replicates = kReplicates;
  L.tables.push_back(TableSpec{"deaths",
                               "deaths",
                               "Deaths by year, cause and sex.",
                               CellType::Int64,
                               {kYear, kCause, kSex}});
  L.tables.push_back(
      TableSpec{"costs", "pounds", "Treatment costs by year.", CellType::Float64, {kYear}});
  return L;
}

Provenance make_provenance() {
  Provenance p;
  p.code_version = "v0.1.0-3-gabcdef";
  p.command_line = "averted run scenarios/england/naloxone.yaml --draws 2";
  p.created_utc = "2024-05-01T12:00:00Z";
  p.host = "test-host";
  p.master_seed = 4242;
  p.step_plan = "ageing\nmortality\ntreatment";
  p.scenario_files = {"scenarios/england/baseline.yaml", "scenarios/england/naloxone.yaml"};
  p.scenario_hashes = {"hash-baseline", "hash-naloxone"};
  p.merged_yaml = {"population: 1000  # baseline.yaml:1\n",
                   "naloxone:\n  coverage: 0.5  # naloxone.yaml:3\n"};
  return p;
}

// Distinct, exactly representable values for every cell of every run.
std::int64_t death_value(std::uint32_t s, std::uint32_t d, std::uint32_t r, std::size_t i) {
  return (std::int64_t{1} << 40) * (s == 1 ? -1 : 1) + 100000 * s + 1000 * d + 100 * r +
         static_cast<std::int64_t>(i);
}
double cost_value(std::uint32_t s, std::uint32_t d, std::uint32_t r, std::size_t i) {
  return 1e6 * s + 1000.5 * d + 10.25 * r + 0.125 * static_cast<double>(i);
}

RunOutputs outputs_for(std::uint32_t s, std::uint32_t d, std::uint32_t r) {
  RunOutputs out;
  std::vector<std::int64_t> deaths(12);
  for (std::size_t i = 0; i < deaths.size(); ++i) deaths[i] = death_value(s, d, r, i);
  std::vector<double> costs(3);
  for (std::size_t i = 0; i < costs.size(); ++i) costs[i] = cost_value(s, d, r, i);
  out.tables.emplace_back(std::move(deaths));
  out.tables.emplace_back(std::move(costs));
  return out;
}

void write_all(ResultsFile& f) {
  for (std::uint32_t s = 0; s < kScenarios; ++s)
    for (std::uint32_t d = 0; d < kDraws; ++d)
      for (std::uint32_t r = 0; r < kReplicates; ++r) f.write_run(s, d, r, outputs_for(s, d, r));
}

// A fresh directory per test, removed afterwards.
class ResultsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("averted_results_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    H5::Exception::dontPrint();
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

// ---- reading helpers (HDF5 C++ API) ----

std::string read_str_attr(const H5::H5Object& obj, const std::string& name) {
  H5::Attribute a = obj.openAttribute(name);
  std::string v;
  a.read(a.getStrType(), v);
  return v;
}

std::vector<std::string> read_str_array_attr(const H5::H5Object& obj, const std::string& name) {
  H5::Attribute a = obj.openAttribute(name);
  const auto n = static_cast<std::size_t>(a.getSpace().getSimpleExtentNpoints());
  std::vector<char*> buf(n);
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  a.read(t, buf.data());
  std::vector<std::string> out(buf.begin(), buf.end());
  H5Dvlen_reclaim(t.getId(), a.getSpace().getId(), H5P_DEFAULT, buf.data());
  return out;
}

std::int64_t read_int_attr(const H5::H5Object& obj, const std::string& name) {
  std::int64_t v = 0;
  obj.openAttribute(name).read(H5::PredType::NATIVE_INT64, &v);
  return v;
}

std::vector<std::string> read_str_dataset(const H5::H5File& f, const std::string& path) {
  H5::DataSet ds = f.openDataSet(path);
  H5::DataSpace sp = ds.getSpace();
  const auto n = static_cast<std::size_t>(sp.getSimpleExtentNpoints());
  std::vector<char*> buf(n);
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  ds.read(buf.data(), t);
  std::vector<std::string> out(buf.begin(), buf.end());
  H5Dvlen_reclaim(t.getId(), sp.getId(), H5P_DEFAULT, buf.data());
  return out;
}

std::vector<hsize_t> shape_of(const H5::DataSet& ds) {
  H5::DataSpace sp = ds.getSpace();
  std::vector<hsize_t> dims(static_cast<std::size_t>(sp.getSimpleExtentNdims()));
  sp.getSimpleExtentDims(dims.data());
  return dims;
}

template <typename T>
std::vector<T> read_all(const H5::DataSet& ds, const H5::PredType& type) {
  std::vector<T> v(static_cast<std::size_t>(ds.getSpace().getSimpleExtentNpoints()));
  ds.read(v.data(), type);
  return v;
}

std::vector<std::uint8_t> read_done(const fs::path& path) {
  H5::H5File f(path.string(), H5F_ACC_RDONLY);
  return read_all<std::uint8_t>(f.openDataSet("/runs/done"), H5::PredType::NATIVE_UINT8);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_F(ResultsFileTest, RoundTripEveryValueAttributeAndLabel) {
  const fs::path final_path = dir_ / "results.h5";
  {
    auto f = ResultsFile::create(final_path, make_layout(), make_provenance());
    EXPECT_FALSE(f.resumed());
    EXPECT_TRUE(fs::exists(dir_ / "results.h5.partial"));
    EXPECT_FALSE(fs::exists(final_path));
    write_all(f);
    EXPECT_EQ(f.runs_done(), kScenarios * kDraws * kReplicates);
    EXPECT_TRUE(f.missing_runs().empty());
    // A whole-file summary: mean deaths per scenario and year.
    TableSpec spec{"mean_deaths",
                   "deaths",
                   "Mean deaths per scenario and year.",
                   CellType::Float64,
                   {Dimension{"scenario", {"baseline", "naloxone"}}, kYear}};
    f.write_summary("mean_deaths", spec, {1.5, 2.5, 3.5, 4.5, 5.5, 6.5});
    f.finalize();
  }
  EXPECT_TRUE(fs::exists(final_path));
  EXPECT_FALSE(fs::exists(dir_ / "results.h5.partial"));

  H5::H5File f(final_path.string(), H5F_ACC_RDONLY);
  H5::Group root = f.openGroup("/");
  EXPECT_EQ(read_str_attr(root, "format"), "averted-results");
  EXPECT_EQ(read_int_attr(root, "format_version"), 1);
  EXPECT_EQ(root.openAttribute("format_version").getTypeClass(), H5T_INTEGER);
  EXPECT_EQ(read_int_attr(root, "complete"), 1);
  const Provenance prov = make_provenance();
  EXPECT_EQ(read_str_attr(root, "code_version"), prov.code_version);
  EXPECT_EQ(read_str_attr(root, "created_utc"), prov.created_utc);
  EXPECT_EQ(read_str_attr(root, "command_line"), prov.command_line);
  EXPECT_EQ(read_str_attr(root, "host"), prov.host);
  EXPECT_EQ(read_int_attr(root, "master_seed"), 4242);

  // Layout.
  EXPECT_EQ(read_str_dataset(f, "/layout/scenarios"),
            (std::vector<std::string>{"baseline", "naloxone"}));
  EXPECT_EQ(read_str_dataset(f, "/layout/tables"), (std::vector<std::string>{"deaths", "costs"}));
  H5::Group layout = f.openGroup("/layout");
  EXPECT_EQ(read_int_attr(layout, "draws"), kDraws);
  EXPECT_EQ(read_int_attr(layout, "replicates"), kReplicates);
  EXPECT_EQ(read_int_attr(layout, "scenarios"), kScenarios);

  // Provenance.
  EXPECT_EQ(read_str_dataset(f, "/provenance/step_plan"), std::vector<std::string>{prov.step_plan});
  for (std::size_t i = 0; i < kScenarios; ++i) {
    const std::string g = "/provenance/scenarios/" + std::to_string(i);
    EXPECT_EQ(read_str_dataset(f, g + "/file"), std::vector<std::string>{prov.scenario_files[i]});
    EXPECT_EQ(read_str_dataset(f, g + "/hash"), std::vector<std::string>{prov.scenario_hashes[i]});
    EXPECT_EQ(read_str_dataset(f, g + "/merged_yaml"),
              std::vector<std::string>{prov.merged_yaml[i]});
    EXPECT_EQ(read_str_attr(f.openGroup(g), "name"), make_layout().scenarios[i]);
  }

  // Runs done.
  H5::DataSet done = f.openDataSet("/runs/done");
  EXPECT_EQ(shape_of(done), (std::vector<hsize_t>{2, 2, 3}));
  EXPECT_EQ(done.getDataType().getSize(), 1u);
  for (auto v : read_all<std::uint8_t>(done, H5::PredType::NATIVE_UINT8)) EXPECT_EQ(v, 1);

  // Labels: shared, one per dimension name.
  EXPECT_EQ(read_str_dataset(f, "/dims/scenario"),
            (std::vector<std::string>{"baseline", "naloxone"}));
  EXPECT_EQ(read_str_dataset(f, "/dims/draw"), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(read_str_dataset(f, "/dims/replicate"), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(read_str_dataset(f, "/dims/year"), kYear.labels);
  EXPECT_EQ(read_str_dataset(f, "/dims/cause"), kCause.labels);
  EXPECT_EQ(read_str_dataset(f, "/dims/sex"), kSex.labels);
  for (const char* d : {"scenario", "draw", "replicate", "year", "cause", "sex"}) {
    H5::DataSet scale = f.openDataSet(std::string("/dims/") + d);
    EXPECT_EQ(read_str_attr(scale, "CLASS"), "DIMENSION_SCALE") << d;
    EXPECT_EQ(read_str_attr(scale, "NAME"), d);
    EXPECT_TRUE(scale.attrExists("REFERENCE_LIST")) << d;
  }

  // deaths: int64 [scenario, draw, replicate, year, cause, sex], one chunk per run.
  {
    H5::DataSet ds = f.openDataSet("/results/deaths");
    EXPECT_EQ(ds.getTypeClass(), H5T_INTEGER);
    EXPECT_EQ(ds.getDataType().getSize(), 8u);
    EXPECT_EQ(ds.getIntType().getSign(), H5T_SGN_2);
    EXPECT_EQ(shape_of(ds), (std::vector<hsize_t>{2, 2, 3, 3, 2, 2}));
    H5::DSetCreatPropList dcpl = ds.getCreatePlist();
    ASSERT_EQ(dcpl.getLayout(), H5D_CHUNKED);
    std::vector<hsize_t> chunk(6);
    dcpl.getChunk(6, chunk.data());
    EXPECT_EQ(chunk, (std::vector<hsize_t>{1, 1, 1, 3, 2, 2}));
    EXPECT_EQ(read_str_attr(ds, "unit"), "deaths");
    EXPECT_EQ(read_str_attr(ds, "description"), "Deaths by year, cause and sex.");
    EXPECT_EQ(read_str_array_attr(ds, "dims"),
              (std::vector<std::string>{"scenario", "draw", "replicate", "year", "cause", "sex"}));
    EXPECT_EQ(read_str_array_attr(ds, "dim_labels"),
              (std::vector<std::string>{"/dims/scenario", "/dims/draw", "/dims/replicate",
                                        "/dims/year", "/dims/cause", "/dims/sex"}));
    EXPECT_EQ(read_str_array_attr(ds, "DIMENSION_LABELS"),
              (std::vector<std::string>{"scenario", "draw", "replicate", "year", "cause", "sex"}));
    EXPECT_TRUE(ds.attrExists("DIMENSION_LIST"));
    const auto v = read_all<std::int64_t>(ds, H5::PredType::NATIVE_INT64);
    std::size_t k = 0;
    for (std::uint32_t s = 0; s < kScenarios; ++s)
      for (std::uint32_t d = 0; d < kDraws; ++d)
        for (std::uint32_t r = 0; r < kReplicates; ++r)
          for (std::size_t i = 0; i < 12; ++i, ++k)
            ASSERT_EQ(v[k], death_value(s, d, r, i)) << s << d << r << i;
  }
  // costs: float64 [scenario, draw, replicate, year], year labels shared with deaths.
  {
    H5::DataSet ds = f.openDataSet("/results/costs");
    EXPECT_EQ(ds.getTypeClass(), H5T_FLOAT);
    EXPECT_EQ(ds.getDataType().getSize(), 8u);
    EXPECT_EQ(shape_of(ds), (std::vector<hsize_t>{2, 2, 3, 3}));
    EXPECT_EQ(read_str_attr(ds, "unit"), "pounds");
    EXPECT_EQ(read_str_attr(ds, "description"), "Treatment costs by year.");
    EXPECT_EQ(read_str_array_attr(ds, "dims"),
              (std::vector<std::string>{"scenario", "draw", "replicate", "year"}));
    EXPECT_EQ(read_str_array_attr(ds, "dim_labels"),
              (std::vector<std::string>{"/dims/scenario", "/dims/draw", "/dims/replicate",
                                        "/dims/year"}));
    const auto v = read_all<double>(ds, H5::PredType::NATIVE_DOUBLE);
    std::size_t k = 0;
    for (std::uint32_t s = 0; s < kScenarios; ++s)
      for (std::uint32_t d = 0; d < kDraws; ++d)
        for (std::uint32_t r = 0; r < kReplicates; ++r)
          for (std::size_t i = 0; i < 3; ++i, ++k) ASSERT_EQ(v[k], cost_value(s, d, r, i));
  }
  // Summary.
  {
    H5::DataSet ds = f.openDataSet("/summary/mean_deaths");
    EXPECT_EQ(shape_of(ds), (std::vector<hsize_t>{2, 3}));
    EXPECT_EQ(read_all<double>(ds, H5::PredType::NATIVE_DOUBLE),
              (std::vector<double>{1.5, 2.5, 3.5, 4.5, 5.5, 6.5}));
    EXPECT_EQ(read_str_array_attr(ds, "dims"), (std::vector<std::string>{"scenario", "year"}));
    EXPECT_EQ(read_str_attr(ds, "unit"), "deaths");
  }
}

TEST_F(ResultsFileTest, DestructorWithoutFinalizeLeavesOnlyThePartial) {
  const fs::path final_path = dir_ / "out.h5";
  {
    auto f = ResultsFile::create(final_path, make_layout(), make_provenance());
    f.write_run(0, 0, 0, outputs_for(0, 0, 0));
    f.write_run(1, 1, 2, outputs_for(1, 1, 2));
  }
  EXPECT_FALSE(fs::exists(final_path));
  ASSERT_TRUE(fs::exists(dir_ / "out.h5.partial"));
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(dir_))
    entries.push_back(e.path().filename().string());
  EXPECT_EQ(entries, std::vector<std::string>{"out.h5.partial"});

  H5::H5File f((dir_ / "out.h5.partial").string(), H5F_ACC_RDONLY);
  EXPECT_EQ(read_int_attr(f.openGroup("/"), "complete"), 0);
  const auto done = read_done(dir_ / "out.h5.partial");
  std::vector<std::uint8_t> want(12, 0);
  want[0] = 1;
  want[11] = 1;
  EXPECT_EQ(done, want);
  // Unwritten cells read as the fill value 0.
  const auto v =
      read_all<std::int64_t>(f.openDataSet("/results/deaths"), H5::PredType::NATIVE_INT64);
  EXPECT_EQ(v[0], death_value(0, 0, 0, 0));
  EXPECT_EQ(v[12], 0);
  EXPECT_EQ(v[11 * 12 + 5], death_value(1, 1, 2, 5));
}

TEST_F(ResultsFileTest, ExistingFinalFileIsReplacedOnlyAtFinalize) {
  const fs::path final_path = dir_ / "out.h5";
  std::ofstream(final_path) << "previous results";
  {
    auto f = ResultsFile::create(final_path, make_layout(), make_provenance());
    write_all(f);
    EXPECT_EQ(slurp(final_path), "previous results");
  }  // not finalized: the old file is untouched
  EXPECT_EQ(slurp(final_path), "previous results");
  {
    auto f = ResultsFile::create(final_path, make_layout(), make_provenance());
    write_all(f);
    EXPECT_EQ(slurp(final_path), "previous results");
    f.finalize();
  }
  H5::H5File f(final_path.string(), H5F_ACC_RDONLY);
  EXPECT_EQ(read_int_attr(f.openGroup("/"), "complete"), 1);
  EXPECT_FALSE(fs::exists(dir_ / "out.h5.partial"));
}

TEST_F(ResultsFileTest, FinalizeWithAMissingRunThrowsNamingIt) {
  const fs::path final_path = dir_ / "out.h5";
  auto f = ResultsFile::create(final_path, make_layout(), make_provenance());
  for (std::uint32_t s = 0; s < kScenarios; ++s)
    for (std::uint32_t d = 0; d < kDraws; ++d)
      for (std::uint32_t r = 0; r < kReplicates; ++r)
        if (!(s == 1 && d == 0 && r == 2)) f.write_run(s, d, r, outputs_for(s, d, r));
  try {
    f.finalize();
    FAIL() << "finalize() should have thrown";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("1 of 12 runs"), std::string::npos) << msg;
    EXPECT_NE(msg.find("scenario 1 'naloxone', draw 0, replicate 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("out.h5.partial"), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(final_path));
  ASSERT_EQ(f.missing_runs().size(), 1u);
  // Still usable: write the missing run and finalize.
  f.write_run(1, 0, 2, outputs_for(1, 0, 2));
  f.finalize();
  EXPECT_TRUE(fs::exists(final_path));
  EXPECT_THROW(f.write_run(0, 0, 0, outputs_for(0, 0, 0)), std::logic_error);
}

TEST_F(ResultsFileTest, ResumeSkipsDoneRunsAndMatchesAnUninterruptedFile) {
  // Reference: written in one go.
  const fs::path ref_path = dir_ / "reference.h5";
  {
    auto f = ResultsFile::create(ref_path, make_layout(), make_provenance());
    write_all(f);
    f.finalize();
  }
  // Interrupted after 5 runs (every other run in order).
  const fs::path path = dir_ / "resumed.h5";
  std::vector<bool> first_session(12, false);
  {
    auto f = ResultsFile::create(path, make_layout(), make_provenance());
    std::size_t k = 0;
    for (std::uint32_t s = 0; s < kScenarios; ++s)
      for (std::uint32_t d = 0; d < kDraws; ++d)
        for (std::uint32_t r = 0; r < kReplicates; ++r, ++k)
          if (k % 2 == 0 && k < 10) {
            f.write_run(s, d, r, outputs_for(s, d, r));
            first_session[k] = true;
          }
  }
  // Resume: done runs are reported, only the missing ones are written.
  std::size_t written = 0;
  {
    Provenance p2 = make_provenance();
    p2.created_utc = "2024-05-02T08:00:00Z";
    auto f = ResultsFile::create(path, make_layout(), p2, /*resume=*/true);
    EXPECT_TRUE(f.resumed());
    EXPECT_EQ(f.runs_done(), 5u);
    std::size_t k = 0;
    for (std::uint32_t s = 0; s < kScenarios; ++s)
      for (std::uint32_t d = 0; d < kDraws; ++d)
        for (std::uint32_t r = 0; r < kReplicates; ++r, ++k) {
          EXPECT_EQ(f.has_run(s, d, r), first_session[k]) << k;
          if (f.has_run(s, d, r)) continue;
          f.write_run(s, d, r, outputs_for(s, d, r));
          ++written;
        }
    f.finalize();
  }
  EXPECT_EQ(written, 7u);

  H5::H5File a(ref_path.string(), H5F_ACC_RDONLY), b(path.string(), H5F_ACC_RDONLY);
  EXPECT_EQ(read_all<std::int64_t>(a.openDataSet("/results/deaths"), H5::PredType::NATIVE_INT64),
            read_all<std::int64_t>(b.openDataSet("/results/deaths"), H5::PredType::NATIVE_INT64));
  EXPECT_EQ(read_all<double>(a.openDataSet("/results/costs"), H5::PredType::NATIVE_DOUBLE),
            read_all<double>(b.openDataSet("/results/costs"), H5::PredType::NATIVE_DOUBLE));
  EXPECT_EQ(read_all<std::uint8_t>(b.openDataSet("/runs/done"), H5::PredType::NATIVE_UINT8),
            std::vector<std::uint8_t>(12, 1));
  EXPECT_EQ(read_int_attr(b.openGroup("/"), "complete"), 1);
  EXPECT_EQ(read_str_attr(b.openGroup("/"), "created_utc"),
            "2024-05-01T12:00:00Z");  // the original creation
  const auto history = read_str_array_attr(b.openGroup("/"), "resume_history");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_NE(history[0].find("2024-05-02T08:00:00Z"), std::string::npos);
}

TEST_F(ResultsFileTest, ResumeRefusesAnIncompatiblePartialAndExplainsWhy) {
  const fs::path path = dir_ / "out.h5";
  {
    auto f = ResultsFile::create(path, make_layout(), make_provenance());
    f.write_run(0, 0, 0, outputs_for(0, 0, 0));
  }
  auto expect_refusal = [&](const ResultsLayout& L, const Provenance& p, const std::string& why) {
    try {
      ResultsFile::create(path, L, p, /*resume=*/true);
      ADD_FAILURE() << "resume should have been refused: " << why;
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("cannot resume"), std::string::npos) << msg;
      EXPECT_NE(msg.find("out.h5.partial"), std::string::npos) << msg;
      EXPECT_NE(msg.find(why), std::string::npos) << msg;
    }
  };
  Provenance changed = make_provenance();
  changed.scenario_hashes[1] = "hash-edited";
  expect_refusal(make_layout(), changed, "scenario 'naloxone' has changed");
  ResultsLayout more_draws = make_layout();
  more_draws.draws = 3;
  expect_refusal(more_draws, make_provenance(), "draws");
  ResultsLayout other_years = make_layout();
  other_years.tables[1].dims[0].labels = {"2020", "2021", "2023"};
  other_years.tables[0].dims[0].labels = {"2020", "2021", "2023"};
  expect_refusal(other_years, make_provenance(), "dimension 'year'");
  ResultsLayout fewer_tables = make_layout();
  fewer_tables.tables.pop_back();
  expect_refusal(fewer_tables, make_provenance(), "tables");
  Provenance other_seed = make_provenance();
  other_seed.master_seed = 1;
  expect_refusal(make_layout(), other_seed, "master_seed");

  // A refused resume leaves the partial file intact.
  EXPECT_EQ(read_done(dir_ / "out.h5.partial")[0], 1);
  // Without resume the stale partial file is started afresh.
  auto f = ResultsFile::create(path, make_layout(), make_provenance());
  EXPECT_FALSE(f.resumed());
  EXPECT_FALSE(f.has_run(0, 0, 0));
}

TEST_F(ResultsFileTest, ResumeWithoutAPartialStartsAFreshFile) {
  auto f = ResultsFile::create(dir_ / "out.h5", make_layout(), make_provenance(), /*resume=*/true);
  EXPECT_FALSE(f.resumed());
  EXPECT_EQ(f.runs_done(), 0u);
}

TEST_F(ResultsFileTest, MissingDirectoryGivesAClearError) {
  const fs::path path = dir_ / "no_such_dir" / "out.h5";
  try {
    ResultsFile::create(path, make_layout(), make_provenance());
    FAIL() << "should have thrown";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
  }
}

TEST_F(ResultsFileTest, UnwritableDirectoryGivesAClearError) {
  fs::path locked = dir_ / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(locked.c_str(), W_OK) == 0) {
    // Root ignores permission bits: use a read-only system directory instead, if any.
    locked = "/sys";
    const fs::path probe = locked / "averted_probe";
    if (std::ofstream(probe)) {
      fs::remove(probe);
      GTEST_SKIP() << "no unwritable directory available (running as root)";
    }
  }
  const fs::path path = locked / "out.h5";
  try {
    ResultsFile::create(path, make_layout(), make_provenance());
    FAIL() << "should have thrown";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cannot create results file"), std::string::npos) << msg;
    EXPECT_NE(msg.find(path.string() + ".partial"), std::string::npos) << msg;
    EXPECT_NE(msg.find("must be writable"), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(ResultsFileTest, FinalPathThatIsADirectoryIsRefused) {
  fs::create_directories(dir_ / "out.h5");
  EXPECT_THROW(ResultsFile::create(dir_ / "out.h5", make_layout(), make_provenance()),
               std::runtime_error);
}

TEST_F(ResultsFileTest, ConflictingLabelsForOneDimensionNameAreRefused) {
  ResultsLayout L = make_layout();
  L.tables[1].dims[0].labels = {"2020", "2021"};
  try {
    ResultsFile::create(dir_ / "out.h5", L, make_provenance());
    FAIL() << "should have thrown";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("dimension 'year'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'deaths'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'costs'"), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(dir_ / "out.h5.partial"));
}

TEST_F(ResultsFileTest, InvalidLayoutsAreRefused) {
  ResultsLayout reserved = make_layout();
  reserved.tables[1].dims[0].name = "draw";
  EXPECT_THROW(ResultsFile::create(dir_ / "a.h5", reserved, make_provenance()), std::runtime_error);
  ResultsLayout empty_dim = make_layout();
  empty_dim.tables[1].dims.push_back(Dimension{"age", {}});
  EXPECT_THROW(ResultsFile::create(dir_ / "b.h5", empty_dim, make_provenance()),
               std::runtime_error);
  ResultsLayout dup_table = make_layout();
  dup_table.tables[1].name = "deaths";
  EXPECT_THROW(ResultsFile::create(dir_ / "c.h5", dup_table, make_provenance()),
               std::runtime_error);
  Provenance short_prov = make_provenance();
  short_prov.scenario_hashes.pop_back();
  EXPECT_THROW(ResultsFile::create(dir_ / "d.h5", make_layout(), short_prov), std::runtime_error);
}

TEST_F(ResultsFileTest, WriteRunChecksIndicesAndShapes) {
  auto f = ResultsFile::create(dir_ / "out.h5", make_layout(), make_provenance());
  EXPECT_THROW(f.write_run(2, 0, 0, outputs_for(0, 0, 0)), std::out_of_range);
  EXPECT_THROW(f.has_run(0, 0, 3), std::out_of_range);
  RunOutputs wrong_size = outputs_for(0, 0, 0);
  std::get<std::vector<double>>(wrong_size.tables[1]).push_back(1.0);
  EXPECT_THROW(f.write_run(0, 0, 0, wrong_size), std::invalid_argument);
  RunOutputs wrong_type = outputs_for(0, 0, 0);
  wrong_type.tables[1] = std::vector<std::int64_t>(3, 0);
  EXPECT_THROW(f.write_run(0, 0, 0, wrong_type), std::invalid_argument);
  RunOutputs too_few;
  EXPECT_THROW(f.write_run(0, 0, 0, too_few), std::invalid_argument);
  EXPECT_FALSE(f.has_run(0, 0, 0));
  // Summaries: int64 needs whole numbers; names are used once; labels must agree.
  TableSpec spec{"x", "deaths", "d", CellType::Int64, {kYear}};
  EXPECT_THROW(f.write_summary("x", spec, {1.0, 2.5, 3.0}), std::invalid_argument);
  f.write_summary("x", spec, {1.0, 2.0, 3.0});
  f.write_summary("x", spec, {4.0, 5.0, 6.0});  // replaces it
  TableSpec other_years{"y", "deaths", "d", CellType::Float64, {Dimension{"year", {"1999"}}}};
  EXPECT_THROW(f.write_summary("y", other_years, {1.0}), std::invalid_argument);
  write_all(f);
  f.finalize();
  H5::H5File h((dir_ / "out.h5").string(), H5F_ACC_RDONLY);
  EXPECT_EQ(read_all<std::int64_t>(h.openDataSet("/summary/x"), H5::PredType::NATIVE_INT64),
            (std::vector<std::int64_t>{4, 5, 6}));
  EXPECT_FALSE(h.exists("/summary/y"));
}

TEST_F(ResultsFileTest, APartialFileInUseIsNeitherTruncatedNorReopened) {
  const fs::path path = dir_ / "out.h5";
  auto first = ResultsFile::create(path, make_layout(), make_provenance());
  first.write_run(0, 0, 0, outputs_for(0, 0, 0));
  for (bool resume : {false, true}) {
    try {
      ResultsFile::create(path, make_layout(), make_provenance(), resume);
      ADD_FAILURE() << "a second writer should have been refused (resume=" << resume << ")";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("in use"), std::string::npos) << e.what();
    }
  }
  write_all(first);
  first.finalize();
  H5::H5File f(path.string(), H5F_ACC_RDONLY);
  EXPECT_EQ(read_all<std::int64_t>(f.openDataSet("/results/deaths"), H5::PredType::NATIVE_INT64)[0],
            death_value(0, 0, 0, 0));
}

TEST_F(ResultsFileTest, RunsCanBeWrittenFromSeveralThreads) {
  const fs::path path = dir_ / "out.h5";
  {
    auto f = ResultsFile::create(path, make_layout(), make_provenance());
    std::vector<std::thread> threads;
    for (std::uint32_t s = 0; s < kScenarios; ++s)
      for (std::uint32_t d = 0; d < kDraws; ++d)
        threads.emplace_back([&f, s, d] {
          for (std::uint32_t r = 0; r < kReplicates; ++r)
            f.write_run(s, d, r, outputs_for(s, d, r));
        });
    for (auto& t : threads) t.join();
    f.finalize();
  }
  H5::H5File f(path.string(), H5F_ACC_RDONLY);
  const auto v =
      read_all<std::int64_t>(f.openDataSet("/results/deaths"), H5::PredType::NATIVE_INT64);
  std::size_t k = 0;
  for (std::uint32_t s = 0; s < kScenarios; ++s)
    for (std::uint32_t d = 0; d < kDraws; ++d)
      for (std::uint32_t r = 0; r < kReplicates; ++r)
        for (std::size_t i = 0; i < 12; ++i, ++k) ASSERT_EQ(v[k], death_value(s, d, r, i));
}
